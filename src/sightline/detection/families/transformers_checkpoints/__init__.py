"""Hugging Face transformers object-detection checkpoints from a local folder, never downloaded.

The folder holds `config.json`, the weights (`model.safetensors` or `pytorch_model.bin`) and
`preprocessor_config.json`. The model runs through `AutoModelForObjectDetection` and the
checkpoint's own image processor, its `post_process_object_detection` included, so its resizing,
normalisation and score rule (sigmoid top-k for RT-DETR and D-FINE, softmax for DETR) are the
library's. `sightline models add` also exports the checkpoint to ONNX and checks the export
(`export.py`); an accepted export is served through ONNX Runtime (`exported.py`), without PyTorch or
transformers. Otherwise serving needs `transformers` (and PyTorch) installed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...detector import Candidates, Detector
from ...images import Photo
from ...spec import ModelSpec
from ..base import FileFamily, LoadContext

log = logging.getLogger("sightline.detection")

LAYOUT = "transformers"
WEIGHTS_FILES = ("model.safetensors", "pytorch_model.bin")
SERVED = ("onnxruntime", "pytorch")  # a models-file entry's `served`: its checked ONNX export, or the checkpoint


@dataclass(frozen=True)
class CheckpointFacts:
    model_type: str
    layout: str
    categories: tuple[str, ...]
    input_spec: None = None  # the checkpoint's processor sizes each photo itself


def inspect(folder: Path) -> CheckpointFacts:
    """Read the checkpoint's config without importing transformers; ValueError says what is missing."""
    missing = [name for name in ("config.json", "preprocessor_config.json") if not (folder / name).is_file()]
    if not any((folder / name).is_file() for name in WEIGHTS_FILES):
        missing.append(" or ".join(WEIGHTS_FILES))
    if missing:
        raise ValueError(f"{folder} is not a transformers checkpoint folder: it lacks {', '.join(missing)}")
    try:
        config = json.loads((folder / "config.json").read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{folder / 'config.json'} is not valid JSON ({error})") from error
    labels = config.get("id2label") or {}
    if not labels:
        raise ValueError(f"{folder / 'config.json'} names no classes (id2label)")
    by_id = {int(key): str(value) for key, value in labels.items()}
    return CheckpointFacts(
        model_type=str(config.get("model_type", "unknown")),
        layout=LAYOUT,
        categories=tuple(by_id.get(i, f"class {i}") for i in range(max(by_id) + 1)),
    )


class TransformersDetector(Detector):
    """Photos at their own size through the checkpoint's processor, model and post-processing."""

    nms_free = True  # transformers' object-detection models are all DETR-style set predictors

    def __init__(self, name: str, categories: Sequence[str], model, processor) -> None:
        super().__init__(name, categories)
        self.model = model
        self.processor = processor

    def candidates(self, photos: Sequence[Photo], score_floor: float) -> list[Candidates]:
        import torch

        images = [photo.image for photo in photos]  # full-size decodes: decode_size is None
        inputs = self.processor(images=images, return_tensors="pt")
        with torch.inference_mode():
            outputs = self.model(**inputs)
        results = self.processor.post_process_object_detection(
            outputs, threshold=score_floor, target_sizes=[(photo.height, photo.width) for photo in photos]
        )
        found = []
        for result, photo in zip(results, photos, strict=True):
            limits = np.array([photo.width, photo.height, photo.width, photo.height], dtype=np.float32)
            boxes = np.clip(result["boxes"].numpy().astype(np.float32), 0.0, limits)
            labels = result["labels"].numpy().astype(np.int64)
            keep = labels < len(self.categories)
            found.append((boxes[keep], result["scores"].numpy().astype(np.float32)[keep], labels[keep]))
        return found


def load_eager(name: str, categories: Sequence[str], folder: Path, threads: int = 0) -> TransformersDetector:
    """The checkpoint in PyTorch with its own processor and post-processing."""
    try:
        import torch
        from transformers import AutoImageProcessor, AutoModelForObjectDetection
    except ImportError as error:
        raise RuntimeError(
            f"serving the transformers checkpoint {folder.name} needs the transformers package ({error})"
        ) from error
    if threads > 0:
        torch.set_num_threads(threads)
    model = AutoModelForObjectDetection.from_pretrained(str(folder), local_files_only=True).eval()
    processor = AutoImageProcessor.from_pretrained(str(folder), local_files_only=True)
    return TransformersDetector(name, categories, model, processor)


class TransformersFamily(FileFamily):
    format = "transformers"

    def build(self, spec: ModelSpec, context: LoadContext) -> Detector:
        if spec.export is not None:
            from .export import fingerprint
            from .exported import ExportedCheckpointDetector

            if spec.export.is_file() and fingerprint(spec.weights) == spec.export_fingerprint:
                return ExportedCheckpointDetector(
                    spec.name, spec.categories, spec.weights, spec.export, context.threads, context.passes
                )
            log.warning(
                "model %s: its checkpoint changed since its ONNX export was checked, or the export is missing; "
                "served in PyTorch until `sightline models add` exports it again",
                spec.name,
            )
        return load_eager(spec.name, spec.categories, spec.weights, context.threads)


FAMILY = TransformersFamily()
