"""What people did with each inline comment reviewbot posted (reactions, /ignore,
resolutions, fixes): acceptance per rule and checker, and suppression of rejected rules.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comment_feedback",
        sa.Column("repository", sa.String(256), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("tool", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("checker", sa.String(32), nullable=False),
        sa.Column("up", sa.Integer, nullable=False, server_default="0"),
        sa.Column("down", sa.Integer, nullable=False, server_default="0"),
        sa.Column("ignored", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("resolved", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("fixed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("posted_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_comment_feedback_rule", "comment_feedback",
                    ["repository", "tool", "rule"])


def downgrade() -> None:
    op.drop_index("ix_comment_feedback_rule", "comment_feedback")
    op.drop_table("comment_feedback")
