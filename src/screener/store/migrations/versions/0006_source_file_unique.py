"""One import per file, enforced by the database: (file_sha256, file_copy) is unique.

An import takes copy 0; ``import --force`` of a file already imported takes the next
copy. The further sources of a multi-database file (one per database) hold NULL: they
belong to the import whose first source holds the number. Two processes importing the same
file at once thus collide in the database (one of them is refused) instead of both passing
the "already imported" check.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.add_column(sa.Column("file_copy", sa.Integer(), nullable=True, server_default="0"))
    # Files imported more than once (with --force) before: number their copies in import order.
    op.execute(
        "UPDATE source SET file_copy = (SELECT count(*) FROM source AS earlier "
        "WHERE earlier.file_sha256 = source.file_sha256 AND earlier.id < source.id)"
    )
    op.create_index("ux_source_file_copy", "source", ["file_sha256", "file_copy"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_source_file_copy", "source")
    with op.batch_alter_table("source") as batch:
        batch.drop_column("file_copy")
