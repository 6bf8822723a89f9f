"""The review queue: kept photos in the order most worth a reviewer's time, each with the reasons why.

Photos nobody has reviewed come first. Among them, the ones with the most doubtful boxes lead:
an unjudged box scoring close to the threshold the reviewer is shown (the model itself cannot
tell whether it is an object), and an unjudged box two models disagree on. Ties go oldest first,
as in a queue. Reviewed photos follow in the same order, so the queue lists every kept photo.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from .crud import MAX_PAGE, MAX_PAGE_SIZE, InputError
from .models import Detection, Feedback, Prediction, ReviewState, StoredImage
from .truth import DEFAULT_SHOWN_SCORE, box_iou

# A box within this much of the threshold, either side, is one the model is unsure of.
DEFAULT_NEAR_MARGIN = 0.1
# Two models' boxes are the same object when they have the same label and overlap this much.
SAME_OBJECT_IOU = 0.5


@dataclass(frozen=True)
class QueueEntry:
    """One kept photo in the queue and why it is where it is.

    near_threshold: unjudged boxes scoring within the margin of the threshold, either side.
    disagreements: unjudged boxes at or above the threshold that a prediction of another model on
    the photo does not match (no box there, at or above the threshold, with the same label and
    IoU >= 0.5); `disagreeing_models` names the models of those pairs.
    """

    image: StoredImage
    near_threshold: int = 0
    disagreements: int = 0
    disagreeing_models: tuple[str, ...] = ()

    @property
    def reviewed(self) -> bool:
        return self.image.review_state == ReviewState.REVIEWED

    @property
    def doubtful_boxes(self) -> int:
        return self.near_threshold + self.disagreements


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueEntry]
    total: int  # kept photos: those with at least one prediction
    reviewed: int  # of them, reviewed
    page: int
    per_page: int
    score_threshold: float
    margin: float


@dataclass
class _Counts:
    near: int = 0
    disagreeing: int = 0
    models: set[str] = field(default_factory=set)


def _near_threshold_counts(session: Session, low: float, high: float) -> dict[int, int]:
    query = (
        select(Prediction.image_id, func.count(Detection.id))
        .join(Detection, Detection.prediction_id == Prediction.id)
        .outerjoin(Feedback, Feedback.detection_id == Detection.id)
        .where(Feedback.id.is_(None), Detection.score >= low, Detection.score <= high)
        .group_by(Prediction.image_id)
    )
    return {image_id: count for image_id, count in session.execute(query)}


def _disagreements(session: Session, threshold: float) -> dict[int, _Counts]:
    """Per photo with predictions of two or more models: the unjudged boxes another model did not find."""
    several_models = (
        select(Prediction.image_id)
        .group_by(Prediction.image_id)
        .having(func.count(Prediction.model_name.distinct()) > 1)
    )
    query = (
        select(
            Prediction.image_id,
            Prediction.id,
            Prediction.model_name,
            Detection.label,
            Detection.x1,
            Detection.y1,
            Detection.x2,
            Detection.y2,
            Feedback.id.is_not(None),
        )
        .join(Detection, Detection.prediction_id == Prediction.id)
        .outerjoin(Feedback, Feedback.detection_id == Detection.id)
        .where(Prediction.image_id.in_(several_models), Detection.score >= threshold)
    )
    # image -> prediction -> (model, [(label, box, judged)]); a prediction with no box that high finds nothing.
    photos: dict[int, dict[int, tuple[str, list]]] = defaultdict(dict)
    predictions = select(Prediction.image_id, Prediction.id, Prediction.model_name).where(
        Prediction.image_id.in_(several_models)
    )
    for image_id, prediction_id, model in session.execute(predictions):
        photos[image_id][prediction_id] = (model, [])
    for image_id, prediction_id, model, label, x1, y1, x2, y2, judged in session.execute(query):
        photos[image_id].setdefault(prediction_id, (model, []))[1].append((label, (x1, y1, x2, y2), judged))
    counts: dict[int, _Counts] = {}
    for image_id, predictions in photos.items():
        found = _Counts()
        for prediction_id, (model, boxes) in predictions.items():
            others = [(m, b) for p, (m, b) in predictions.items() if p != prediction_id and m != model]
            for label, box, judged in boxes:
                if judged:
                    continue  # the reviewer has settled it
                missing_in = {m for m, other in others if not _has_match(label, box, other)}
                if missing_in:
                    found.disagreeing += 1
                    found.models |= missing_in | {model}
        counts[image_id] = found
    return counts


def _has_match(label: str, box: tuple, boxes: list) -> bool:
    same_label = [b for other_label, b, _ in boxes if other_label == label]
    return bool(same_label) and bool(box_iou(box, np.array(same_label)).max() >= SAME_OBJECT_IOU)


def review_queue(
    *,
    session: Session,
    score_threshold: float = DEFAULT_SHOWN_SCORE,
    margin: float = DEFAULT_NEAR_MARGIN,
    page: int = 1,
    per_page: int = 20,
) -> QueuePage:
    """A page of the kept photos in review order, with the counts of reviewed and kept photos.

    `score_threshold`: what the reviewer will be shown (the Review page's slider); `margin`: how
    close to it a score is doubtful. Both only rank the photos; none is left out.
    """
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PAGE_SIZE:
        raise InputError("bad_paging", f"page must be 1 to {MAX_PAGE} and per_page 1 to {MAX_PAGE_SIZE}")
    for name, value in (("score_threshold", score_threshold), ("margin", margin)):
        if not 0.0 <= value <= 1.0:
            raise InputError("bad_parameter", f"{name} must be 0 to 1, got {value}")
    kept = session.execute(
        select(StoredImage.id, StoredImage.review_state, StoredImage.uploaded_at).where(
            exists().where(Prediction.image_id == StoredImage.id)
        )
    ).all()
    near = _near_threshold_counts(session, score_threshold - margin, score_threshold + margin)
    disagreeing = _disagreements(session, score_threshold)

    def doubtful(image_id: int) -> int:
        return near.get(image_id, 0) + (disagreeing[image_id].disagreeing if image_id in disagreeing else 0)

    ordered = sorted(
        kept, key=lambda row: (row.review_state == ReviewState.REVIEWED, -doubtful(row.id), row.uploaded_at, row.id)
    )
    page_ids = [row.id for row in ordered[(page - 1) * per_page : page * per_page]]
    images = {
        image.id: image
        for image in session.scalars(
            select(StoredImage).where(StoredImage.id.in_(page_ids)).options(selectinload(StoredImage.predictions))
        )
    }
    items = []
    for image_id in page_ids:
        if image_id not in images:
            continue  # deleted since the queue was ordered
        found = disagreeing.get(image_id, _Counts())
        items.append(
            QueueEntry(
                image=images[image_id],
                near_threshold=near.get(image_id, 0),
                disagreements=found.disagreeing,
                disagreeing_models=tuple(sorted(found.models)),
            )
        )
    return QueuePage(
        items=items,
        total=len(kept),
        reviewed=sum(row.review_state == ReviewState.REVIEWED for row in kept),
        page=page,
        per_page=per_page,
        score_threshold=score_threshold,
        margin=margin,
    )
