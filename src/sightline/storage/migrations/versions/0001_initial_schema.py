"""Initial schema: images, predictions, detections, feedback, missed objects, datasets, evaluations.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _state(name: str, values: tuple[str, ...], enum_name: str) -> sa.Column:
    return sa.Column(name, sa.Enum(*values, name=enum_name, native_enum=False, length=16), nullable=False)


def _box_columns() -> list[sa.Column]:
    return [
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=False) for name in ("x1", "y1", "x2", "y2")),
    ]


def _parent(column: str, table: str) -> sa.Column:
    return sa.Column(column, sa.Integer(), sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "images",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        _timestamp("uploaded_at"),
        _state("review_state", ("unreviewed", "reviewed"), "reviewstate"),
        _timestamp("reviewed_at", nullable=True),
    )
    op.create_index("ix_images_uploaded_at", "images", ["uploaded_at"])
    op.create_index("ix_images_review_state", "images", ["review_state"])

    op.create_table(
        "predictions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _parent("image_id", "images"),
        sa.Column("model_name", sa.String(100), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        _timestamp("created_at"),
    )
    op.create_index("ix_predictions_image_id", "predictions", ["image_id"])
    op.create_index("ix_predictions_model_name", "predictions", ["model_name"])
    op.create_index("ix_predictions_created_at", "predictions", ["created_at"])

    op.create_table(
        "detections",
        sa.Column("id", sa.Integer(), primary_key=True),
        _parent("prediction_id", "predictions"),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        *_box_columns(),
    )
    op.create_index("ix_detections_prediction_id", "detections", ["prediction_id"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "detection_id",
            sa.Integer(),
            sa.ForeignKey("detections.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        _state("verdict", ("correct", "wrong_label", "not_an_object", "wrong_box"), "verdict"),
        sa.Column("corrected_class_id", sa.Integer(), nullable=True),
        sa.Column("corrected_label", sa.String(100), nullable=True),
        *(sa.Column(f"corrected_{name}", sa.Float(), nullable=True) for name in ("x1", "y1", "x2", "y2")),
        _timestamp("created_at"),
        _timestamp("updated_at"),
    )
    op.create_index("ix_feedback_verdict", "feedback", ["verdict"])

    op.create_table(
        "missed_objects",
        sa.Column("id", sa.Integer(), primary_key=True),
        _parent("image_id", "images"),
        _timestamp("created_at"),
        *_box_columns(),
    )
    op.create_index("ix_missed_objects_image_id", "missed_objects", ["image_id"])

    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        _timestamp("created_at"),
    )
    op.create_table(
        "dataset_images",
        sa.Column("id", sa.Integer(), primary_key=True),
        _parent("dataset_id", "datasets"),
        _parent("image_id", "images"),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.UniqueConstraint("dataset_id", "file_name"),
    )
    op.create_index("ix_dataset_images_dataset_id", "dataset_images", ["dataset_id"])
    op.create_index("ix_dataset_images_image_id", "dataset_images", ["image_id"])
    op.create_table(
        "dataset_boxes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _parent("dataset_image_id", "dataset_images"),
        *_box_columns(),
    )
    op.create_index("ix_dataset_boxes_dataset_image_id", "dataset_boxes", ["dataset_image_id"])

    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dataset", sa.String(100), nullable=False),
        sa.Column("models", sa.JSON(), nullable=False),
        _state("status", ("queued", "running", "done", "failed"), "evaluationstatus"),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("recommended_model", sa.String(100), nullable=True),
        _timestamp("created_at"),
        _timestamp("finished_at", nullable=True),
        _timestamp("heartbeat_at", nullable=True),
    )
    op.create_index("ix_evaluations_created_at", "evaluations", ["created_at"])
    op.create_table(
        "evaluation_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        _parent("evaluation_id", "evaluations"),
        sa.Column("model_name", sa.String(100), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("image_count", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
    )
    op.create_index("ix_evaluation_results_evaluation_id", "evaluation_results", ["evaluation_id"])

    op.create_table(
        "settings",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "settings",
        "evaluation_results",
        "evaluations",
        "dataset_boxes",
        "dataset_images",
        "datasets",
        "missed_objects",
        "feedback",
        "detections",
        "predictions",
        "images",
    ):
        op.drop_table(table)
