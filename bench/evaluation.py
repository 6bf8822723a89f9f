"""Evaluation benchmark: what an mAP evaluation of stored photos costs over running the models on them.

    .venv/bin/python bench/evaluation.py [--images 500] [--models nanodet,centernet] [--database-url URL] [--json OUT.json]

Stores N photos (copies of the annotated sample photos, each made unique by one changed pixel so
the content-addressed store keeps them all) as an imported dataset, in a fresh SQLite database
unless --database-url names another. Then, in one process with 2 threads, times:
  - models only: `Detector.detect` on the already-decoded photos, summed over the models;
  - read + decode + models: what running the models on the stored photos costs from their files;
  - evaluation: `run_evaluation` end to end (load the dataset, read and decode each photo once,
    run every model, accumulate and compute torchmetrics' MeanAveragePrecision, store the results).
The baselines run before and after the evaluation and are averaged; wall and process CPU time are
both reported, since other load on the machine skews wall time. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image

from sightline.config import Settings
from sightline.detection.images import load_image
from sightline.detection.registry import ModelRegistry
from sightline.evaluation import coco
from sightline.evaluation.runs import EVALUATION_OPTIONS, create_evaluation, run_evaluation
from sightline.service import DetectionService
from sightline.storage.service import Storage

ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = ROOT / "var" / "models"
SAMPLES = ROOT / "samples"
THREADS = 2
MAX_PIXELS = 50_000_000


def make_dataset(count: int, folder: Path) -> Path:
    """COCO file + `count` unique JPEGs cycling through the sample photos, with their boxes."""
    source = json.loads((SAMPLES / "annotations.json").read_text())
    pictures = {entry["id"]: Image.open(SAMPLES / entry["file_name"]).convert("RGB") for entry in source["images"]}
    images, annotations = [], []
    for number in range(count):
        entry = source["images"][number % len(source["images"])]
        picture = pictures[entry["id"]].copy()
        picture.putpixel((0, 0), (number % 256, number // 256 % 256, 7))
        name = f"{number:05d}_{entry['file_name']}"
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=92)
        (folder / name).write_bytes(buffer.getvalue())
        images.append({**entry, "id": number + 1, "file_name": name})
        annotations += [
            {**a, "id": len(annotations) + k + 1, "image_id": number + 1}
            for k, a in enumerate(a for a in source["annotations"] if a["image_id"] == entry["id"])
        ]
    target = folder / "annotations.json"
    target.write_text(json.dumps({"images": images, "annotations": annotations, "categories": source["categories"]}))
    return target


def time_models(
    storage: Storage, registry: ModelRegistry, models: list[str], hashes: list[str]
) -> tuple[float, float, float]:
    """(seconds in the models alone, seconds to read + decode + run the models, CPU seconds of the latter)."""
    detectors = [registry.get(name) for name in models]
    in_models = 0.0
    started, started_cpu = time.perf_counter(), time.process_time()
    for sha256 in hashes:
        picture = load_image(storage.images.read(sha256), MAX_PIXELS)
        for detector in detectors:
            begun = time.perf_counter()
            detector.detect([picture], EVALUATION_OPTIONS)
            in_models += time.perf_counter() - begun
    return in_models, time.perf_counter() - started, time.process_time() - started_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--models", default="nanodet,centernet")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    models = args.models.split(",")
    registry = ModelRegistry(MODELS_DIR)

    with tempfile.TemporaryDirectory(prefix="sightline-bench-") as scratch:
        scratch = Path(scratch)
        (scratch / "photos").mkdir()
        annotations = make_dataset(args.images, scratch / "photos")
        storage = Storage.open(args.database_url or f"sqlite:///{scratch / 'bench.db'}", scratch / "images")
        started = time.perf_counter()
        checked = coco.read_coco(annotations, scratch / "photos", MAX_PIXELS)
        name = f"bench-{int(time.time())}"
        with storage.writing() as (session, files):
            coco.import_dataset(session=session, files=files, name=name, images=checked)
        import_s = time.perf_counter() - started
        hashes = [image.sha256 for image in _dataset(storage, name)]

        for detector in (registry.get(model) for model in models):  # load and warm up
            detector.detect([load_image(SAMPLES / "dog.jpg")] * 1, EVALUATION_OPTIONS)
        before = time_models(storage, registry, models, hashes)
        service = DetectionService(Settings(models_dir=MODELS_DIR, max_pixels=MAX_PIXELS), registry=registry)
        evaluation = create_evaluation(storage, service, models, name)
        started, started_cpu = time.perf_counter(), time.process_time()
        finished = run_evaluation(storage, service, evaluation.id)
        evaluation_s, evaluation_cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
        after = time_models(storage, registry, models, hashes)
        storage.close()
    if finished.error:
        sys.exit(f"evaluation failed: {finished.error}")

    models_s = statistics.mean([before[0], after[0]])
    decoded_s = statistics.mean([before[1], after[1]])
    decoded_cpu_s = statistics.mean([before[2], after[2]])
    figures = {
        "images": args.images,
        "models": models,
        "database": "sqlite" if not args.database_url else args.database_url.split(":")[0],
        "import_s": round(import_s, 2),
        "models_only_s": round(models_s, 2),
        "read_decode_models_s": round(decoded_s, 2),
        "evaluation_s": round(evaluation_s, 2),
        "evaluation_over_read_decode_models": round(evaluation_s / decoded_s, 3),
        "evaluation_over_models_only": round(evaluation_s / models_s, 3),
        "read_decode_models_cpu_s": round(decoded_cpu_s, 2),
        "evaluation_cpu_s": round(evaluation_cpu_s, 2),
        "evaluation_over_read_decode_models_cpu": round(evaluation_cpu_s / decoded_cpu_s, 3),
        "load_average": round(os.getloadavg()[0], 2),
        "baseline_runs_s": [round(before[1], 2), round(after[1], 2)],
        "map": {result.model_name: round(result.metrics["map"], 4) for result in finished.results},
    }
    print(f"{args.images} stored photos, models {', '.join(models)}, {THREADS} threads, {figures['database']}\n")
    print("| step | wall s | per photo, ms | CPU s |")
    print("|---|---:|---:|---:|")
    for label, seconds, cpu in (
        ("import (check + store)", import_s, None),
        ("models only", models_s, None),
        ("read + decode + models", decoded_s, decoded_cpu_s),
        ("evaluation (run_evaluation)", evaluation_s, evaluation_cpu_s),
    ):
        print(
            f"| {label} | {seconds:.1f} | {1000 * seconds / args.images:.1f} | {'' if cpu is None else f'{cpu:.1f}'} |"
        )
    print(
        f"\nevaluation / (read + decode + models): wall {figures['evaluation_over_read_decode_models']:.3f}, "
        f"CPU {figures['evaluation_over_read_decode_models_cpu']:.3f}; "
        f"evaluation / models only: wall {figures['evaluation_over_models_only']:.3f}; "
        f"runs of the baseline: {figures['baseline_runs_s']} s; load average at the end {figures['load_average']}"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


def _dataset(storage: Storage, name: str):
    from sightline.evaluation.datasets import load_dataset

    with storage.sessions() as session:
        return load_dataset(session=session, name=name)


if __name__ == "__main__":
    main()
