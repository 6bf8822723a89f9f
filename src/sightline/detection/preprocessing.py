"""Fit a photo into a model's fixed input and map the model's boxes back onto the photo.

The two directions live together on purpose: `Placement` records exactly how the photo
was scaled and shifted on the way in, and `Placement.to_original` undoes it. NumPy only,
so that serving through ONNX Runtime never loads PyTorch. The per-channel normalisation an
`InputSpec` describes is applied by the served model itself (`served.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image

from .images import Photo


@dataclass(frozen=True)
class InputSpec:
    """How a model wants its input tensor.

    size: (width, height) of the model input in pixels.
    resize: "stretch" scales each axis independently; "letterbox" keeps the aspect ratio
        and centres the photo on a canvas of grey level `pad_value`.
    resample: "box" is area filtering (Pillow's BOX); "bilinear" is the half-pixel bilinear
        interpolation without antialiasing of OpenCV's INTER_LINEAR, which Ultralytics' models are
        fed; "pillow-bilinear" is Pillow's antialiased BILINEAR, which DETR-family processors use.
    channels: channel order of the tensor.
    mean, std: per-channel normalisation in 0-255 units, in `channels` order:
        value = (pixel - mean) / std.
    """

    size: tuple[int, int]
    resize: Literal["stretch", "letterbox"] = "stretch"
    channels: Literal["RGB", "BGR"] = "RGB"
    pad_value: int = 0
    resample: Literal["box", "bilinear", "pillow-bilinear"] = "box"
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class Placement:
    """Where the original photo landed inside the model input: input = original * scale + offset."""

    scale_x: float
    scale_y: float
    offset_x: float
    offset_y: float
    width: int
    height: int

    def to_original(self, boxes: np.ndarray, clip: bool = True) -> np.ndarray:
        """boxes: float[N, 4] xyxy in input pixels -> float32[N, 4] xyxy in original pixels, clipped unless told."""
        scale = np.array([self.scale_x, self.scale_y, self.scale_x, self.scale_y], dtype=np.float32)
        offset = np.array([self.offset_x, self.offset_y, self.offset_x, self.offset_y], dtype=np.float32)
        original = (np.asarray(boxes, dtype=np.float32) - offset) / scale
        if not clip:
            return original
        limits = np.array([self.width, self.height, self.width, self.height], dtype=np.float32)
        return np.clip(original, 0.0, limits)


def fitted_size(spec: InputSpec, width: int, height: int) -> tuple[int, int]:
    """The size a width x height photo is resized to inside the model input."""
    input_width, input_height = spec.size
    if spec.resize == "stretch":
        return input_width, input_height
    ratio = min(input_width / width, input_height / height)
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def prepare(photo: Photo | Image.Image, spec: InputSpec) -> tuple[np.ndarray, Placement]:
    """RGB photo -> (uint8[H, W, 3] RGB pixels fitted to the model input, their Placement).

    A photo decoded at reduced scale is fitted exactly as its full-size decode would be: the same
    geometry, computed from the original size, so its Placement maps boxes to the original pixels.
    """
    if isinstance(photo, Image.Image):
        photo = Photo.from_image(photo)
    input_width, input_height = spec.size
    width, height = photo.size
    new_size = fitted_size(spec, width, height)
    if spec.resample == "bilinear":
        # Such models (and pillow-bilinear ones) are given full-size decodes (FixedInputDetector.decode_size):
        # their pixels are the ones their own pipeline would make from the whole photo.
        resized = resize_bilinear(np.asarray(photo.image, dtype=np.uint8), new_size)
    elif spec.resample == "pillow-bilinear":
        resized = np.asarray(photo.image.resize(new_size, Image.Resampling.BILINEAR), dtype=np.uint8)
    else:
        # Box (area) filtering: faster than bilinear in Pillow (1.2 against 1.8 ms for a 768x576 photo)
        # and slightly more accurate on the annotated samples (bench/preprocessing.py).
        resized = np.asarray(photo.image.resize(new_size, Image.Resampling.BOX, box=photo.region), dtype=np.uint8)
    offset_x = (input_width - new_size[0]) // 2
    offset_y = (input_height - new_size[1]) // 2
    if new_size == (input_width, input_height):
        pixels = resized
    else:
        pixels = np.full((input_height, input_width, 3), spec.pad_value, dtype=np.uint8)
        pixels[offset_y : offset_y + new_size[1], offset_x : offset_x + new_size[0]] = resized
    placement = Placement(
        scale_x=new_size[0] / width,
        scale_y=new_size[1] / height,
        offset_x=offset_x,
        offset_y=offset_y,
        width=width,
        height=height,
    )
    return pixels, placement


def resize_bilinear(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8[H, W, C] -> uint8[height, width, C] for size (width, height), as OpenCV's INTER_LINEAR does it.

    Source coordinate (x + 0.5) * in / out - 0.5 in float32, clamped at the edges, no antialiasing;
    then OpenCV's fixed-point arithmetic (11-bit weights, its rounding), so that a network trained on
    OpenCV's pixels sees the same ones: identical when shrinking, within one grey level on a few
    hundredths of a percent of pixels when enlarging (tests/test_preprocessing.py).
    """
    height, width = pixels.shape[:2]
    if (width, height) == size:
        return pixels

    def taps(out: int, source: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        position = ((np.arange(out, dtype=np.float64) + 0.5) * (1.0 / (out / source)) - 0.5).astype(np.float32)
        low = np.floor(position).astype(np.int64)
        fraction = position - low.astype(np.float32)
        outside = (low < 0) | (low >= source - 1)
        fraction[outside] = 0
        low = np.clip(low, 0, source - 1)
        near = np.rint((np.float32(1) - fraction) * np.float32(2048)).astype(np.int64)
        return low, np.minimum(low + 1, source - 1), near, 2048 - near

    x_low, x_high, x_near, x_far = taps(size[0], width)
    y_low, y_high, y_near, y_far = taps(size[1], height)
    source = pixels.astype(np.int64)
    rows = source[:, x_low] * x_near[None, :, None] + source[:, x_high] * x_far[None, :, None]
    mixed = ((y_near[:, None, None] * (rows[y_low] >> 4)) >> 16) + ((y_far[:, None, None] * (rows[y_high] >> 4)) >> 16)
    return ((mixed + 2) >> 2).astype(np.uint8)
