"""COCO-style mean Average Precision of predictions against ground truth, via torchmetrics.

Classes are matched by label name, so a model with its own class list is scored against the
same ground truth as the built-in COCO models. Crowd regions in the ground truth are ignored as
COCOeval ignores them: detections on them do not count, and they need not be found. PyTorch and
torchmetrics load when a metric is first made, not when the API imports this module: serving
detections never needs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..detection.detections import Detections

if TYPE_CHECKING:
    import torch

# The summary numbers reported for every model, as torchmetrics names them.
SUMMARY_KEYS = (
    "map",
    "map_50",
    "map_75",
    "map_small",
    "map_medium",
    "map_large",
    "mar_1",
    "mar_10",
    "mar_100",
    "mar_small",
    "mar_medium",
    "mar_large",
)


class AveragePrecision:
    """Accumulates (prediction, ground truth) pairs image by image; `compute` gives the numbers."""

    def __init__(self) -> None:
        from pycocotools.cocoeval import Params
        from torchmetrics.detection import MeanAveragePrecision

        # COCOeval's own IoU and recall thresholds: torchmetrics' defaults are rounded to float32
        # (0.2 becomes 0.19999999), which shifts the AP whenever a recall lands exactly on a threshold.
        coco = Params(iouType="bbox")
        self._metric = MeanAveragePrecision(
            box_format="xyxy",
            iou_type="bbox",
            class_metrics=True,
            iou_thresholds=coco.iouThrs.tolist(),
            rec_thresholds=coco.recThrs.tolist(),
        )
        self._label_ids: dict[str, int] = {}

    def update(self, predicted: Detections, truth: Detections, crowd: Sequence[bool] | None = None) -> None:
        """predicted: the model's detections on one image; truth: its ground truth (scores ignored).

        crowd: one flag per truth box, True for a crowd region; None when there are none.
        """
        import torch

        target = self._as_dict(truth, with_scores=False)
        flags = [False] * len(truth) if crowd is None else list(crowd)
        if len(flags) != len(truth):
            raise ValueError(f"{len(flags)} crowd flags for {len(truth)} ground-truth boxes")
        target["iscrowd"] = torch.tensor(flags, dtype=torch.int64)
        self._metric.update([self._as_dict(predicted, with_scores=True)], [target])

    def compute(self) -> dict:
        """{map, map_50, ..., mar_100, ...: float; per_class: {label: AP or None when the label has no ground truth}}.

        -1 from torchmetrics (nothing to measure, e.g. no small objects) becomes None.
        """
        result = self._metric.compute()
        summary = {key: _value(result[key]) for key in SUMMARY_KEYS}
        labels = {index: label for label, index in self._label_ids.items()}
        classes = result["classes"].reshape(-1).tolist()
        per_class = result["map_per_class"].reshape(-1).tolist()
        summary["per_class"] = {labels[int(c)]: _value(ap) for c, ap in zip(classes, per_class, strict=True)}
        return summary

    def _as_dict(self, detections: Detections, with_scores: bool) -> dict[str, torch.Tensor]:
        import torch

        ids = [self._label_ids.setdefault(label, len(self._label_ids)) for label in detections.labels]
        entry = {
            "boxes": torch.from_numpy(detections.boxes.copy()).reshape(-1, 4),
            "labels": torch.tensor(ids, dtype=torch.int64),
        }
        if with_scores:
            entry["scores"] = torch.from_numpy(detections.scores.copy())
        return entry


def _value(value) -> float | None:
    number = float(value)
    return None if number < 0 else number


def mean_average_precision(
    predictions: Sequence[Detections],
    truths: Sequence[Detections],
    crowds: Sequence[Sequence[bool] | None] | None = None,
) -> dict:
    """`AveragePrecision` over aligned lists, one entry per image (`crowds`: each truth's crowd flags)."""
    metric = AveragePrecision()
    for predicted, truth, crowd in zip(predictions, truths, crowds or [None] * len(truths), strict=True):
        metric.update(predicted, truth, crowd)
    return metric.compute()
