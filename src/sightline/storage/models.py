"""Database tables as SQLAlchemy 2 typed models.

An uploaded photo (`StoredImage`) has the predictions models made on it, each prediction its
detections, each detection at most one piece of user feedback; objects the model missed are
drawn by the user on the image. Imported COCO datasets keep their own ground-truth boxes.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import JSON, DateTime, Enum, Float, ForeignKey, String, Text, TypeDecorator, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, query_expression, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class ReviewState(enum.StrEnum):
    UNREVIEWED = "unreviewed"
    REVIEWED = "reviewed"


class Verdict(enum.StrEnum):
    """What the user says about one detection."""

    CORRECT = "correct"
    WRONG_LABEL = "wrong_label"  # an object, but another class: corrected_label says which
    NOT_AN_OBJECT = "not_an_object"
    WRONG_BOX = "wrong_box"  # the right class, but the box needs fixing: the corrected box says where


class EvaluationStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def _enum(kind: type[enum.StrEnum]) -> Enum:
    # Stored as plain strings (no PostgreSQL ENUM type) so that adding a value needs no migration.
    return Enum(
        kind, native_enum=False, create_constraint=False, length=16, values_callable=lambda e: [m.value for m in e]
    )


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every backend (SQLite hands them back naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict] = {dict: JSON, list: JSON, datetime: UTCDateTime}


def _parent_id(table: str, one_child: bool = False) -> Mapped[int]:
    """The key of the row this one belongs to: the database deletes it with that row (ON DELETE CASCADE).

    one_child: at most one such row per parent (a unique key); otherwise the key is indexed for lookups.
    """
    key = ForeignKey(f"{table}.id", ondelete="CASCADE")
    return mapped_column(key, unique=True) if one_child else mapped_column(key, index=True)


def _children(back_populates: str, order_by: str | None = None):
    """The rows that belong to this one, deleted with it; the database's cascade does it, not one query each."""
    return relationship(
        back_populates=back_populates, cascade="all, delete-orphan", passive_deletes=True, order_by=order_by
    )


class BoxColumns:
    """A box xyxy in the image's pixels, with its class."""

    class_id: Mapped[int]
    label: Mapped[str] = mapped_column(String(100))
    x1: Mapped[float] = mapped_column(Float)
    y1: Mapped[float] = mapped_column(Float)
    x2: Mapped[float] = mapped_column(Float)
    y2: Mapped[float] = mapped_column(Float)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x1, self.y1, self.x2, self.y2)


FILE_NAME_LENGTH = 255


class StoredImage(Base):
    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    format: Mapped[str] = mapped_column(String(16))
    byte_size: Mapped[int]
    # The name the photo was first sent or imported under; unknown for a raw upload.
    file_name: Mapped[str | None] = mapped_column(String(FILE_NAME_LENGTH))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    review_state: Mapped[ReviewState] = mapped_column(_enum(ReviewState), default=ReviewState.UNREVIEWED, index=True)
    reviewed_at: Mapped[datetime | None]
    # The score the Review page's slider stood at when the review was saved: boxes below it were not shown.
    review_score_threshold: Mapped[float | None] = mapped_column(Float)
    # Filled by a listing only (`crud.list_images`): its newest prediction's boxes, None when it has none.
    box_count: Mapped[int | None] = query_expression()

    predictions: Mapped[list[Prediction]] = _children("image", "Prediction.id")
    missed_objects: Mapped[list[MissedObject]] = _children("image", "MissedObject.id")


class Prediction(Base):
    __tablename__ = "predictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = _parent_id("images")
    model_name: Mapped[str] = mapped_column(String(100), index=True)
    model_version: Mapped[str] = mapped_column(String(100))
    parameters: Mapped[dict]
    duration_ms: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    image: Mapped[StoredImage] = relationship(back_populates="predictions")
    detections: Mapped[list[Detection]] = _children("prediction", "Detection.rank")


class Detection(BoxColumns, Base):
    """One box of a prediction, in the order the model ranked it (best first)."""

    __tablename__ = "detections"

    id: Mapped[int] = mapped_column(primary_key=True)
    prediction_id: Mapped[int] = _parent_id("predictions")
    rank: Mapped[int]
    score: Mapped[float] = mapped_column(Float)

    prediction: Mapped[Prediction] = relationship(back_populates="detections")
    feedback: Mapped[Feedback | None] = _children("detection")


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    detection_id: Mapped[int] = _parent_id("detections", one_child=True)
    verdict: Mapped[Verdict] = mapped_column(_enum(Verdict), index=True)
    corrected_class_id: Mapped[int | None]
    corrected_label: Mapped[str | None] = mapped_column(String(100))
    corrected_x1: Mapped[float | None] = mapped_column(Float)
    corrected_y1: Mapped[float | None] = mapped_column(Float)
    corrected_x2: Mapped[float | None] = mapped_column(Float)
    corrected_y2: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    detection: Mapped[Detection] = relationship(back_populates="feedback")

    @property
    def corrected_box(self) -> tuple[float, float, float, float] | None:
        if self.corrected_x1 is None:
            return None
        return (self.corrected_x1, self.corrected_y1, self.corrected_x2, self.corrected_y2)


class MissedObject(BoxColumns, Base):
    """An object the model did not find, drawn and labelled by the user."""

    __tablename__ = "missed_objects"

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = _parent_id("images")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    image: Mapped[StoredImage] = relationship(back_populates="missed_objects")


class Dataset(Base):
    """A labelled dataset imported from COCO JSON; the reviewed uploads form the implicit one."""

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    images: Mapped[list[DatasetImage]] = _children("dataset", "DatasetImage.id")


class DatasetImage(Base):
    __tablename__ = "dataset_images"
    __table_args__ = (UniqueConstraint("dataset_id", "file_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = _parent_id("datasets")
    image_id: Mapped[int] = _parent_id("images")
    file_name: Mapped[str] = mapped_column(String(500))

    dataset: Mapped[Dataset] = relationship(back_populates="images")
    image: Mapped[StoredImage] = relationship()
    boxes: Mapped[list[DatasetBox]] = _children("dataset_image", "DatasetBox.id")


class DatasetBox(BoxColumns, Base):
    """A ground-truth box; a crowd one (COCO's `iscrowd`) marks a group that evaluation ignores, as COCOeval does."""

    __tablename__ = "dataset_boxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_image_id: Mapped[int] = _parent_id("dataset_images")
    crowd: Mapped[bool] = mapped_column(default=False, server_default=false())

    dataset_image: Mapped[DatasetImage] = relationship(back_populates="boxes")


class Evaluation(Base):
    """One run of `MeanAveragePrecision` for several models on one dataset."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset: Mapped[str] = mapped_column(String(100))
    models: Mapped[list]
    status: Mapped[EvaluationStatus] = mapped_column(_enum(EvaluationStatus), default=EvaluationStatus.QUEUED)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    recommended_model: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    # Written by the worker as it goes; an unfinished run whose heartbeat stopped has lost its worker.
    heartbeat_at: Mapped[datetime | None]

    results: Mapped[list[EvaluationResult]] = _children("evaluation", "EvaluationResult.id")


class EvaluationResult(Base):
    __tablename__ = "evaluation_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = _parent_id("evaluations")
    model_name: Mapped[str] = mapped_column(String(100))
    model_version: Mapped[str] = mapped_column(String(100))
    image_count: Mapped[int]
    latency_ms: Mapped[float] = mapped_column(Float)  # model time per image
    metrics: Mapped[dict]  # map, map_50, ..., mar_100, per_class {label: ap}, latency_p50_ms, memory_mb

    evaluation: Mapped[Evaluation] = relationship(back_populates="results")


class Setting(Base):
    """Server settings changed at run time (the default model), kept across restarts."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
