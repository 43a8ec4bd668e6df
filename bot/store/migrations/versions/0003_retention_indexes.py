"""Indexes for pruning old deliveries: by age, and jobs by their delivery.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deliveries_received_at", "deliveries", ["received_at"])
    op.create_index("ix_jobs_delivery_id", "jobs", ["delivery_id"])


def downgrade() -> None:
    op.drop_index("ix_jobs_delivery_id", table_name="jobs")
    op.drop_index("ix_deliveries_received_at", table_name="deliveries")
