"""Notes stored when written, reopenings of final decisions, who undid a merge, when a record joined
a cluster.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Notes written before this version live in the ``note`` column of their decision; they
are copied into ``note`` so that every note has one home.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

S = sa.String()


def upgrade() -> None:
    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("record.id"), nullable=False),
        sa.Column("stage", S, nullable=False),
        sa.Column("reviewer", S, sa.ForeignKey("reviewer.initials"), nullable=False),
        sa.Column("text", S, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_note_stage_reviewer_record", "note", ["stage", "reviewer", "record_id"])
    op.create_table(
        "reopening",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("record.id"), nullable=False),
        sa.Column("stage", S, nullable=False),
        sa.Column("reviewer", S, nullable=False),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decision.id"), nullable=False),
        sa.Column("resolution_id", sa.Integer(), sa.ForeignKey("resolution.id"), nullable=True),
        sa.Column("undoes", S, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reopening_stage_record", "reopening", ["stage", "record_id"])
    with op.batch_alter_table("dup_cluster") as batch:
        batch.add_column(sa.Column("undone_by", S, nullable=True))
    with op.batch_alter_table("dup_member") as batch:
        batch.add_column(sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "INSERT INTO note (record_id, stage, reviewer, text, created_at) "
        "SELECT record_id, stage, reviewer, note, created_at FROM decision "
        "WHERE note IS NOT NULL AND note <> '' ORDER BY id"
    )


def downgrade() -> None:
    with op.batch_alter_table("dup_member") as batch:
        batch.drop_column("joined_at")
    with op.batch_alter_table("dup_cluster") as batch:
        batch.drop_column("undone_by")
    op.drop_table("reopening")
    op.drop_table("note")
