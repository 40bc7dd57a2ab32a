"""Protected fields: the names of a paper's fields that a person typed, which lookups never overwrite.

NULL (every row made before this revision) protects nothing, so `survey update` may upgrade those papers.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("papers", sa.Column("protected_fields", sa.JSON(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: it would copy `papers` and drop the old table, and the drop cascades to the
        # authors, topics and placements of every paper. SQLite (3.35+) drops a plain column in place.
        op.execute("ALTER TABLE papers DROP COLUMN protected_fields")
    else:
        op.drop_column("papers", "protected_fields")
