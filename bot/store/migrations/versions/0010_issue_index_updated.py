"""The duplicate index kept in memory is refreshed with the issues changed since its
watermark: an index on (repository, updated_at) keeps that read bounded.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_issue_index_updated", "issue_index", ["repository", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_issue_index_updated", "issue_index")
