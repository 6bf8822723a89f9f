"""Reads and writes of stored images, predictions, feedback, settings and evaluations.

Plain functions that take the session as a keyword argument. They add and flush but never
commit: the caller decides the transaction (see `transaction.write_transaction`), so a request
that fails half-way leaves nothing behind. Problems with the caller's input raise `InputError`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from PIL import Image
from sqlalchemy import Select, and_, case, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload, with_expression

from ..detection.detections import Detections
from .models import (
    FILE_NAME_LENGTH,
    Dataset,
    DatasetImage,
    Detection,
    Evaluation,
    EvaluationResult,
    EvaluationStatus,
    Feedback,
    MissedObject,
    Prediction,
    ReviewState,
    Setting,
    StoredImage,
    Verdict,
    utcnow,
)
from .transaction import FileChanges
from .truth import names_on_photo

Box = tuple[float, float, float, float]
MAX_PAGE_SIZE = 100
# Row ids are 32-bit on PostgreSQL; a larger number names no row and must not reach the driver.
MAX_ID = 2**31 - 1
MAX_PAGE = 10**6
DEFAULT_MODEL_KEY = "default_model"
# A model's score threshold for requests that give none: "score_threshold.<model name>".
SCORE_THRESHOLD_KEY_PREFIX = "score_threshold."
# Where listed photos come from (see `list_images`); none means every stored photo.
IMAGE_SOURCES = ("uploads", "datasets")
# A running evaluation reports after every batch of images, a few seconds apart at most.
ABANDONED_AFTER = timedelta(minutes=2)


class InputError(ValueError):
    """The caller's input cannot be stored; `code` is stable and machine-readable, the message names the problem."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class NotFoundError(LookupError):
    def __init__(self, what: str, ident: int | str, hint: str = "") -> None:
        by = f"named {ident!r}" if isinstance(ident, str) else f"with id {ident}"
        super().__init__(f"no {what} {by}" + (f" ({hint})" if hint else ""))
        self.what = what


def _get(session: Session, model: type, ident: int, what: str):
    row = session.get(model, ident) if 0 < ident <= MAX_ID else None
    if row is None:
        raise NotFoundError(what, ident)
    return row


# Images


def get_image_by_sha256(*, session: Session, sha256: str) -> StoredImage | None:
    return session.scalar(select(StoredImage).where(StoredImage.sha256 == sha256))


def add_image(
    *, session: Session, files: FileChanges, data: bytes, width: int, height: int, file_name: str | None = None
) -> StoredImage:
    """Store a photo's bytes (once per content) and its row; width and height are the upright image's.

    `file_name` is kept when the photo has none yet: the same bytes sent again under another name
    keep their first one.
    """
    staged_sha256 = files.stage(data)
    with Image.open(io.BytesIO(data)) as header:
        image_format = header.format or "unknown"
    # Several requests may store the same new photo at once, or one may delete it meanwhile: an
    # upsert, not a look-up then an insert, so that each either adds the row or takes the one that
    # is there, and holds it (PostgreSQL's row lock, SQLite's write lock) until its own commit.
    # The update (a no-op but for a first file name) is what takes that lock; a plain "do nothing"
    # would take none.
    upsert = _insert_for(session)(StoredImage).values(
        sha256=staged_sha256,
        width=width,
        height=height,
        format=image_format,
        byte_size=len(data),
        file_name=file_name[:FILE_NAME_LENGTH] if file_name else None,
        uploaded_at=utcnow(),
        review_state=ReviewState.UNREVIEWED,
    )
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=[StoredImage.sha256],
            set_={"file_name": func.coalesce(StoredImage.file_name, upsert.excluded.file_name)},
        )
    )
    image = get_image_by_sha256(session=session, sha256=staged_sha256)
    session.refresh(image)  # another request's changes to a row this session had loaded before
    return image


def _insert_for(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql_insert
    if dialect == "sqlite":
        return sqlite_insert
    raise NotImplementedError(f"storing photos needs SQLite or PostgreSQL, not {dialect}")


def get_image(*, session: Session, image_id: int) -> StoredImage:
    """The image with its predictions, their detections and feedback, and its missed objects."""
    if not 0 < image_id <= MAX_ID:
        raise NotFoundError("image", image_id)
    image = session.scalar(
        select(StoredImage)
        .where(StoredImage.id == image_id)
        .options(
            selectinload(StoredImage.predictions).selectinload(Prediction.detections).selectinload(Detection.feedback),
            selectinload(StoredImage.missed_objects),
        )
    )
    if image is None:
        raise NotFoundError("image", image_id)
    return image


@dataclass(frozen=True)
class ImagePage:
    items: list[StoredImage]
    total: int
    page: int
    per_page: int


def list_images(
    *,
    session: Session,
    page: int = 1,
    per_page: int = 20,
    reviewed: bool | None = None,
    label: str | None = None,
    model: str | None = None,
    source: str | None = None,
    dataset: str | None = None,
    min_score: float = 0.0,
) -> ImagePage:
    """Newest first. `label`: the photo shows that class (`truth.names_on_photo`); `model`: it has a prediction by it.

    `source` "uploads": photos with a prediction. A photo sent to the API is stored with its
    prediction and COCO import stores none, so a photo only imported is left out, and one imported
    and also uploaded (the same bytes, stored once) is in; so is an imported one a model was re-run
    on. "datasets": photos in an imported dataset; `dataset`: those of the one so named. The
    filters combine. Each photo's `box_count`: its newest prediction's detections scoring at least
    `min_score` (None when no model ran on it).
    """
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PAGE_SIZE:
        raise InputError("bad_paging", f"page must be 1 to {MAX_PAGE} and per_page 1 to {MAX_PAGE_SIZE}")
    if source is not None and source not in IMAGE_SOURCES:
        raise InputError("bad_source", f"source must be one of {', '.join(IMAGE_SOURCES)}, got {source!r}")
    query: Select = select(StoredImage)
    if source == "uploads":
        query = query.where(exists().where(Prediction.image_id == StoredImage.id))
    elif source == "datasets":
        query = query.where(exists().where(DatasetImage.image_id == StoredImage.id))
    if dataset is not None:
        dataset_id = session.scalar(select(Dataset.id).where(Dataset.name == dataset))
        if dataset_id is None:
            imported = ", ".join(session.scalars(select(Dataset.name).order_by(Dataset.name))) or "none"
            raise NotFoundError("dataset", dataset, f"imported datasets: {imported}")
        query = query.where(
            exists().where(DatasetImage.image_id == StoredImage.id, DatasetImage.dataset_id == dataset_id)
        )
    if reviewed is not None:
        state = ReviewState.REVIEWED if reviewed else ReviewState.UNREVIEWED
        query = query.where(StoredImage.review_state == state)
    if model:
        query = query.where(exists().where(and_(Prediction.image_id == StoredImage.id, Prediction.model_name == model)))
    if label:
        query = query.where(names_on_photo(label))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(StoredImage.uploaded_at.desc(), StoredImage.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(selectinload(StoredImage.predictions), with_expression(StoredImage.box_count, _box_count(min_score)))
    ).all()
    return ImagePage(items=list(items), total=total, page=page, per_page=per_page)


def _box_count(min_score: float):
    """Per photo row: its newest prediction's detections scoring at least `min_score`; NULL without a prediction."""
    newest = (
        select(func.max(Prediction.id))
        .where(Prediction.image_id == StoredImage.id)
        .correlate(StoredImage)  # also inside the count below, two levels down
        .scalar_subquery()
    )
    boxes = (
        select(func.count())
        .select_from(Detection)
        .where(Detection.prediction_id == newest, Detection.score >= min_score)
        .scalar_subquery()
    )
    return case((newest.is_(None), None), else_=boxes)


def set_review_state(
    *, session: Session, image: StoredImage, reviewed: bool, score_threshold: float | None = None
) -> StoredImage:
    """Mark the photo reviewed or not; `score_threshold`: the lowest score the reviewer was shown, kept with it."""
    image.review_state = ReviewState.REVIEWED if reviewed else ReviewState.UNREVIEWED
    image.reviewed_at = utcnow() if reviewed else None
    if score_threshold is not None or not reviewed:
        image.review_score_threshold = score_threshold
    session.flush()
    return image


def delete_image(*, session: Session, files: FileChanges, image: StoredImage) -> None:
    """Delete the image with its predictions, feedback and dataset memberships; its file goes after commit."""
    files.delete_after_commit(image.sha256)
    # One DELETE, the database cascading to the rest: a request that deleted it a moment ago (or
    # added a prediction since it was read) then means "not found", not a failed flush.
    deleted = session.execute(
        delete(StoredImage).where(StoredImage.id == image.id).execution_options(synchronize_session=False)
    )
    if deleted.rowcount == 0:
        raise NotFoundError("image", image.id)
    session.expunge_all()


# Predictions


def add_prediction(
    *,
    session: Session,
    image: StoredImage,
    model_name: str,
    model_version: str,
    parameters: dict,
    detections: Detections,
    duration_ms: float,
) -> Prediction:
    prediction = Prediction(
        image=image,
        model_name=model_name,
        model_version=model_version,
        parameters=parameters,
        duration_ms=duration_ms,
        detections=[
            Detection(
                rank=rank,
                class_id=int(class_id),
                label=label,
                score=float(score),
                x1=float(box[0]),
                y1=float(box[1]),
                x2=float(box[2]),
                y2=float(box[3]),
            )
            for rank, (box, score, class_id, label) in enumerate(
                zip(detections.boxes, detections.scores, detections.class_ids, detections.labels, strict=True)
            )
        ],
    )
    session.add(prediction)
    session.flush()
    return prediction


# Feedback


def check_box(box: Sequence[float], image: StoredImage) -> Box:
    """A box xyxy inside the image with positive width and height, else InputError."""
    try:
        x1, y1, x2, y2 = (float(value) for value in box)
    except (TypeError, ValueError):
        raise InputError("bad_box", f"a box is four numbers x1, y1, x2, y2, got {box!r}") from None
    if not (0 <= x1 < x2 <= image.width and 0 <= y1 < y2 <= image.height):
        raise InputError(
            "box_outside_image",
            f"box ({x1:g}, {y1:g}, {x2:g}, {y2:g}) is not inside the {image.width}x{image.height} image "
            "with x1 < x2 and y1 < y2",
        )
    return (x1, y1, x2, y2)


def check_label(label: object, categories: Sequence[str]) -> int:
    """The class id of `label` in `categories`, else InputError."""
    if not isinstance(label, str) or label not in categories:
        raise InputError("unknown_label", f"unknown label {label!r}; use one of the model's {len(categories)} classes")
    return categories.index(label)


def get_detection(*, session: Session, detection_id: int) -> Detection:
    return _get(session, Detection, detection_id, "detection")


def set_feedback(
    *,
    session: Session,
    detection: Detection,
    verdict: str,
    categories: Sequence[str],
    label: str | None = None,
    box: Sequence[float] | None = None,
) -> Feedback:
    """Record (or replace) what the user says about one detection.

    wrong_label needs the right `label` (a box may fix the box too); wrong_box needs the fixed
    `box` (a label may fix the class too); correct and not_an_object take neither.
    """
    try:
        verdict = Verdict(verdict)
    except ValueError:
        choices = ", ".join(v.value for v in Verdict)
        raise InputError("bad_verdict", f"verdict must be one of {choices}, got {verdict!r}") from None
    if verdict in (Verdict.CORRECT, Verdict.NOT_AN_OBJECT) and (label is not None or box is not None):
        raise InputError("bad_feedback", f"a {verdict.value!r} verdict takes no label or box")
    if verdict == Verdict.WRONG_LABEL and label is None:
        raise InputError("bad_feedback", "a 'wrong_label' verdict needs the right label")
    if verdict == Verdict.WRONG_BOX and box is None:
        raise InputError("bad_feedback", "a 'wrong_box' verdict needs the fixed box")
    class_id = check_label(label, categories) if label is not None else None
    fixed = check_box(box, detection.prediction.image) if box is not None else (None, None, None, None)
    feedback = detection.feedback or Feedback(detection=detection, verdict=verdict)
    feedback.verdict = verdict
    feedback.corrected_class_id, feedback.corrected_label = class_id, label
    feedback.corrected_x1, feedback.corrected_y1, feedback.corrected_x2, feedback.corrected_y2 = fixed
    session.add(feedback)
    session.flush()
    return feedback


def clear_feedback(*, session: Session, detection: Detection) -> None:
    if detection.feedback is not None:
        session.delete(detection.feedback)
        detection.feedback = None
        session.flush()


def add_missed_object(
    *, session: Session, image: StoredImage, label: str, box: Sequence[float], categories: Sequence[str]
) -> MissedObject:
    class_id = check_label(label, categories)
    x1, y1, x2, y2 = check_box(box, image)
    missed = MissedObject(image=image, class_id=class_id, label=label, x1=x1, y1=y1, x2=x2, y2=y2)
    session.add(missed)
    session.flush()
    return missed


def get_missed_object(*, session: Session, missed_id: int) -> MissedObject:
    return _get(session, MissedObject, missed_id, "missed object")


def delete_missed_object(*, session: Session, missed: MissedObject) -> None:
    session.delete(missed)
    session.flush()


# Settings


def get_setting(*, session: Session, key: str) -> str | None:
    setting = session.get(Setting, key)
    return setting.value if setting else None


def set_setting(*, session: Session, key: str, value: str) -> None:
    setting = session.get(Setting, key) or Setting(key=key, value=value)
    setting.value = value
    session.add(setting)
    session.flush()


# Evaluations


def create_evaluation(*, session: Session, dataset: str, models: Sequence[str], image_count: int) -> Evaluation:
    evaluation = Evaluation(dataset=dataset, models=list(models), progress_total=image_count)
    session.add(evaluation)
    session.flush()
    return evaluation


def get_evaluation(*, session: Session, evaluation_id: int) -> Evaluation:
    if not 0 < evaluation_id <= MAX_ID:
        raise NotFoundError("evaluation", evaluation_id)
    evaluation = session.scalar(
        select(Evaluation).where(Evaluation.id == evaluation_id).options(selectinload(Evaluation.results))
    )
    if evaluation is None:
        raise NotFoundError("evaluation", evaluation_id)
    return evaluation


def list_evaluations(*, session: Session, limit: int = 50) -> list[Evaluation]:
    return list(
        session.scalars(
            select(Evaluation)
            .order_by(Evaluation.created_at.desc(), Evaluation.id.desc())
            .limit(limit)
            .options(selectinload(Evaluation.results))
        )
    )


def fail_abandoned_evaluations(*, session: Session, silent_for: timedelta = ABANDONED_AFTER) -> int:
    """Mark failed the queued or running evaluations whose worker has not reported for `silent_for`
    (the server stopped under them)."""
    cutoff = utcnow() - silent_for
    abandoned = session.scalars(
        select(Evaluation).where(
            Evaluation.status.in_([EvaluationStatus.QUEUED, EvaluationStatus.RUNNING]),
            func.coalesce(Evaluation.heartbeat_at, Evaluation.created_at) < cutoff,
        )
    ).all()
    for evaluation in abandoned:
        evaluation.status = EvaluationStatus.FAILED
        evaluation.error = "the server stopped before this evaluation finished; start it again"
        evaluation.finished_at = utcnow()
    session.flush()
    return len(abandoned)


def unfinished_evaluation(*, session: Session) -> Evaluation | None:
    return session.scalar(
        select(Evaluation).where(Evaluation.status.in_([EvaluationStatus.QUEUED, EvaluationStatus.RUNNING])).limit(1)
    )


def add_evaluation_result(*, session: Session, evaluation: Evaluation, **columns: object) -> EvaluationResult:
    """One model's scores in `evaluation`: model_name, model_version, image_count, latency_ms, metrics."""
    result = EvaluationResult(evaluation=evaluation, **columns)
    session.add(result)
    session.flush()
    return result


# Monitoring


@dataclass(frozen=True)
class FeedbackShare:
    model: str
    label: str | None
    day: str | None
    judged: int
    correct: int

    @property
    def share_correct(self) -> float | None:
        return self.correct / self.judged if self.judged else None


def count_images(*, session: Session) -> tuple[int, int]:
    """(stored images, reviewed images)."""
    total = session.scalar(select(func.count(StoredImage.id))) or 0
    reviewed = (
        session.scalar(select(func.count(StoredImage.id)).where(StoredImage.review_state == ReviewState.REVIEWED)) or 0
    )
    return total, reviewed


def feedback_shares(*, session: Session, by_label: bool = False, by_day: bool = False) -> list[FeedbackShare]:
    """Of the detections users judged, how many they marked correct, per model (and label, and day of prediction)."""
    correct = func.sum(case((Feedback.verdict == Verdict.CORRECT, 1), else_=0))
    groups = [Prediction.model_name]
    if by_label:
        groups.append(Detection.label)
    if by_day:
        groups.append(func.date(Prediction.created_at))
    rows = session.execute(
        select(*groups, func.count(Feedback.id), correct)
        .select_from(Feedback)
        .join(Detection)
        .join(Prediction)
        .group_by(*groups)
        .order_by(*groups)
    ).all()
    shares = []
    for row in rows:
        values = list(row)
        model = values.pop(0)
        label = values.pop(0) if by_label else None
        day = values.pop(0) if by_day else None
        shares.append(
            FeedbackShare(
                model=model,
                label=label,
                day=str(day) if day is not None else None,
                judged=int(values[0]),
                correct=int(values[1] or 0),
            )
        )
    return shares
