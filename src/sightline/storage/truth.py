"""The ground truth of stored photos: the one rule export, evaluation, stats and History's class filter share.

A detection becomes ground truth only when a reviewer said it is an object: confirmed, relabelled
or its box moved, taken with the reviewer's label and box. Every object a reviewer drew is ground
truth. A candidate nobody judged never is, whatever it scores: the page keeps every candidate
scoring at least 0.05 but shows the reviewer only those above its slider.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from .models import Detection, Feedback, MissedObject, Prediction, ReviewState, StoredImage, Verdict

# Where a truth box came from besides a model's prediction (whose source is the model's name).
DRAWN = "drawn"
IMPORTED = "imported"
# The Review page's slider starts here: below it, a candidate is one the reviewer was not shown.
DEFAULT_SHOWN_SCORE = 0.3
# The same object confirmed in two models' predictions is one object, not two.
_SAME_OBJECT_IOU = 0.5


@dataclass(frozen=True)
class TruthBox:
    """One ground-truth box xyxy in pixels; `source`: the model whose detection it was, or "drawn"."""

    image_id: int
    class_id: int
    label: str
    box: tuple[float, float, float, float]
    source: str


def _truth_rows() -> Select:
    """Every judged-as-object detection and every drawn object, as one union of rows."""
    judged = (
        select(
            Prediction.image_id.label("image_id"),
            func.coalesce(Feedback.corrected_class_id, Detection.class_id).label("class_id"),
            func.coalesce(Feedback.corrected_label, Detection.label).label("label"),
            func.coalesce(Feedback.corrected_x1, Detection.x1).label("x1"),
            func.coalesce(Feedback.corrected_y1, Detection.y1).label("y1"),
            func.coalesce(Feedback.corrected_x2, Detection.x2).label("x2"),
            func.coalesce(Feedback.corrected_y2, Detection.y2).label("y2"),
            Prediction.model_name.label("source"),
            literal(0).label("drawn"),
            Prediction.id.label("group_order"),
            Detection.rank.label("row_order"),
        )
        .select_from(Feedback)
        .join(Detection, Feedback.detection_id == Detection.id)
        .join(Prediction, Detection.prediction_id == Prediction.id)
        .where(Feedback.verdict != Verdict.NOT_AN_OBJECT)
    )
    drawn = select(
        MissedObject.image_id,
        MissedObject.class_id,
        MissedObject.label,
        MissedObject.x1,
        MissedObject.y1,
        MissedObject.x2,
        MissedObject.y2,
        literal(DRAWN),
        literal(1),
        literal(0),
        MissedObject.id,
    )
    return union_all(judged, drawn)


def box_iou(box: Sequence[float], others: np.ndarray) -> np.ndarray:
    """IoU of one box (xyxy) with each of `others` (float[N, 4], xyxy)."""
    x1, y1 = np.maximum(others[:, 0], box[0]), np.maximum(others[:, 1], box[1])
    x2, y2 = np.minimum(others[:, 2], box[2]), np.minimum(others[:, 3], box[3])
    overlap = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return overlap / ((box[2] - box[0]) * (box[3] - box[1]) + areas - overlap)


def ground_truth(*, session: Session, image_ids: Select | Sequence[int]) -> dict[int, list[TruthBox]]:
    """The truth boxes of each photo in `image_ids` (a list, or a select of ids), photos without any left out.

    Judged detections come first, the oldest prediction's in its ranking order, then the drawn
    objects. A judged box of a later prediction that repeats an earlier one (same label,
    IoU >= 0.5) is the same object confirmed twice and kept once, from the earlier prediction.
    """
    rows = _truth_rows().subquery()
    query = (
        select(rows)
        .where(rows.c.image_id.in_(image_ids))
        .order_by(rows.c.image_id, rows.c.drawn, rows.c.group_order, rows.c.row_order)
    )
    truth: dict[int, list[TruthBox]] = defaultdict(list)
    prediction_of: dict[int, list[int]] = defaultdict(list)
    for row in session.execute(query):
        box = (float(row.x1), float(row.y1), float(row.x2), float(row.y2))
        kept, predictions = truth[row.image_id], prediction_of[row.image_id]
        if not row.drawn:
            earlier = [
                t.box
                for t, prediction in zip(kept, predictions, strict=True)
                if t.label == row.label and prediction != row.group_order
            ]
            if earlier and box_iou(box, np.array(earlier)).max() >= _SAME_OBJECT_IOU:
                continue
        kept.append(TruthBox(row.image_id, int(row.class_id), row.label, box, row.source))
        predictions.append(row.group_order if not row.drawn else -1)
    return dict(truth)


def reviewed_image_ids() -> Select:
    return select(StoredImage.id).where(StoredImage.review_state == ReviewState.REVIEWED)


def names_on_photo(label: str) -> ColumnElement[bool]:
    """A clause on `StoredImage`: the photo shows an object called `label` to someone looking at it.

    That is a truth box with that label, or, on a photo not yet reviewed, an unjudged detection
    with that label scoring at least what the reviewer's page shows (the slider's position saved
    with the photo, else its default). Hidden low-score candidates and boxes judged not to be an
    object name nothing.
    """
    rows = _truth_rows().subquery()
    in_truth = select(rows.c.image_id).where(rows.c.image_id == StoredImage.id, rows.c.label == label).exists()
    shown = func.coalesce(StoredImage.review_score_threshold, DEFAULT_SHOWN_SCORE)
    unjudged = (
        select(Detection.id)
        .join(Prediction)
        .outerjoin(Feedback)
        .where(
            Prediction.image_id == StoredImage.id,
            Detection.label == label,
            Feedback.id.is_(None),
            Detection.score >= shown,
        )
        .exists()
    )
    return or_(in_truth, and_(StoredImage.review_state == ReviewState.UNREVIEWED, unjudged))


def reviewed_truth_sources(*, session: Session) -> dict[str, int]:
    """How many truth boxes the reviewed photos hold, by source (a model's name or "drawn")."""
    counts: dict[str, int] = defaultdict(int)
    for boxes in ground_truth(session=session, image_ids=reviewed_image_ids()).values():
        for box in boxes:
            counts[box.source] += 1
    return dict(sorted(counts.items()))
