"""A stored photo keeps the file name it was first sent or imported under, for people to recognise it.

Photos stored before this revision take the name they have in an imported dataset (the first
membership's); uploads stay without one, as their names were never kept.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

images = sa.table("images", sa.column("id", sa.Integer), sa.column("file_name", sa.String))
dataset_images = sa.table(
    "dataset_images", sa.column("id", sa.Integer), sa.column("image_id", sa.Integer), sa.column("file_name", sa.String)
)


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch copy: recreating `images` on SQLite would cascade-delete its rows' children.
    op.add_column("images", sa.Column("file_name", sa.String(255), nullable=True))
    first_membership = (
        sa.select(sa.func.substr(dataset_images.c.file_name, 1, 255))
        .where(dataset_images.c.image_id == images.c.id)
        .order_by(dataset_images.c.id)
        .limit(1)
        .scalar_subquery()
    )
    op.execute(images.update().values(file_name=first_membership))


def downgrade() -> None:
    op.drop_column("images", "file_name")
