"""Resolutions, unblinding, duplicate clusters and pairs, full-text retrieval, studies.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

S = sa.String()


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _record(name: str = "record_id", **kw: Any) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("record.id"), nullable=False, **kw)


def upgrade() -> None:
    op.create_table(
        "resolution",
        _id(),
        _record(),
        sa.Column("stage", S, nullable=False),
        sa.Column("verdict", S, nullable=False),
        sa.Column("reasons", S, nullable=False),
        sa.Column("note", S, nullable=True),
        sa.Column("resolved_by", S, nullable=False),
        sa.Column("method", S, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_resolution_stage_record", "resolution", ["stage", "record_id"])
    op.create_table(
        "unblinding",
        _id(),
        sa.Column("stage", S, nullable=False),
        sa.Column("by", S, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "dup_cluster",
        _id(),
        _record("primary_record_id"),
        sa.Column("status", S, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "dup_member",
        sa.Column("cluster_id", sa.Integer(), sa.ForeignKey("dup_cluster.id"), primary_key=True),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("record.id"), primary_key=True),
    )
    op.create_index("ix_dup_member_record", "dup_member", ["record_id"])
    op.create_table(
        "dup_pair",
        _id(),
        _record("record_a"),
        _record("record_b"),
        sa.Column("outcome", S, nullable=False),
        sa.Column("rule", S, nullable=False),
        sa.Column("scores", S, nullable=False),
        sa.Column("decided_by", S, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "retrieval",
        _id(),
        _record(),
        sa.Column("status", S, nullable=False),
        sa.Column("reason", S, nullable=True),
        sa.Column("location", S, nullable=True),
        sa.Column("by", S, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_retrieval_record", "retrieval", ["record_id"])
    op.create_table("study", _id(), sa.Column("label", S, nullable=False))
    op.create_table(
        "study_report",
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("record.id"), primary_key=True),
        sa.Column("study_id", sa.Integer(), sa.ForeignKey("study.id"), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "study_report",
        "study",
        "retrieval",
        "dup_pair",
        "dup_member",
        "dup_cluster",
        "unblinding",
        "resolution",
    ):
        op.drop_table(table)
