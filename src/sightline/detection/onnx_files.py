"""ONNX detector files users bring: recognise the output layout, and with it the family that serves it.

Recognised layouts (`families/yolo`, `families/ultralytics_rtdetr`, `families/detr`): Ultralytics YOLO raw
`[B, 4 + classes, anchors]` and end-to-end `[B, K, 6]`, Ultralytics RT-DETR `[B, K, 6]` (told apart by the
head its metadata names), and DETR-style pairs of `[B, queries, 4]` boxes with `[B, queries, classes]` logits.
Input size and class names come from the file's own metadata (Ultralytics writes `imgsz`, `names`)
or its input shape (COCO's names for 80 classes, and for a DETR-style file of 91 its original ids,
as DETR and RF-DETR number them); a models.toml entry may override them. A DETR-style pair does not say whether
its logits are read with a sigmoid or a softmax with "no object": `detr` unless told `detr-softmax`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .categories import COCO_80, COCO_91
from .families import detr, ultralytics_rtdetr, yolo
from .families.base import OnnxFileFamily

FAMILIES: tuple[OnnxFileFamily, ...] = (yolo.FAMILY, ultralytics_rtdetr.FAMILY, detr.FAMILY)
LAYOUTS = tuple(layout for family in FAMILIES for layout in family.layouts)
SUPPORTED = (
    f"{yolo.RAW} (one output [1, 4 + classes, anchors]: Ultralytics YOLOv5u/v8/v9/11), "
    f"{yolo.END_TO_END} (one output [1, K, 6]: YOLOv10, YOLO26), "
    f"{ultralytics_rtdetr.LAYOUT} (one output [1, K, 6] from Ultralytics' RT-DETR exporter), "
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
    # The input normalisation (0..1 units) the exporter's own pipeline applies, where the file shows
    # which exporter wrote it (detr.normalisation); None: the family's default.
    mean: tuple[float, float, float] | None = None
    std: tuple[float, float, float] | None = None


def _shape(value_info) -> list[int | str]:
    return [
        d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in value_info.type.tensor_type.shape.dim
    ]


def _describe(outputs) -> str:
    return ", ".join(f"{o.name} {_shape(o)}" for o in outputs) or "none"


def inspect(path: Path, layout: str | None = None) -> OnnxFacts:
    """Read an ONNX file's graph signature and metadata; raise UnsupportedModelError if we cannot serve it.

    layout: what the user says the file is (one of LAYOUTS), checked against its outputs; for a
    DETR-style pair it chooses between `detr` and `detr-softmax`.
    """
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
    found, classes, normalisation = None, None, (None, None)
    if len(outputs) == 1 and len(shapes[0]) == 3:
        _, rows, columns = shapes[0]
        if columns == 6 and metadata.get("head") == ultralytics_rtdetr.HEAD:
            found = ultralytics_rtdetr.LAYOUT
        elif columns == 6 and (metadata.get("end2end", True) or not isinstance(rows, int)):
            found = yolo.END_TO_END
        elif isinstance(rows, int) and rows > 4 and (not isinstance(columns, int) or columns > rows):
            found, classes = yolo.RAW, rows - 4
    elif len(outputs) == 2 and all(len(shape) == 3 for shape in shapes):
        box_outputs = [i for i, shape in enumerate(shapes) if shape[2] == 4]
        if len(box_outputs) == 1 and isinstance(shapes[1 - box_outputs[0]][2], int):
            found, classes = detr.SIGMOID, shapes[1 - box_outputs[0]][2]
            normalisation = detr.normalisation(inputs[0].name, [o.name for o in outputs])
    if found is None:
        raise UnsupportedModelError(
            f"{path}: outputs {_describe(outputs)} match no layout we can decode; supported: {SUPPORTED}"
        )
    if layout is not None and layout != found:
        if not {layout, found} <= set(detr.FAMILY.layouts):
            raise UnsupportedModelError(
                f"{path}: outputs {_describe(outputs)} are the {found} layout, not {layout}; supported: {SUPPORTED}"
            )
        found = layout
        if found == detr.SOFTMAX:
            classes -= 1  # the last logit is "no object"
            if classes < 1:
                raise UnsupportedModelError(f"{path}: {detr.SOFTMAX} needs at least two logits per query")
    names = metadata.get("names")
    if names is None and classes is not None:
        coco_91 = classes == 91 and found in detr.FAMILY.layouts
        names = COCO_80 if classes == 80 else COCO_91 if coco_91 else [f"class {i}" for i in range(classes)]
    return OnnxFacts(found, size, tuple(names or COCO_80), metadata.get("stride"), *normalisation)


def family(layout: str) -> OnnxFileFamily:
    """The family that serves files of `layout` (one of LAYOUTS)."""
    return next(family for family in FAMILIES if layout in family.layouts)
