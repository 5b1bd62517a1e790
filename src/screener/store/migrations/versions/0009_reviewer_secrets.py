"""Reviewer passphrases: one scrypt hash per reviewer (salt, key and parameters; never the passphrase).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

A review made before this version has no passphrases: each reviewer sets theirs on their
first use after the upgrade (or the lead sets them with ``screener reviewer passphrase``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

S = sa.String()


def upgrade() -> None:
    op.create_table(
        "reviewer_secret",
        sa.Column("reviewer", S, sa.ForeignKey("reviewer.initials"), primary_key=True),
        sa.Column("salt", S, nullable=False),
        sa.Column("key", S, nullable=False),
        sa.Column("scrypt_n", sa.Integer(), nullable=False),
        sa.Column("scrypt_r", sa.Integer(), nullable=False),
        sa.Column("scrypt_p", sa.Integer(), nullable=False),
        sa.Column("set_by", S, nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reviewer_secret")
