"""The knobs a caller may turn on a detection request, validated in one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class OptionError(ValueError):
    """A detection parameter outside its allowed range; the message names it."""


# The one statement of each parameter's default and range: the API's schemas (and so its OpenAPI
# document, which the page's types are generated from) and the command line take them from here.
SCORE_THRESHOLD = 0.3
IOU_THRESHOLD = 0.5
MAX_DETECTIONS = 100
THRESHOLD_RANGE = (0.0, 1.0)
MAX_DETECTIONS_RANGE = (1, 1000)


@dataclass(frozen=True)
class DetectOptions:
    """score_threshold, iou_threshold in 0..1; class_ids None means every class.

    agnostic_nms: suppress overlapping boxes across classes too, so each object keeps one label.
    tta_flip: test-time augmentation: also run the photo mirrored left to right and fuse both passes.
    """

    score_threshold: float = SCORE_THRESHOLD
    iou_threshold: float = IOU_THRESHOLD
    class_ids: frozenset[int] | None = None
    max_detections: int = MAX_DETECTIONS
    agnostic_nms: bool = False
    tta_flip: bool = False

    def __post_init__(self) -> None:
        low, high = THRESHOLD_RANGE
        for name in ("score_threshold", "iou_threshold"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not low <= value <= high:
                raise OptionError(f"{name} must be a number between {low:g} and {high:g}, got {value!r}")
        fewest, most = MAX_DETECTIONS_RANGE
        if not isinstance(self.max_detections, int) or not fewest <= self.max_detections <= most:
            raise OptionError(
                f"max_detections must be an integer between {fewest} and {most}, got {self.max_detections!r}"
            )
        for name in ("agnostic_nms", "tta_flip"):
            if not isinstance(getattr(self, name), bool):
                raise OptionError(f"{name} must be true or false, got {getattr(self, name)!r}")


def parse_classes(names: str | Sequence[str] | None, categories: Sequence[str]) -> frozenset[int] | None:
    """'dog,cat' or ['dog', 'cat'] -> their class ids; None or empty means every class."""
    if names is None:
        return None
    if isinstance(names, str):
        names = names.split(",")
    wanted = [name.strip() for name in names if name.strip()]
    if not wanted:
        return None
    index = {name: i for i, name in enumerate(categories)}
    unknown = [name for name in wanted if name not in index]
    if unknown:
        raise OptionError(f"unknown class {', '.join(repr(n) for n in unknown)}; the model knows {len(index)} classes")
    return frozenset(index[name] for name in wanted)
