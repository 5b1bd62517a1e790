"""Sources being imported: ``staged`` until their import publishes them.

An import writes its records in short transactions under a staged source (so that
reviewers' decisions never wait long for the write lock), then clears ``staged`` in one
short transaction: until then nothing of it counts anywhere. A staged source left by a
killed import is removed by the next import.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite allows NOT NULL with a default): a batch copy of the table
    # would drop it, which the records' foreign keys refuse.
    op.add_column("source", sa.Column("staged", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.execute("DELETE FROM record WHERE source_id IN (SELECT id FROM source WHERE staged)")
    op.execute("DELETE FROM source WHERE staged")
    with op.batch_alter_table("source") as batch:
        batch.drop_column("staged")
