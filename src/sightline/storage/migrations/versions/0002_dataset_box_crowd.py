"""Dataset boxes remember COCO's `iscrowd`: crowd regions are ignored by evaluation, not objects to find.

Boxes imported before this revision were all read as ordinary objects, so they start as not crowd.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dataset_boxes") as table:
        table.add_column(sa.Column("crowd", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("dataset_boxes") as table:
        table.drop_column("crowd")
