"""The agents' trace stored with each review run.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_runs") as batch:
        batch.add_column(sa.Column("trace", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_runs") as batch:
        batch.drop_column("trace")
