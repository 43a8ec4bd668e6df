"""For the operator's page (/ops): indexes for its queries, which read recent rows by time
only, and each review's check conclusion.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("review_runs", sa.Column("conclusion", sa.String(16), nullable=True))
    op.create_index("ix_llm_calls_created_at", "llm_calls", ["created_at"])
    op.create_index("ix_review_runs_created_at", "review_runs", ["created_at"])
    op.create_index("ix_jobs_finished_at", "jobs", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_jobs_finished_at", "jobs")
    op.drop_index("ix_review_runs_created_at", "review_runs")
    op.drop_index("ix_llm_calls_created_at", "llm_calls")
    with op.batch_alter_table("review_runs") as batch:
        batch.drop_column("conclusion")
