"""Review runs: one row per (repository, PR, head SHA), for idempotent posting.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("repository", sa.String(256), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("head_sha", sa.String(64), nullable=False),
        sa.Column("check_run_id", sa.BigInteger, nullable=True),
        sa.Column("review_id", sa.BigInteger, nullable=True),
        sa.Column("check_completed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("fingerprints", sa.Text, nullable=False, server_default=""),
        sa.Column("findings", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.UniqueConstraint("repository", "number", "head_sha", name="uq_review_runs_head"),
    )
    op.create_table(
        "notices",
        sa.Column("repository", sa.String(256), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notices")
    op.drop_table("review_runs")
