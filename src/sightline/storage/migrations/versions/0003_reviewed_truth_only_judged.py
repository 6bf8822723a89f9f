"""A review keeps the score threshold its reviewer was shown; reviewed photos are recomputed under the rule
that only judged and drawn boxes are ground truth.

Before this revision, marking a photo reviewed silently accepted every detection left without a
verdict, down to the 0.05 candidates the page never showed. No stored row says which of those the
reviewer saw, so this revision invents no verdict: a reviewed photo that has an unjudged
detection scoring at least 0.3 (what the Review page shows by default) goes back to unreviewed,
its verdicts and drawn boxes kept, for a person to finish; the other reviewed photos stay
reviewed, their ground truth now the judged and drawn boxes only. Downgrading drops the new
column and leaves review states as they are.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The Review page's default slider position when these reviews were made.
SHOWN_BY_DEFAULT = 0.3

images = sa.table(
    "images",
    sa.column("id", sa.Integer),
    sa.column("review_state", sa.String),
    sa.column("reviewed_at", sa.DateTime),
)
predictions = sa.table("predictions", sa.column("id", sa.Integer), sa.column("image_id", sa.Integer))
detections = sa.table(
    "detections", sa.column("id", sa.Integer), sa.column("prediction_id", sa.Integer), sa.column("score", sa.Float)
)
feedback = sa.table("feedback", sa.column("id", sa.Integer), sa.column("detection_id", sa.Integer))


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch copy: recreating `images` on SQLite would cascade-delete its rows' children.
    op.add_column("images", sa.Column("review_score_threshold", sa.Float(), nullable=True))
    shown_but_unjudged = (
        sa.select(detections.c.id)
        .select_from(detections.join(predictions, detections.c.prediction_id == predictions.c.id))
        .where(
            predictions.c.image_id == images.c.id,
            detections.c.score >= SHOWN_BY_DEFAULT,
            ~sa.exists().where(feedback.c.detection_id == detections.c.id),
        )
        .exists()
    )
    op.execute(
        images.update()
        .where(images.c.review_state == "reviewed", shown_but_unjudged)
        .values(review_state="unreviewed", reviewed_at=None)
    )


def downgrade() -> None:
    op.drop_column("images", "review_score_threshold")
