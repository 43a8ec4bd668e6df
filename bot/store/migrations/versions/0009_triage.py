"""Issue triage: classifier models per repository (versioned), each issue's triage state and
the labels people set or removed on it, the issues known for duplicate search, and the
repository's docs chunked for answers.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "triage_models",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("repository", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("trained_on", sa.Integer, nullable=False),
        sa.Column("labels", sa.Text, nullable=False),
        sa.Column("source", sa.String(256), nullable=False),
        sa.Column("model", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("repository", "version", name="uq_triage_models_version"),
    )
    op.create_table(
        "triage_state",
        sa.Column("repository", sa.String(256), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("comment_id", sa.BigInteger, nullable=True),
        sa.Column("triaged_at", sa.Float, nullable=True),
        sa.Column("labels", sa.Text, nullable=False, server_default=""),
        sa.Column("asked", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "label_vetoes",
        sa.Column("repository", sa.String(256), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(128), primary_key=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "issue_index",
        sa.Column("repository", sa.String(256), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("vector", sa.Text, nullable=True),
        sa.Column("label", sa.String(32), nullable=True),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "doc_chunks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("repository", sa.String(256), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("heading", sa.Text, nullable=False),
        sa.Column("anchor", sa.String(256), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_doc_chunks_repository", "doc_chunks", ["repository"])


def downgrade() -> None:
    op.drop_index("ix_doc_chunks_repository", "doc_chunks")
    for table in ("doc_chunks", "issue_index", "label_vetoes", "triage_state",
                  "triage_models"):
        op.drop_table(table)
