"""A transformers checkpoint served in PyTorch against its checked ONNX export: time per photo and memory.

    .venv/bin/python bench/transformers_export.py [--preset detr-resnet50|small] [--rounds 2] [--json OUT.json]

Builds a random-initialised DETR offline (`detr-resnet50`: facebook/detr-resnet-50's architecture and
processor, 800/1333 resizing; `small`: the export test's DETR, 320/480), registers it with `models add` (which
exports it and runs the check, whose verdict is printed), and writes a second entry for the same
checkpoint served in PyTorch. Each model is then served in a fresh child process, as a worker serves
it (`ModelRegistry.get`, then `Detector.detect` at the page's 0.05 floor): every sample photo once per
round after one warm-up pass, the two children taking turns round by round so machine load hits both
alike. Reported: p50 ms per photo, the child's RSS at the end and whether it imported torch, and the
memory the model adds once loaded as the Evaluate page measures it (`evaluation.footprint`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODELS_DIR = REPO / "var" / "models"
SAMPLES = REPO / "samples"


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if "model name" in line:
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def build_detr_resnet50(directory: Path) -> Path:
    """DETR with a ResNet-50 backbone (built from its config, nothing downloaded), 100 queries, 6 + 6 layers,
    and DETR's processor; random class biases so that some scores pass the 0.05 floor."""
    import torch
    from transformers import DetrConfig, DetrForObjectDetection, ResNetConfig
    from transformers.models.detr.image_processing_pil_detr import DetrImageProcessorPil

    from sightline.detection.categories import COCO_80

    torch.manual_seed(0)
    config = DetrConfig(
        use_timm_backbone=False,
        use_pretrained_backbone=False,
        backbone_config=ResNetConfig(out_features=["stage4"]),
        id2label=dict(enumerate(COCO_80)),
    )
    model = DetrForObjectDetection(config).eval()
    with torch.no_grad():
        model.class_labels_classifier.bias.normal_(0.0, 2.0)
    folder = directory / "detr-resnet50"
    model.save_pretrained(folder)
    DetrImageProcessorPil().save_pretrained(folder)
    return folder


def _child(args: argparse.Namespace) -> None:
    from sightline.detection.images import load_image
    from sightline.detection.options import DetectOptions
    from sightline.detection.registry import ModelRegistry
    from sightline.evaluation.footprint import resident_bytes

    photos = [load_image(path) for path in sorted(SAMPLES.glob("*.jpg"))]
    options = DetectOptions(score_threshold=0.05)
    started = time.perf_counter()
    detector = ModelRegistry(MODELS_DIR, args.models_file).get(args.child)
    detector.detect(photos[:1], options)
    first_seconds = time.perf_counter() - started
    times = []
    for photo in photos:
        started = time.perf_counter()
        detector.detect([photo], options)
        times.append(1000 * (time.perf_counter() - started))
    print(
        json.dumps(
            {
                "detector": type(detector).__name__,
                "ms": times,
                "load_and_first_s": first_seconds,
                "rss_mb": resident_bytes() / 1e6,
                "torch_imported": "torch" in sys.modules,
            }
        )
    )


def _serve_once(name: str, models_file: Path) -> dict:
    command = [sys.executable, __file__, "--child", name, "--models-file", str(models_file)]
    answer = subprocess.run(command, capture_output=True, text=True, check=True, timeout=1800)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=("detr-resnet50", "small"), default="detr-resnet50")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--models-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return

    from PIL import Image

    from sightline.detection.catalogue import add_model
    from sightline.evaluation.footprint import model_memory_mb

    sys.path.insert(0, str(REPO / "tests"))
    load_at_start = os.getloadavg()[0]
    directory = Path(tempfile.mkdtemp(prefix="transformers-export-bench-"))
    if args.preset == "small":
        from reference_models import build_smooth_detr_checkpoint

        folder = build_smooth_detr_checkpoint(directory)
    else:
        folder = build_detr_resnet50(directory)
    photos = {path.name: Image.open(path).convert("RGB") for path in sorted(SAMPLES.glob("*.jpg"))}
    models_file = directory / "models.toml"
    started = time.perf_counter()
    added = add_model(MODELS_DIR, models_file, folder, photos["dog.jpg"], name="exported", check_photos=photos)
    add_seconds = time.perf_counter() - started
    print(f"models add: {add_seconds:.0f} s; served by {'ONNX Runtime' if added.spec.export else 'PyTorch'}")
    print(f"check: {added.export_check}")
    if not added.spec.export:
        print("the export was not accepted: nothing to compare")
        return
    with models_file.open("a") as stream:
        stream.write(f'\n[models.eager]\nformat = "transformers"\nweights = "{folder}"\nserved = "pytorch"\n')

    runs: dict[str, list[dict]] = {"eager": [], "exported": []}
    for _ in range(args.rounds):
        for name in runs:
            runs[name].append(_serve_once(name, models_file))
    footprint = {name: model_memory_mb(name, MODELS_DIR, models_file) for name in runs}
    rows = {}
    for name, results in runs.items():
        times = [ms for result in results for ms in result["ms"]]
        rows[name] = {
            "detector": results[0]["detector"],
            "p50_ms": statistics.median(times),
            "p95_ms": statistics.quantiles(times, n=20)[-1],
            "load_and_first_s": statistics.median(result["load_and_first_s"] for result in results),
            "rss_mb": max(result["rss_mb"] for result in results),
            "torch_imported": any(result["torch_imported"] for result in results),
            "model_memory_mb": footprint[name],
        }
    machine = (
        f"{_cpu()} ({os.cpu_count()} cores); load average {load_at_start:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at the end; {args.preset}, {args.rounds} rounds x {len(photos)} photos"
    )
    print(machine)
    print(
        "| served | p50 / p95 ms per photo | load + first photo, s | process RSS | memory once loaded | torch imported |"
    )
    print("|---|---|---|---|---|---|")
    for name, row in rows.items():
        print(
            f"| {'PyTorch (eager)' if name == 'eager' else 'ONNX Runtime (export)'} | {row['p50_ms']:.0f} / "
            f"{row['p95_ms']:.0f} | {row['load_and_first_s']:.1f} | {row['rss_mb']:.0f} MB | "
            f"{row['model_memory_mb']} MB | {'yes' if row['torch_imported'] else 'no'} |"
        )
    print(f"export / eager p50: {rows['exported']['p50_ms'] / rows['eager']['p50_ms']:.2f}x")
    if args.json:
        args.json.write_text(
            json.dumps({"machine": machine, "check": added.export_check, "add_s": add_seconds, "rows": rows}, indent=2)
        )


if __name__ == "__main__":
    main()
