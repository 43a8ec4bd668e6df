"""Indexes for the operator's page (/ops): its queries read recent rows by time only.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_llm_calls_created_at", "llm_calls", ["created_at"])
    op.create_index("ix_review_runs_created_at", "review_runs", ["created_at"])
    op.create_index("ix_jobs_finished_at", "jobs", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_jobs_finished_at", "jobs")
    op.drop_index("ix_review_runs_created_at", "review_runs")
    op.drop_index("ix_llm_calls_created_at", "llm_calls")
