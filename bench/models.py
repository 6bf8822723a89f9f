"""Accuracy and cost of the models and detection options on the annotated sample photos.

    .venv/bin/python bench/models.py [--rounds 5] [--threads 2] [--json OUT.json]

For every model (NanoDet, CenterNet, the nanodet+centernet ensemble) with and without each option
(agnostic_nms, tta_flip, both): COCO mAP on samples/annotations.json with the evaluation's options
(score floor 0.05, IoU 0.5, 100 boxes), as `sightline eval` scores it; p50 and p95 of
`Detector.detect` per photo over every photo and round, in one process, one configuration after the
other within each round (so machine load hits them alike); and the memory each model adds once
loaded, measured as the Evaluate page measures it (`sightline.evaluation.footprint`). Prints the
CPU and load, then a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from dataclasses import replace
from pathlib import Path

from sightline.detection.categories import COCO_80
from sightline.detection.detections import Detections
from sightline.detection.images import load_image
from sightline.detection.registry import ModelRegistry
from sightline.evaluation.coco import read_coco
from sightline.evaluation.footprint import model_memory_mb
from sightline.evaluation.metrics import mean_average_precision
from sightline.evaluation.runs import EVALUATION_OPTIONS

ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = ROOT / "var" / "models"
SAMPLES = ROOT / "samples"
MODELS = ("nanodet", "centernet", "nanodet+centernet")
OPTIONS = {
    "": {},
    "agnostic_nms": {"agnostic_nms": True},
    "tta_flip": {"tta_flip": True},
    "tta_flip + agnostic_nms": {"tta_flip": True, "agnostic_nms": True},
}


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    samples = read_coco(SAMPLES / "annotations.json", SAMPLES, 50_000_000)
    photos = [load_image(sample.data) for sample in samples]
    truths = [Detections.from_arrays(s.boxes, [1.0] * len(s.boxes), s.class_ids, COCO_80) for s in samples]
    crowds = [sample.crowd for sample in samples]
    registry = ModelRegistry(MODELS_DIR, threads=args.threads)
    configs = [
        (model, label, replace(EVALUATION_OPTIONS, **flags)) for model in MODELS for label, flags in OPTIONS.items()
    ]

    found: dict[int, list[Detections]] = {}
    times: dict[int, list[float]] = {index: [] for index in range(len(configs))}
    for detector in {registry.get(model).name: registry.get(model) for model in MODELS}.values():
        detector.detect(photos[:1], EVALUATION_OPTIONS)  # warm up
    for _ in range(args.rounds):
        for index, (model, _, options) in enumerate(configs):
            detector = registry.get(model)
            results = []
            for photo in photos:
                started = time.perf_counter()
                results += detector.detect([photo], options)
                times[index].append((time.perf_counter() - started) * 1000)
            found[index] = results
    memory = {model: model_memory_mb(model, MODELS_DIR, threads=args.threads) for model in MODELS}

    rows = []
    for index, (model, label, _) in enumerate(configs):
        metrics = mean_average_precision(found[index], truths, crowds)
        ordered = sorted(times[index])
        rows.append(
            {
                "model": model,
                "options": label,
                "map": round(metrics["map"], 4),
                "map_50": round(metrics["map_50"], 4),
                "p50_ms": round(statistics.median(ordered), 1),
                "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
                "memory_mb": memory[model],
            }
        )
    base = next(row for row in rows if row["model"] == "nanodet" and not row["options"])
    print(
        f"{len(photos)} sample photos, {args.rounds} rounds, {args.threads} threads, CPU {cpu_name()} "
        f"({os.cpu_count()} cores), load average {os.getloadavg()[0]:.1f} at the end\n"
    )
    print("| model | options | mAP | mAP@50 | mAP vs NanoDet | p50 ms | p95 ms | p50 vs NanoDet | memory MB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['model']} | {row['options'] or '-'} | {row['map']:.3f} | {row['map_50']:.3f} | "
            f"{row['map'] - base['map']:+.3f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
            f"{row['p50_ms'] / base['p50_ms']:.2f}x | {row['memory_mb']} |"
        )
    if args.json:
        args.json.write_text(json.dumps({"cpu": cpu_name(), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
