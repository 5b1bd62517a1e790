"""Initial schema: review, reviewers, sources, records, decisions.

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

S = sa.String()


def upgrade() -> None:
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", S, nullable=False),
        sa.Column("question", S, nullable=False),
        sa.Column("protocol_text", S, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "reviewer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("initials", S, nullable=False, unique=True),
        sa.Column("name", S, nullable=False),
        sa.Column("role", S, nullable=False),
    )
    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", S, nullable=False),
        sa.Column("kind", S, nullable=False),
        sa.Column("platform", S, nullable=True),
        sa.Column("searched_on", S, nullable=True),
        sa.Column("query", S, nullable=True),
        sa.Column("file_name", S, nullable=False),
        sa.Column("file_sha256", S, nullable=False),
        sa.Column("format", S, nullable=False),
        sa.Column("encoding", S, nullable=True),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_source_file_sha256", "source", ["file_sha256"])
    op.create_table(
        "record",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("source.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("source_record_id", S, nullable=True),
        sa.Column("title", S, nullable=True),
        sa.Column("authors", S, nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("journal", S, nullable=True),
        sa.Column("journal_abbrev", S, nullable=True),
        sa.Column("volume", S, nullable=True),
        sa.Column("issue", S, nullable=True),
        sa.Column("start_page", S, nullable=True),
        sa.Column("end_page", S, nullable=True),
        sa.Column("doi", S, nullable=True),
        sa.Column("pmid", S, nullable=True),
        sa.Column("pmcid", S, nullable=True),
        sa.Column("issn", S, nullable=True),
        sa.Column("abstract", S, nullable=True),
        sa.Column("keywords", S, nullable=False),
        sa.Column("language", S, nullable=True),
        sa.Column("publication_type", S, nullable=True),
        sa.Column("url", S, nullable=True),
        sa.Column("raw", S, nullable=False),
    )
    op.create_index("ix_record_source_id", "record", ["source_id"])
    op.create_index("ix_record_doi", "record", ["doi"])
    op.create_index("ix_record_pmid", "record", ["pmid"])
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("record.id"), nullable=False),
        sa.Column("stage", S, nullable=False),
        sa.Column("reviewer", S, sa.ForeignKey("reviewer.initials"), nullable=False),
        sa.Column("verdict", S, nullable=False),
        sa.Column("reasons", S, nullable=False),
        sa.Column("note", S, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_decision_stage_reviewer_record", "decision", ["stage", "reviewer", "record_id"])
    op.create_index("ix_decision_record", "decision", ["record_id"])


def downgrade() -> None:
    for table in ("decision", "record", "source", "reviewer", "review"):
        op.drop_table(table)
