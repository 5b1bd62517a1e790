"""Derived tables: current votes and per-stage outcomes, so PRISMA counts are single queries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

``vote`` is filled here from the decision history. ``outcome`` depends on the protocol's
rules, which live in Python, so the store rebuilds it right after any upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = sa.String()


def upgrade() -> None:
    op.create_table(
        "vote",
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("record.id"), primary_key=True),
        sa.Column("stage", S, primary_key=True),
        sa.Column("reviewer", S, primary_key=True),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decision.id"), nullable=False),
        sa.Column("verdict", S, nullable=False),
        sa.Column("reasons", S, nullable=False),
    )
    op.create_index("ix_vote_stage_reviewer", "vote", ["stage", "reviewer"])
    op.create_table(
        "outcome",
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("record.id"), primary_key=True),
        sa.Column("stage", S, primary_key=True),
        sa.Column("state", S, nullable=False),
        sa.Column("verdict", S, nullable=True),
        sa.Column("reason", S, nullable=True),
    )
    op.create_index("ix_outcome_stage_state", "outcome", ["stage", "state"])
    op.create_index("ix_outcome_stage_verdict_reason", "outcome", ["stage", "verdict", "reason"])
    op.execute(
        "INSERT INTO vote (record_id, stage, reviewer, decision_id, verdict, reasons) "
        "SELECT d.record_id, d.stage, d.reviewer, d.id, d.verdict, d.reasons FROM decision d "
        "WHERE d.id IN (SELECT max(id) FROM decision GROUP BY record_id, stage, reviewer) "
        "AND d.verdict <> 'retracted'"
    )


def downgrade() -> None:
    op.drop_table("outcome")
    op.drop_table("vote")
