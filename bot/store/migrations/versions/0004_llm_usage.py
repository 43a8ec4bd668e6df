"""Model calls (usage, budgets) and the exact answer cache.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "llm_calls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("repository", sa.String(256), nullable=False),
        sa.Column("number", sa.Integer, nullable=True),
        sa.Column("head_sha", sa.String(64), nullable=True),
        sa.Column("installation_id", sa.BigInteger, nullable=True),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("prompt_tokens", sa.Integer, nullable=False),
        sa.Column("completion_tokens", sa.Integer, nullable=False),
        sa.Column("cached_tokens", sa.Integer, nullable=False),
        sa.Column("latency_seconds", sa.Float, nullable=False),
        sa.Column("cost_usd", sa.Float, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("cache_hit", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_llm_calls_repo_pr", "llm_calls", ["repository", "number"])
    op.create_index("ix_llm_calls_installation_time", "llm_calls",
                    ["installation_id", "created_at"])
    op.create_table(
        "llm_cache",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("llm_cache")
    op.drop_index("ix_llm_calls_installation_time", table_name="llm_calls")
    op.drop_index("ix_llm_calls_repo_pr", table_name="llm_calls")
    op.drop_table("llm_calls")
