"""DETR-family exports (RT-DETR, D-FINE, RF-DETR, DETR): one box and one set of class logits per query.

Boxes are normalised cx, cy, w, h of the model input. RT-DETR, D-FINE, RF-DETR and Conditional DETR
are trained with a sigmoid per class and keep the best query-class pairs, as many as there are
queries, as transformers' RT-DETR `post_process_object_detection` and RF-DETR's `PostProcess` do
(`detr`); the original DETR uses a softmax whose last class means "no object" (`detr-softmax`).
The file does not say which: `detr` unless the entry says otherwise. The input is the photo
stretched to the model's size with Pillow's bilinear (their processors' default), pixel / 255,
then the entry's mean/std, else the one the file's exporter is known to use (`normalisation`).
"""

from __future__ import annotations

import numpy as np

from ...detector import Candidates, FixedInputDetector
from ...preprocessing import InputSpec
from ...spec import ModelSpec
from ..base import LoadContext, OnnxFileFamily, OnnxFileForward

SIGMOID = "detr"  # logits float32[B, queries, classes], boxes float32[B, queries, 4]
SOFTMAX = "detr-softmax"  # logits float32[B, queries, classes + 1]: the last is "no object"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# RF-DETR's exporter (rfdetr/deploy/export.py) names its input and outputs so, and its models are fed
# ImageNet-normalised pixels; optimum's and transformers' exports (pixel_values -> logits, pred_boxes)
# say nothing of it, and RT-DETR's and D-FINE's processors do not normalise.
RF_DETR_NAMES = ("input", ("dets", "labels"))


def normalisation(input_name: str, output_names: list[str]):
    """(mean, std) in 0..1 units that the exporter who names a file's tensors so feeds it, else (None, None)."""
    if (input_name, tuple(output_names)) == RF_DETR_NAMES:
        return IMAGENET_MEAN, IMAGENET_STD
    return None, None


def _corners(boxes: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """float[N, 4] normalised cxcywh -> float32[N, 4] xyxy in input pixels of size (width, height)."""
    cx, cy, w, h = boxes.T
    scale = np.array([size[0], size[1], size[0], size[1]], dtype=np.float32)
    return (np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1) * scale).astype(np.float32)


def decoder(layout: str, size: tuple[int, int], boxes_first: bool):
    """Candidates from (boxes, logits) or (logits, boxes) outputs, as `boxes_first` says."""

    def decode(outputs, score_floor: float) -> list[Candidates]:
        boxes, logits = (outputs[0], outputs[1]) if boxes_first else (outputs[1], outputs[0])
        found = []
        for image_boxes, image_logits in zip(boxes, logits, strict=True):
            logits64 = image_logits.astype(np.float64)
            if layout == SOFTMAX:
                exp = np.exp(logits64 - logits64.max(axis=1, keepdims=True))
                probabilities = (exp / exp.sum(axis=1, keepdims=True))[:, :-1]
                class_ids = probabilities.argmax(axis=1)
                scores = probabilities[np.arange(len(class_ids)), class_ids]
                queries = np.arange(len(class_ids))
            else:
                probabilities = 1.0 / (1.0 + np.exp(-logits64))
                # The best query-class pairs, as many as there are queries: a query may name two classes.
                flat = probabilities.reshape(-1)
                top = np.argsort(-flat, kind="stable")[: probabilities.shape[0]]
                queries, class_ids = np.divmod(top, probabilities.shape[1])
                scores = flat[top]
            keep = scores >= score_floor
            found.append(
                (
                    _corners(image_boxes[queries[keep]], size),
                    scores[keep].astype(np.float32),
                    class_ids[keep].astype(np.int64),
                )
            )
        return found

    return decode


class DetrFamily(OnnxFileFamily):
    layouts = (SIGMOID, SOFTMAX)

    def input_spec(self, size: tuple[int, int], mean=None, std=None) -> InputSpec:
        """mean/std (0..1 units, as image processors give them) override the normalisation, which is
        pixel / 255 (RT-DETR, D-FINE) unless told otherwise."""
        mean = tuple(255.0 * m for m in mean) if mean else (0.0, 0.0, 0.0)
        std = tuple(255.0 * s for s in std) if std else (255.0, 255.0, 255.0)
        return InputSpec(size=size, resize="stretch", resample="pillow-bilinear", mean=mean, std=std)

    def build(self, spec: ModelSpec, context: LoadContext) -> FixedInputDetector:
        forward = OnnxFileForward(spec.weights, spec.input_spec, context.threads, context.passes)
        boxes_first = forward.session.get_outputs()[0].shape[-1] == 4
        decode = decoder(spec.architecture, spec.input_spec.size, boxes_first)
        return FixedInputDetector(
            spec.name, spec.categories, forward, spec.input_spec, decode, clip_after_nms=True, nms_free=True
        )


FAMILY = DetrFamily()
