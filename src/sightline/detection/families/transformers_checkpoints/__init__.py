"""Hugging Face transformers object-detection checkpoints from a local folder, never downloaded.

The folder holds `config.json`, the weights (`model.safetensors` or `pytorch_model.bin`) and
`preprocessor_config.json`. The model runs through `AutoModelForObjectDetection` and the
checkpoint's own image processor, its `post_process_object_detection` included, so its resizing,
normalisation and score rule (sigmoid top-k for RT-DETR and D-FINE, softmax for DETR) are the
library's. Serving such a model needs `transformers` (and PyTorch) installed; the built-in models
and ONNX files do not.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...detector import Candidates, Detector
from ...images import Photo
from ...spec import ModelSpec
from ..base import FileFamily, LoadContext

LAYOUT = "transformers"
WEIGHTS_FILES = ("model.safetensors", "pytorch_model.bin")


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


class TransformersFamily(FileFamily):
    format = "transformers"

    def build(self, spec: ModelSpec, context: LoadContext) -> TransformersDetector:
        try:
            import torch
            from transformers import AutoImageProcessor, AutoModelForObjectDetection
        except ImportError as error:
            raise RuntimeError(
                f"serving the transformers checkpoint {spec.weights.name} needs the transformers package ({error})"
            ) from error
        if context.threads > 0:
            torch.set_num_threads(context.threads)
        folder = str(spec.weights)
        model = AutoModelForObjectDetection.from_pretrained(folder, local_files_only=True).eval()
        processor = AutoImageProcessor.from_pretrained(folder, local_files_only=True)
        return TransformersDetector(spec.name, spec.categories, model, processor)


FAMILY = TransformersFamily()
