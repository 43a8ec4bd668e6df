"""What people told reviewbot to stop raising (/ignore): on one PR, or repository-wide.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ignored",
        sa.Column("repository", sa.String(256), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),  # 0: the whole repository
        sa.Column("kind", sa.String(16), primary_key=True),  # finding | rule
        sa.Column("value", sa.String(256), primary_key=True),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ignored")
