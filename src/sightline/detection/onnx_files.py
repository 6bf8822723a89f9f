"""ONNX detector files users bring: recognise the output layout, then serve them in ONNX Runtime.

Recognised layouts (see `families/`): Ultralytics YOLO raw `[B, 4 + classes, anchors]` and end-to-end
`[B, K, 6]`, and DETR-style pairs of `[B, queries, 4]` boxes with `[B, queries, classes]` logits.
Input size and class names come from the file's own metadata (Ultralytics writes `imgsz`, `names`)
or its input shape; a models.toml entry may override them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .categories import COCO_80
from .detector import FixedInputDetector
from .families import detr, yolo
from .preprocessing import InputSpec
from .runtime import CoreSharing, OnnxRuntimeForward

LAYOUTS = (yolo.RAW, yolo.END_TO_END, detr.SIGMOID, detr.SOFTMAX)
SUPPORTED = (
    f"{yolo.RAW} (one output [1, 4 + classes, anchors]: Ultralytics YOLOv5u/v8/v9/11), "
    f"{yolo.END_TO_END} (one output [1, K, 6]: YOLOv10, YOLO26), "
    f"{detr.SIGMOID} or {detr.SOFTMAX} (two outputs [1, queries, 4] normalised cxcywh boxes "
    "and [1, queries, classes] logits: RT-DETR, D-FINE, RF-DETR, DETR)"
)
DEFAULT_SIZE = 640  # when neither the file nor the entry gives the input size


class UnsupportedModelError(ValueError):
    """The file is no ONNX detector we can decode; the message names what it holds."""


@dataclass(frozen=True)
class OnnxFacts:
    """What reading an ONNX file tells us: layout, input size (width, height), class names."""

    layout: str
    input_size: tuple[int, int]
    categories: tuple[str, ...]
    stride: int | None = None


def _shape(value_info) -> list[int | str]:
    return [
        d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in value_info.type.tensor_type.shape.dim
    ]


def _describe(outputs) -> str:
    return ", ".join(f"{o.name} {_shape(o)}" for o in outputs) or "none"


def inspect(path: Path) -> OnnxFacts:
    """Read an ONNX file's graph signature and metadata; raise UnsupportedModelError if we cannot serve it."""
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as error:  # onnx raises DecodeError, ValidationError and OSError alike
        raise UnsupportedModelError(f"{path} is not a readable ONNX file ({error})") from error
    metadata = yolo.read_metadata({p.key: p.value for p in model.metadata_props})
    initialisers = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initialisers]
    outputs = list(model.graph.output)
    if len(inputs) != 1 or len(_shape(inputs[0])) != 4 or _shape(inputs[0])[1] != 3:
        found = ", ".join(f"{i.name} {_shape(i)}" for i in inputs) or "none"
        raise UnsupportedModelError(f"{path}: expected one image input [1, 3, height, width], found {found}")
    height, width = _shape(inputs[0])[2:]
    if isinstance(height, int) and isinstance(width, int) and height > 0 and width > 0:
        size = (width, height)
    elif "imgsz" in metadata:
        size = metadata["imgsz"][::-1]
    else:
        size = (DEFAULT_SIZE, DEFAULT_SIZE)

    shapes = [_shape(o) for o in outputs]
    layout, classes = None, None
    if len(outputs) == 1 and len(shapes[0]) == 3:
        _, rows, columns = shapes[0]
        if columns == 6 and (metadata.get("end2end", True) or not isinstance(rows, int)):
            layout = yolo.END_TO_END
        elif isinstance(rows, int) and rows > 4 and (not isinstance(columns, int) or columns > rows):
            layout, classes = yolo.RAW, rows - 4
    elif len(outputs) == 2 and all(len(shape) == 3 for shape in shapes):
        box_outputs = [i for i, shape in enumerate(shapes) if shape[2] == 4]
        if len(box_outputs) == 1 and isinstance(shapes[1 - box_outputs[0]][2], int):
            layout, classes = detr.SIGMOID, shapes[1 - box_outputs[0]][2]
    if layout is None:
        raise UnsupportedModelError(
            f"{path}: outputs {_describe(outputs)} match no layout we can decode; supported: {SUPPORTED}"
        )
    names = metadata.get("names")
    if names is None and classes is not None:
        names = list(COCO_80) if classes == 80 else [f"class {i}" for i in range(classes)]
    return OnnxFacts(layout, size, tuple(names or COCO_80), metadata.get("stride"))


def input_spec(layout: str, size: tuple[int, int], mean=None, std=None) -> InputSpec:
    """The input each layout's exporter prepares; mean/std (0..1 units, as image processors give them)
    override DETR-style normalisation, which is pixel / 255 (RT-DETR, D-FINE) unless told otherwise."""
    if layout in (yolo.RAW, yolo.END_TO_END):
        return yolo.input_spec(size)
    mean = tuple(255.0 * m for m in mean) if mean else (0.0, 0.0, 0.0)
    std = tuple(255.0 * s for s in std) if std else (255.0, 255.0, 255.0)
    return InputSpec(size=size, resize="stretch", resample="pillow-bilinear", mean=mean, std=std)


class OnnxFileForward(OnnxRuntimeForward):
    """uint8[B, H, W, 3] RGB pixels -> the file's outputs: normalised float32 NCHW, one photo per run when
    the file was exported for batch 1 (as Ultralytics exports by default)."""

    def __init__(self, path: Path, spec: InputSpec, threads: int = 0, passes: CoreSharing | None = None) -> None:
        super().__init__(path, threads, passes)
        batch = self.session.get_inputs()[0].shape[0]
        self.one_at_a_time = batch == 1
        self.mean = np.array(spec.mean, dtype=np.float32).reshape(1, 3, 1, 1)
        self.std = np.array(spec.std, dtype=np.float32).reshape(1, 3, 1, 1)

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        images = (batch.transpose(0, 3, 1, 2).astype(np.float32) - self.mean) / self.std
        if not self.one_at_a_time or len(images) == 1:
            return super().__call__(images)
        runs = [super(OnnxFileForward, self).__call__(image[None]) for image in images]
        return [np.concatenate(parts) for parts in zip(*runs, strict=True)]


def build_onnx_detector(
    name: str,
    path: Path,
    layout: str,
    spec: InputSpec,
    categories: tuple[str, ...],
    threads: int = 0,
    passes: CoreSharing | None = None,
) -> FixedInputDetector:
    forward = OnnxFileForward(path, spec, threads, passes)
    outputs = forward.session.get_outputs()
    if layout in (yolo.RAW, yolo.END_TO_END):
        decode = yolo.raw_candidates if layout == yolo.RAW else yolo.end_to_end_candidates
    else:
        decode = detr.decoder(layout, spec.size, boxes_first=outputs[0].shape[-1] == 4)
    return FixedInputDetector(name, categories, forward, spec, decode, clip_after_nms=True)
