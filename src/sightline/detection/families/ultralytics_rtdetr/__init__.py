"""Ultralytics RT-DETR exports: one output float32[B, K, 6] of the decoder's best query-class pairs.

Each row is cx, cy, w, h normalised to the model input, then score (sigmoid, already applied) and
class id, as Ultralytics' `RTDETRDecoder.postprocess` writes them (ultralytics 8.4). The file's
metadata names the head (`head = "RTDETRDecoder"`), which tells it from a YOLO end-to-end export
of the same shape. Input as Ultralytics' `RTDETRPredictor` prepares it: the photo stretched to the
input (`scale_fill`), OpenCV bilinear, RGB, pixel / 255. Set prediction: no NMS, as that predictor.
"""

from __future__ import annotations

import numpy as np

from ...detector import Candidates, FixedInputDetector
from ...preprocessing import InputSpec
from ...spec import ModelSpec
from ..base import LoadContext, OnnxFileFamily, OnnxFileForward

LAYOUT = "ultralytics-rtdetr"
HEAD = "RTDETRDecoder"  # the `head` Ultralytics' exporter writes into the file's metadata


def decoder(size: tuple[int, int]):
    """Candidates in input pixels of size (width, height) from the [B, K, 6] output."""
    scale = np.array([size[0], size[1], size[0], size[1]], dtype=np.float32)

    def decode(outputs, score_floor: float) -> list[Candidates]:
        (predictions,) = outputs[:1]
        found = []
        for image in predictions:  # float32[K, 6]
            keep = image[:, 4] >= score_floor
            cx, cy, w, h = image[keep, :4].T
            boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1) * scale
            found.append((boxes.astype(np.float32), image[keep, 4], image[keep, 5].astype(np.int64)))
        return found

    return decode


class UltralyticsRtDetrFamily(OnnxFileFamily):
    layouts = (LAYOUT,)

    def input_spec(self, size: tuple[int, int], mean=None, std=None) -> InputSpec:
        """size: (width, height) of the exported input; Ultralytics' normalisation is fixed."""
        return InputSpec(size=size, resize="stretch", resample="bilinear", std=(255.0,) * 3)

    def build(self, spec: ModelSpec, context: LoadContext) -> FixedInputDetector:
        forward = OnnxFileForward(spec.weights, spec.input_spec, context.threads, context.passes)
        return FixedInputDetector(
            spec.name, spec.categories, forward, spec.input_spec, decoder(spec.input_spec.size),
            clip_after_nms=True, nms_free=True,
        )  # fmt: skip


FAMILY = UltralyticsRtDetrFamily()
