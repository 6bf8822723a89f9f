"""COCO-style mean Average Precision of predictions against ground truth, via torchmetrics.

Classes are matched by label name, so a model with its own class list is scored against the
same ground truth as the built-in COCO models. Crowd regions in the ground truth are ignored as
COCOeval ignores them: detections on them do not count, and they need not be found. PyTorch and
torchmetrics load when a metric is first made, not when the API imports this module: serving
detections never needs them.

Besides the summary numbers, `compute` reports what the numbers are made of, all from the same
COCOeval run torchmetrics makes for the mAP: the precision-recall curves at IoU 0.50 (COCOeval's
interpolated precision at its 101 recall thresholds, per class and averaged over the classes, so
the area under the model's curve is its mAP@50), and, from COCOeval's own matching of
detections to ground truth at IoU 0.50, the operating point (the score threshold with the best
F1) and each photo's false positives and missed objects at that threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

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


# The IoU at which curves, the operating point and photo errors are reported (COCO's mAP@50).
CURVE_IOU = 0.5
# COCOeval's index of area "all" and of its largest maxDets (100) in its arrays.
_ALL_AREAS, _MOST_DETECTIONS = 0, -1


@dataclass(frozen=True)
class _Match:
    """One box in COCOeval's matching at IoU 0.50: a detection (`score` set) or a ground-truth object.

    matched: a detection matches an object; found_at: the score of the detection that found an object
    (0 when none did).
    """

    image: int
    label: str
    box: tuple[float, float, float, float]
    score: float | None = None
    matched: bool = False
    found_at: float = 0.0


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
            extended_summary=True,
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
        """The numbers, the curves and the errors of every image given to `update`.

        {map, map_50, ..., mar_100, ...: float or None (nothing to measure, e.g. no small objects);
         per_class: {label: AP, or None when the label has no ground truth};
         curves: {"iou": 0.5, "recall": [101 thresholds], "precision": [101] averaged over the classes
                  with ground truth (None when there are none), "per_class": {label: [101]}};
         operating_point: {"score_threshold", "precision", "recall", "f1", "true_positives",
                           "false_positives", "missed"} or None when nothing was detected;
         photo_errors: [{"index": image number from 0, "false_positives": [{label, score, box}],
                         "missed": [{label, box}]}] at the operating point, photos without errors left out,
                         most errors first}.
        Boxes are [x1, y1, x2, y2] in pixels.
        """
        result = self._metric.compute()
        summary = {key: _value(result[key]) for key in SUMMARY_KEYS}
        labels = {index: label for label, index in self._label_ids.items()}
        classes = [labels[int(c)] for c in result["classes"].reshape(-1).tolist()]
        per_class = result["map_per_class"].reshape(-1).tolist()
        summary["per_class"] = {label: _value(ap) for label, ap in zip(classes, per_class, strict=True)}
        summary["curves"] = self._curves(result, classes)
        matches = self._matches(labels)
        summary["operating_point"] = operating_point(matches)
        threshold = summary["operating_point"]["score_threshold"] if summary["operating_point"] else 1.0
        summary["photo_errors"] = photo_errors(matches, threshold)
        return summary

    def _curves(self, result: dict, classes: Sequence[str]) -> dict:
        """COCOeval's precision at IoU 0.50, area all, 100 detections per image, per class and averaged."""
        from pycocotools.cocoeval import Params

        recall = Params(iouType="bbox").recThrs
        curves: dict = {"iou": CURVE_IOU, "recall": [round(float(r), 2) for r in recall], "per_class": {}}
        precision = result.get("precision")
        if precision is None or precision.dim() != 5:  # no image had a box: COCOeval did not run
            curves["precision"] = None
            return curves
        at_50 = precision[0, :, :, _ALL_AREAS, _MOST_DETECTIONS].numpy()  # [recall, class]
        measured = at_50[0] > -1  # -1 for every recall: the class has no ground truth
        for index, label in enumerate(classes):
            if measured[index]:
                curves["per_class"][label] = _rounded(at_50[:, index])
        curves["precision"] = _rounded(at_50[:, measured].mean(axis=1)) if measured.any() else None
        return curves

    def _matches(self, labels: dict[int, str]) -> list[_Match]:
        """Every detection and object as COCOeval matched them at IoU 0.50 (crowd regions and the
        detections on them left out, as COCOeval ignores them).

        COCOeval runs on the very datasets torchmetrics builds for the mAP, restricted to IoU 0.50.
        """
        import contextlib
        import io

        metric = self._metric
        predictions, targets = metric._coco_backend._get_coco_datasets(
            metric.groundtruth_labels,
            metric.groundtruth_box,
            metric.groundtruth_mask,
            metric.groundtruth_crowds,
            metric.groundtruth_area,
            metric.detection_labels,
            metric.detection_box,
            metric.detection_mask,
            metric.detection_scores,
            ("bbox",),
            average="macro",
        )
        if not predictions.imgs or not targets.imgs:
            return []
        evaluator = metric._coco_backend.cocoeval(targets, predictions, iouType="bbox")
        evaluator.params.iouThrs = np.array([CURVE_IOU])
        evaluator.params.areaRng, evaluator.params.areaRngLbl = evaluator.params.areaRng[:1], ["all"]
        with contextlib.redirect_stdout(io.StringIO()):
            evaluator.evaluate()
        scores = {ann_id: ann["score"] for ann_id, ann in predictions.anns.items()}
        matches = []
        for entry in evaluator.evalImgs:
            if entry is None:
                continue
            label = labels[int(entry["category_id"])]
            image = int(entry["image_id"])
            detections = zip(entry["dtIds"], entry["dtMatches"][0], entry["dtIgnore"][0], strict=True)
            for ann_id, object_id, ignored in detections:
                if not ignored:
                    box = _xyxy(predictions.anns[ann_id])
                    matches.append(_Match(image, label, box, score=scores[ann_id], matched=bool(object_id)))
            objects = zip(entry["gtIds"], entry["gtMatches"][0], entry["gtIgnore"], strict=True)
            for ann_id, detection_id, ignored in objects:
                if not ignored:
                    found_at = scores[int(detection_id)] if detection_id else 0.0
                    matches.append(_Match(image, label, _xyxy(targets.anns[ann_id]), found_at=found_at))
        return matches

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


def operating_point(matches: Sequence[_Match]) -> dict | None:
    """The score threshold whose detections have the best F1 (the highest such threshold on a tie).

    COCOeval matches detections to objects greedily from the highest score down, so keeping only the
    detections scoring at least t keeps every match among them: the counts at t follow from one pass.
    """
    detections = sorted((m for m in matches if m.score is not None), key=lambda m: -m.score)
    objects = sum(1 for m in matches if m.score is None)
    if not detections:
        return None
    best = None
    true_positives = false_positives = 0
    for position, detection in enumerate(detections):
        if detection.matched:
            true_positives += 1
        else:
            false_positives += 1
        if position + 1 < len(detections) and detections[position + 1].score == detection.score:
            continue  # a threshold keeps every detection of the same score, or none of them
        f1 = 2 * true_positives / (2 * true_positives + false_positives + (objects - true_positives))
        if best is None or f1 > best["f1"]:
            best = {
                "score_threshold": float(detection.score),
                "precision": true_positives / (true_positives + false_positives),
                "recall": true_positives / objects if objects else None,
                "f1": f1,
                "true_positives": true_positives,
                "false_positives": false_positives,
                "missed": objects - true_positives,
            }
    return best


def photo_errors(matches: Sequence[_Match], threshold: float) -> list[dict]:
    """Per photo, the detections scoring at least `threshold` that match no object, and the objects no
    such detection found; photos with the most errors first."""
    photos: dict[int, dict] = {}
    for match in matches:
        if match.score is not None and match.score >= threshold and not match.matched:
            entry = photos.setdefault(match.image, {"index": match.image, "false_positives": [], "missed": []})
            entry["false_positives"].append(
                {"label": match.label, "score": round(float(match.score), 4), "box": match.box}
            )
        elif match.score is None and match.found_at < threshold:
            entry = photos.setdefault(match.image, {"index": match.image, "false_positives": [], "missed": []})
            entry["missed"].append({"label": match.label, "box": match.box})
    return sorted(photos.values(), key=lambda e: (-(len(e["false_positives"]) + len(e["missed"])), e["index"]))


def _xyxy(annotation: dict) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in annotation["bbox"])
    return (round(x, 2), round(y, 2), round(x + w, 2), round(y + h, 2))


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]


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
