"""Dedup runs: what each run compared (so the next one is incremental) and found.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dedup_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("max_record_id", sa.Integer(), nullable=False),
        sa.Column("thresholds", sa.String(), nullable=False),
        sa.Column("compared", sa.Integer(), nullable=False),
        sa.Column("new_records", sa.Integer(), nullable=False),
        sa.Column("duplicate_pairs", sa.Integer(), nullable=False),
        sa.Column("possible_pairs", sa.Integer(), nullable=False),
        sa.Column("clusters", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
    )
    op.create_index("ix_dup_pair_records", "dup_pair", ["record_a", "record_b"])


def downgrade() -> None:
    op.drop_index("ix_dup_pair_records", "dup_pair")
    op.drop_table("dedup_run")
