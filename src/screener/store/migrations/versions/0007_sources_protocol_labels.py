"""Removing and archiving sources (undoable until the next dedup), protocol change log, reviewers' labels.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

S = sa.String()


def upgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "source_removal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("mode", S, nullable=False),
        sa.Column("payload", S, nullable=False),
        sa.Column("by", S, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "protocol_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("by", S, nullable=False),
        sa.Column("summary", S, nullable=False),
        sa.Column("old_text", S, nullable=False),
        sa.Column("new_text", S, nullable=False),
        sa.Column("mapping", S, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "record_label",
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("record.id"), primary_key=True),
        sa.Column("reviewer", S, sa.ForeignKey("reviewer.initials"), primary_key=True),
        sa.Column("label", S, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_record_label_reviewer_label", "record_label", ["reviewer", "label"])


def downgrade() -> None:
    op.drop_index("ix_record_label_reviewer_label", "record_label")
    op.drop_table("record_label")
    op.drop_table("protocol_change")
    op.drop_table("source_removal")
    with op.batch_alter_table("source") as batch:
        batch.drop_column("archived_at")
