"""Ultralytics YOLO exports: the raw head (YOLOv5u/v8/v9/11) and the end-to-end one (YOLOv10, YOLO26).

Input as Ultralytics' own predictor prepares it (`ultralytics/data/augment.py` LetterBox and
`engine/predictor.py`): the photo scaled to fit, aspect ratio kept, OpenCV bilinear, centred on
grey 114, RGB, pixel / 255, float32 NCHW. Boxes come back in input pixels; `Placement` maps them
back exactly as Ultralytics' `scale_boxes` does (per-axis gain of the rounded size, same offset).
"""

from __future__ import annotations

import ast

import numpy as np

from ...detector import Candidates, FixedInputDetector
from ...preprocessing import InputSpec
from ...spec import ModelSpec
from ..base import LoadContext, OnnxFileFamily, OnnxFileForward

RAW = "yolo"  # float32[B, 4 + classes, anchors]: cx, cy, w, h in input pixels, then class scores
END_TO_END = "yolo-end2end"  # float32[B, K, 6]: x1, y1, x2, y2 in input pixels, score, class id

PAD_VALUE = 114


def read_metadata(metadata: dict[str, str]) -> dict:
    """What Ultralytics' exporter writes into an ONNX file's metadata_props, parsed.

    Returns any of: "names" (class names by id), "imgsz" ((height, width)), "stride", "end2end", "head"
    (the detection head's class name, e.g. "RTDETRDecoder").
    """
    found = {}
    if "names" in metadata:
        names = ast.literal_eval(metadata["names"])
        found["names"] = [str(names[i]) for i in sorted(names)] if isinstance(names, dict) else list(map(str, names))
    if "imgsz" in metadata:
        imgsz = ast.literal_eval(metadata["imgsz"])
        found["imgsz"] = (int(imgsz), int(imgsz)) if isinstance(imgsz, int) else (int(imgsz[0]), int(imgsz[1]))
    if "stride" in metadata:
        found["stride"] = int(float(metadata["stride"]))
    if "end2end" in metadata:
        found["end2end"] = metadata["end2end"] == "True"
    if "head" in metadata:
        found["head"] = metadata["head"]
    return found


def raw_candidates(outputs, score_floor: float) -> list[Candidates]:
    """One label per anchor, its best class, as Ultralytics' `non_max_suppression` does by default."""
    (predictions,) = outputs[:1]
    found = []
    for image in predictions:  # float32[4 + classes, anchors]
        class_scores = image[4:]
        class_ids = class_scores.argmax(axis=0)
        scores = class_scores[class_ids, np.arange(class_scores.shape[1])]
        keep = scores >= score_floor
        cx, cy, w, h = image[:4, keep]
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
        found.append((boxes.astype(np.float32), scores[keep], class_ids[keep].astype(np.int64)))
    return found


def end_to_end_candidates(outputs, score_floor: float) -> list[Candidates]:
    (predictions,) = outputs[:1]
    found = []
    for image in predictions:  # float32[K, 6]
        keep = image[:, 4] >= score_floor
        found.append((image[keep, :4], image[keep, 4], image[keep, 5].astype(np.int64)))
    return found


class YoloFamily(OnnxFileFamily):
    layouts = (RAW, END_TO_END)

    def input_spec(self, size: tuple[int, int], mean=None, std=None) -> InputSpec:
        """size: (width, height) of the exported input; Ultralytics' normalisation is fixed."""
        return InputSpec(size=size, resize="letterbox", pad_value=PAD_VALUE, resample="bilinear", std=(255.0,) * 3)

    def build(self, spec: ModelSpec, context: LoadContext) -> FixedInputDetector:
        forward = OnnxFileForward(spec.weights, spec.input_spec, context.threads, context.passes)
        decode = raw_candidates if spec.architecture == RAW else end_to_end_candidates
        # The end-to-end head keeps one box per object itself; Ultralytics applies no NMS to it.
        return FixedInputDetector(
            spec.name, spec.categories, forward, spec.input_spec, decode, clip_after_nms=True,
            nms_free=spec.architecture == END_TO_END,
        )  # fmt: skip


FAMILY = YoloFamily()
