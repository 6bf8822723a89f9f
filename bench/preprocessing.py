"""Which input preprocessing makes NanoDet most accurate, measured on the annotated samples.

The TF.js host feeds RGB/255 stretched to 416x416; upstream NanoDet trained on BGR
normalised by ImageNet mean/std, keeping the aspect ratio. This script scores each variant
(and CenterNet for reference) with COCO mAP on `samples/annotations.json`.

    .venv/bin/python bench/preprocessing.py
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import torch
from torchmetrics.detection import MeanAveragePrecision

from sightline.detection.categories import COCO_80
from sightline.detection.detector import FixedInputDetector
from sightline.detection.images import load_image
from sightline.detection.options import DetectOptions
from sightline.detection.preprocessing import InputSpec
from sightline.detection.registry import ModelRegistry
from sightline.detection.runtime import TorchForward

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
UPSTREAM_MEAN_BGR = (103.53, 116.28, 123.675)
UPSTREAM_STD_BGR = (57.375, 57.12, 58.395)
# PASCAL VOC's 20 classes under their COCO names: the VOC photo is annotated only for these.
VOC_CLASSES = {
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "boat", "bird", "cat",
    "dog", "horse", "sheep", "cow", "bottle", "chair", "couch", "potted plant", "dining table", "tv",
}  # fmt: skip

VARIANTS = {
    "RGB/255, stretch (TF.js host)": InputSpec(size=(416, 416), resize="stretch", std=(255.0,) * 3),
    "RGB/255, letterbox": InputSpec(size=(416, 416), resize="letterbox", std=(255.0,) * 3),
    "BGR mean/std, stretch": InputSpec(
        size=(416, 416), resize="stretch", channels="BGR", mean=UPSTREAM_MEAN_BGR, std=UPSTREAM_STD_BGR
    ),
    "BGR mean/std, letterbox (upstream)": InputSpec(
        size=(416, 416), resize="letterbox", channels="BGR", mean=UPSTREAM_MEAN_BGR, std=UPSTREAM_STD_BGR
    ),
}


def load_ground_truth(path: Path) -> list[tuple[Path, dict]]:
    """(photo path, torchmetrics target) per annotated image."""
    coco = json.loads(path.read_text())
    targets = []
    for image in coco["images"]:
        boxes = [a["bbox"] for a in coco["annotations"] if a["image_id"] == image["id"]]
        labels = [a["category_id"] for a in coco["annotations"] if a["image_id"] == image["id"]]
        xyxy = torch.tensor([[x, y, x + w, y + h] for x, y, w, h in boxes], dtype=torch.float32).reshape(-1, 4)
        targets.append((path.parent / image["file_name"], {"boxes": xyxy, "labels": torch.tensor(labels).long()}))
    return targets


def score(detector, ground_truth: list[tuple[Path, dict]]) -> dict[str, float]:
    metric = MeanAveragePrecision(box_format="xyxy", iou_type="bbox", backend="pycocotools")
    options = DetectOptions(score_threshold=0.05, max_detections=100)
    for photo, target in ground_truth:
        found = detector.detect([load_image(photo)], options)[0]
        if photo.name.startswith("voc_"):
            found = found[[label in VOC_CLASSES for label in found.labels]]
        prediction = {
            "boxes": torch.from_numpy(found.boxes.copy()),
            "scores": torch.from_numpy(found.scores.copy()),
            "labels": torch.from_numpy(found.class_ids.copy()),
        }
        metric.update([prediction], [target])
    result = metric.compute()
    return {key: round(float(result[key]), 3) for key in ("map", "map_50", "map_75", "mar_100")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=Path("var/models"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    ground_truth = load_ground_truth(SAMPLES / "annotations.json")
    registry = ModelRegistry(args.models_dir)
    nanodet = registry.get("nanodet")
    boxes = sum(len(target["labels"]) for _, target in ground_truth)
    print(f"{len(ground_truth)} photos, {boxes} boxes, {len(COCO_80)} classes\n")
    print("| model / preprocessing | mAP | AP50 | AP75 | AR100 |\n|---|---|---|---|---|")
    for name, spec in VARIANTS.items():
        variant_spec = replace(registry.spec("nanodet"), input_spec=spec)
        served = TorchForward(variant_spec.family.served_module(variant_spec))
        variant = FixedInputDetector(nanodet.name, nanodet.categories, served, spec, nanodet.decode)
        figures = score(variant, ground_truth)
        print(
            f"| nanodet: {name} | {figures['map']} | {figures['map_50']} | {figures['map_75']} | {figures['mar_100']} |"
        )
    figures = score(registry.get("centernet"), ground_truth)
    print(
        f"| centernet: RGB 0-255, stretch | {figures['map']} | {figures['map_50']} | {figures['map_75']} | {figures['mar_100']} |"
    )


if __name__ == "__main__":
    main()
