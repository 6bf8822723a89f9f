"""A transformers checkpoint's ONNX export served through ONNX Runtime, without PyTorch or transformers.

The photo is prepared as the checkpoint's image processor prepares it, from the facts in its
`preprocessor_config.json` (resize rule, rescale, mean and std), one photo per pass at its own
resized size, so no padding or pixel mask is needed. The graph gives DETR's two outputs (class logits
and normalised centre-size boxes per query) and they are decoded as `post_process_object_detection`
decodes them (`families/detr`). Whether this reproduces the checkpoint is not assumed: `export.py`
compares it with the library on real photos before an entry may say it is served this way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ...detector import Candidates, Detector
from ...images import Photo
from ...runtime import CoreSharing, OnnxRuntimeForward
from ..detr import SIGMOID, SOFTMAX, decoder

# The models whose post-processing is DETR's softmax with a last "no object" class; the other
# transformers detectors (Conditional and Deformable DETR, RT-DETR, D-FINE) score with a sigmoid.
SOFTMAX_MODEL_TYPES = ("detr", "yolos", "table-transformer")
RESAMPLE = {0: Image.Resampling.NEAREST, 2: Image.Resampling.BILINEAR, 3: Image.Resampling.BICUBIC}


class UnsupportedProcessorError(ValueError):
    """The checkpoint's processor does something the served path does not reproduce."""


def _size_with_aspect_ratio(height: int, width: int, shortest: int, longest: int | None) -> tuple[int, int]:
    """(height, width) after resizing, as transformers' `get_size_with_aspect_ratio` computes it."""
    size, raw = shortest, None
    if longest is not None:
        low, high = float(min(height, width)), float(max(height, width))
        if high / low * size > longest:
            raw = longest * low / high
            size = round(raw)
    if (height <= width and height == size) or (width <= height and width == size):
        return height, width
    if width < height:
        return (int((raw if raw is not None else size) * height / width), size)
    return (size, int((raw if raw is not None else size) * width / height))


@dataclass(frozen=True)
class ProcessorFacts:
    """What the checkpoint's image processor does to a photo, read from `preprocessor_config.json`."""

    size: dict
    resample: Image.Resampling
    rescale_factor: float
    mean: np.ndarray  # float32[1, 3, 1, 1]
    std: np.ndarray

    @classmethod
    def read(cls, folder: Path) -> ProcessorFacts:
        config = json.loads((folder / "preprocessor_config.json").read_text())
        size = dict(config.get("size") or {})
        if not config.get("do_resize", True) or not ({"height", "width"} <= size.keys() or "shortest_edge" in size):
            raise UnsupportedProcessorError(f"its processor's resizing ({size}) is not one the server reproduces")
        if config.get("pad_size") is not None:
            raise UnsupportedProcessorError("its processor pads to a fixed size")
        resample = config.get("resample", 2)
        if resample not in RESAMPLE:
            raise UnsupportedProcessorError(f"its processor's resampling filter {resample} is not reproduced")
        mean = config.get("image_mean", [0.0, 0.0, 0.0]) if config.get("do_normalize", True) else [0.0] * 3
        std = config.get("image_std", [1.0, 1.0, 1.0]) if config.get("do_normalize", True) else [1.0] * 3
        return cls(
            size=size,
            resample=RESAMPLE[resample],
            rescale_factor=float(config.get("rescale_factor", 1 / 255)) if config.get("do_rescale", True) else 1.0,
            mean=np.array(mean, dtype=np.float32).reshape(1, 3, 1, 1),
            std=np.array(std, dtype=np.float32).reshape(1, 3, 1, 1),
        )

    def resized(self, width: int, height: int) -> tuple[int, int]:
        """(width, height) the processor resizes a width x height photo to."""
        if "height" in self.size and "width" in self.size:
            return int(self.size["width"]), int(self.size["height"])
        new_height, new_width = _size_with_aspect_ratio(
            height, width, int(self.size["shortest_edge"]), self.size.get("longest_edge")
        )
        return new_width, new_height

    def pixel_values(self, image: Image.Image) -> np.ndarray:
        """RGB photo -> float32[1, 3, H, W], the processor's `pixel_values` for it alone."""
        resized = image.resize(self.resized(*image.size), self.resample)
        pixels = np.asarray(resized, dtype=np.float32)[None].transpose(0, 3, 1, 2) * np.float32(self.rescale_factor)
        return (pixels - self.mean) / self.std


class ExportedCheckpointDetector(Detector):
    """Photos at their own size through the checkpoint's processing, its ONNX export and DETR's decoding."""

    nms_free = True

    def __init__(
        self,
        name: str,
        categories: Sequence[str],
        folder: Path,
        onnx_path: Path,
        threads: int = 0,
        passes: CoreSharing | None = None,
    ) -> None:
        super().__init__(name, categories)
        model_type = json.loads((folder / "config.json").read_text()).get("model_type")
        self.layout = SOFTMAX if model_type in SOFTMAX_MODEL_TYPES else SIGMOID
        self.processor = ProcessorFacts.read(folder)
        self.forward = OnnxRuntimeForward(onnx_path, threads, passes)

    def candidates(self, photos: Sequence[Photo], score_floor: float) -> list[Candidates]:
        found = []
        for photo in photos:
            logits, boxes = self.forward(self.processor.pixel_values(photo.image))
            # Normalised boxes of the unpadded input are fractions of the photo itself.
            decode = decoder(self.layout, (photo.width, photo.height), boxes_first=True)
            ((corners, scores, labels),) = decode([boxes, logits], score_floor)
            limits = np.array([photo.width, photo.height, photo.width, photo.height], dtype=np.float32)
            keep = labels < len(self.categories)
            found.append((np.clip(corners, 0.0, limits)[keep], scores[keep], labels[keep]))
        return found
