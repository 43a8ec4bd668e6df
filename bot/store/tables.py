"""Tables (SQLModel declarations; queries use SQLAlchemy Core on `Model.__table__`).

Timestamps are epoch seconds as floats: the queue does arithmetic on them and the same
column type behaves identically on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata


class DeliveryRow(SQLModel, table=True):
    __tablename__ = "deliveries"
    __table_args__ = (sa.Index("ix_deliveries_received_at", "received_at"),)

    delivery_id: str = Field(primary_key=True, max_length=128)
    event: str = Field(max_length=64)
    action: str | None = Field(default=None, max_length=64)
    installation_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    repository: str | None = Field(default=None, max_length=256)
    sender: str | None = Field(default=None, max_length=256)
    outcome: str = Field(max_length=32)
    received_at: float
    payload: str = Field(sa_type=sa.Text)


class JobRow(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (
        sa.Index("ix_jobs_state_run_at", "state", "run_at"),
        # At most one pending job per coalescing key (e.g. one review per PR).
        sa.Index(
            "uq_jobs_pending_coalesce_key",
            "coalesce_key",
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        ),
        sa.Index("ix_jobs_coalesce_key_state", "coalesce_key", "state"),
        sa.Index("ix_jobs_delivery_id", "delivery_id"),
        sa.Index("ix_jobs_finished_at", "finished_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)
    delivery_id: str | None = Field(default=None, foreign_key="deliveries.delivery_id")
    args: str | None = Field(default=None, sa_type=sa.Text)
    coalesce_key: str | None = Field(default=None, max_length=256)
    state: str = Field(max_length=16)
    attempts: int = 0
    max_attempts: int
    run_at: float
    lease_until: float | None = None
    claim_token: str | None = Field(default=None, max_length=64)
    worker_id: str | None = Field(default=None, max_length=128)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None


class InstallationRow(SQLModel, table=True):
    __tablename__ = "installations"

    id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    account_login: str | None = Field(default=None, max_length=256)
    account_type: str | None = Field(default=None, max_length=32)
    repository_selection: str | None = Field(default=None, max_length=16)
    suspended: bool = False
    active: bool = True
    updated_at: float


class InstallationRepositoryRow(SQLModel, table=True):
    __tablename__ = "installation_repositories"

    installation_id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    repository_id: int = Field(primary_key=True, sa_type=sa.BigInteger)
    full_name: str = Field(max_length=256)


deliveries = DeliveryRow.__table__  # type: ignore[attr-defined]
jobs = JobRow.__table__  # type: ignore[attr-defined]
installations = InstallationRow.__table__  # type: ignore[attr-defined]
installation_repositories = InstallationRepositoryRow.__table__  # type: ignore[attr-defined]


class ReviewRunRow(SQLModel, table=True):
    __tablename__ = "review_runs"
    __table_args__ = (
        sa.UniqueConstraint("repository", "number", "head_sha", name="uq_review_runs_head"),
        sa.Index("ix_review_runs_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repository: str = Field(max_length=256)
    number: int
    head_sha: str = Field(max_length=64)
    check_run_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    review_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    check_completed: bool = False
    conclusion: str | None = Field(default=None, max_length=16)  # the check run's, once closed
    fingerprints: str = Field(default="", sa_type=sa.Text)  # space-separated, posted inline
    findings: int = 0
    # JSON: the model calls and the agents' tool steps, and the dropped model findings.
    trace: str | None = Field(default=None, sa_type=sa.Text)
    created_at: float
    updated_at: float


class NoticeRow(SQLModel, table=True):
    """One-time notices (e.g. an invalid configuration file) already posted on a PR."""

    __tablename__ = "notices"

    repository: str = Field(primary_key=True, max_length=256)
    number: int = Field(primary_key=True)
    key: str = Field(primary_key=True, max_length=64)
    created_at: float


class IgnoredRow(SQLModel, table=True):
    """A finding (by fingerprint) or a rule people told reviewbot to stop raising."""

    __tablename__ = "ignored"

    repository: str = Field(primary_key=True, max_length=256)
    number: int = Field(primary_key=True)  # 0: the whole repository
    kind: str = Field(primary_key=True, max_length=16)  # finding | rule
    value: str = Field(primary_key=True, max_length=256)
    author: str = Field(max_length=128)
    created_at: float


class CommandLogRow(SQLModel, table=True):
    """A paid command asked (rate limits per user and per PR)."""

    __tablename__ = "command_log"
    __table_args__ = (sa.Index("ix_command_log_time", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    repository: str = Field(max_length=256)
    number: int
    author: str = Field(max_length=128)
    command: str = Field(max_length=32)
    created_at: float


class CommentFeedbackRow(SQLModel, table=True):
    """One inline comment reviewbot posted, and what people did with it."""

    __tablename__ = "comment_feedback"
    __table_args__ = (sa.Index("ix_comment_feedback_rule", "repository", "tool", "rule"),)

    repository: str = Field(primary_key=True, max_length=256)
    number: int = Field(primary_key=True)
    fingerprint: str = Field(primary_key=True, max_length=64)
    tool: str = Field(max_length=64)
    rule: str = Field(max_length=128)
    checker: str = Field(max_length=32)
    up: int = 0  # 👍 on the comment (the current count: reactions can be taken back)
    down: int = 0  # 👎
    ignored: bool = False  # /ignore in its thread
    resolved: bool = False  # its thread resolved by a human
    fixed: bool = False  # the finding is gone from a later head (reviewbot resolved it)
    posted_at: float
    updated_at: float


review_runs = ReviewRunRow.__table__  # type: ignore[attr-defined]
command_log = CommandLogRow.__table__  # type: ignore[attr-defined]
notices = NoticeRow.__table__  # type: ignore[attr-defined]
ignored = IgnoredRow.__table__  # type: ignore[attr-defined]
comment_feedback = CommentFeedbackRow.__table__  # type: ignore[attr-defined]


class LLMCallRow(SQLModel, table=True):
    """Every model call: what it cost, for whom (usage reports, budgets, metrics)."""

    __tablename__ = "llm_calls"
    __table_args__ = (
        sa.Index("ix_llm_calls_repo_pr", "repository", "number"),
        sa.Index("ix_llm_calls_installation_time", "installation_id", "created_at"),
        sa.Index("ix_llm_calls_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repository: str = Field(max_length=256)
    number: int | None = None
    head_sha: str | None = Field(default=None, max_length=64)
    installation_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    purpose: str = Field(max_length=64)
    model: str = Field(max_length=128)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    latency_seconds: float = 0.0
    cost_usd: float = 0.0
    ok: bool = True
    cache_hit: bool = False
    created_at: float


class LLMCacheRow(SQLModel, table=True):
    """Exact answers by (model, prompt version, input) hash: an unchanged file costs nothing."""

    __tablename__ = "llm_cache"

    key: str = Field(primary_key=True, max_length=64)
    model: str = Field(max_length=128)
    answer: str = Field(sa_type=sa.Text)
    created_at: float


llm_calls = LLMCallRow.__table__  # type: ignore[attr-defined]
llm_cache = LLMCacheRow.__table__  # type: ignore[attr-defined]


class TriageModelRow(SQLModel, table=True):
    """A repository's issue classifier, one row per training (the newest is used)."""

    __tablename__ = "triage_models"
    __table_args__ = (sa.UniqueConstraint("repository", "version",
                                          name="uq_triage_models_version"),)

    id: int | None = Field(default=None, primary_key=True)
    repository: str = Field(max_length=256)
    version: int
    created_at: float
    trained_on: int  # labelled issues
    labels: str = Field(sa_type=sa.Text)  # JSON: label -> examples
    source: str = Field(max_length=256)  # "api" or the file it was trained from
    model: bytes = Field(sa_type=sa.LargeBinary)


class TriageStateRow(SQLModel, table=True):
    """One issue's triage: reviewbot's one comment (edited in place) and what it did."""

    __tablename__ = "triage_state"

    repository: str = Field(primary_key=True, max_length=256)
    number: int = Field(primary_key=True)
    comment_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    triaged_at: float | None = None
    labels: str = Field(default="", sa_type=sa.Text)  # space-separated, applied by reviewbot
    asked: str = Field(default="", sa_type=sa.Text)  # JSON list: information asked for
    updated_at: float


class LabelVetoRow(SQLModel, table=True):
    """A label a person added or removed on an issue: reviewbot never touches it again."""

    __tablename__ = "label_vetoes"

    repository: str = Field(primary_key=True, max_length=256)
    number: int = Field(primary_key=True)
    label: str = Field(primary_key=True, max_length=128)
    action: str = Field(max_length=16)  # labeled | unlabeled
    actor: str = Field(max_length=128)
    created_at: float


class IssueIndexRow(SQLModel, table=True):
    """Issues known for the duplicate search (from deliveries and trainings)."""

    __tablename__ = "issue_index"
    __table_args__ = (sa.Index("ix_issue_index_updated", "repository", "updated_at"),)

    repository: str = Field(primary_key=True, max_length=256)
    number: int = Field(primary_key=True)
    title: str = Field(sa_type=sa.Text)
    body: str = Field(sa_type=sa.Text)
    state: str = Field(max_length=16)
    vector: str | None = Field(default=None, sa_type=sa.Text)  # JSON embedding, if any
    label: str | None = Field(default=None, max_length=32)  # its type, set by people
    updated_at: float


class DocChunkRow(SQLModel, table=True):
    """A section of the repository's docs (README, docs/) at a commit of its default branch."""

    __tablename__ = "doc_chunks"
    __table_args__ = (sa.Index("ix_doc_chunks_repository", "repository"),)

    id: int | None = Field(default=None, primary_key=True)
    repository: str = Field(max_length=256)
    ref: str = Field(max_length=64)  # the default branch's commit it was read at
    path: str = Field(max_length=512)
    heading: str = Field(sa_type=sa.Text)
    anchor: str = Field(max_length=256)
    text: str = Field(sa_type=sa.Text)


triage_models = TriageModelRow.__table__  # type: ignore[attr-defined]
triage_state = TriageStateRow.__table__  # type: ignore[attr-defined]
label_vetoes = LabelVetoRow.__table__  # type: ignore[attr-defined]
issue_index = IssueIndexRow.__table__  # type: ignore[attr-defined]
doc_chunks = DocChunkRow.__table__  # type: ignore[attr-defined]
