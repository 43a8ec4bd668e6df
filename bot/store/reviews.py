"""What was posted where: review runs per head SHA and one-time notices."""

from __future__ import annotations

import time
from dataclasses import dataclass

import anyio
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.store.tables import notices, review_runs


@dataclass(frozen=True)
class ReviewRun:
    id: int
    check_run_id: int | None
    review_id: int | None
    check_completed: bool


def get_or_create_run(engine: Engine, repository: str, number: int, head_sha: str) -> ReviewRun:
    key = sa.and_(review_runs.c.repository == repository, review_runs.c.number == number,
                  review_runs.c.head_sha == head_sha)
    now = time.time()
    with engine.begin() as conn:
        row = conn.execute(sa.select(review_runs).where(key)).first()
        if row is None:
            conn.execute(review_runs.insert().values(
                repository=repository, number=number, head_sha=head_sha,
                created_at=now, updated_at=now))
            row = conn.execute(sa.select(review_runs).where(key)).one()
    return ReviewRun(id=row.id, check_run_id=row.check_run_id, review_id=row.review_id,
                     check_completed=bool(row.check_completed))


@dataclass(frozen=True)
class PostedReview:
    """What a posted review leaves in its run: the review, the fingerprints of its inline
    comments, how many findings it reported, and the agents' trace (JSON) if a model ran."""

    review_id: int
    fingerprints: str = ""
    findings: int = 0
    trace: str | None = None


def _update(engine: Engine, run_id: int, values: dict[str, object]) -> None:
    with engine.begin() as conn:
        conn.execute(review_runs.update().where(review_runs.c.id == run_id)
                     .values(updated_at=time.time(), **values))


def record_review(engine: Engine, run_id: int, posted: PostedReview) -> None:
    _update(engine, run_id, {"review_id": posted.review_id,
                             "fingerprints": posted.fingerprints,
                             "findings": posted.findings, "trace": posted.trace})


def adopt_review(engine: Engine, run_id: int, review_id: int) -> None:
    """A review posted before the store heard of it (a crash in between)."""
    _update(engine, run_id, {"review_id": review_id})


def record_check_run(engine: Engine, run_id: int, check_run_id: int) -> None:
    _update(engine, run_id, {"check_run_id": check_run_id})


def complete_check(engine: Engine, run_id: int, conclusion: str | None = None) -> None:
    _update(engine, run_id, {"check_completed": True,
                             **({"conclusion": conclusion[:16]} if conclusion else {})})


def posted_fingerprints(engine: Engine, repository: str, number: int) -> frozenset[str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(review_runs.c.fingerprints).where(
            review_runs.c.repository == repository, review_runs.c.number == number)).all()
    return frozenset(fp for (text,) in rows for fp in text.split())


def claim_notice(engine: Engine, repository: str, number: int, key: str) -> bool:
    """True the first time a notice is claimed for this PR; False once it was posted."""
    try:
        with engine.begin() as conn:
            conn.execute(notices.insert().values(repository=repository, number=number, key=key,
                                                 created_at=time.time()))
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class ReviewRuns:
    """The review runs and notices, reached from async code (each call off the event loop)."""

    engine: Engine

    async def start(self, repository: str, number: int, head_sha: str) -> ReviewRun:
        return await anyio.to_thread.run_sync(get_or_create_run, self.engine, repository,
                                              number, head_sha)

    async def record_review(self, run_id: int, posted: PostedReview) -> None:
        await anyio.to_thread.run_sync(record_review, self.engine, run_id, posted)

    async def adopt_review(self, run_id: int, review_id: int) -> None:
        await anyio.to_thread.run_sync(adopt_review, self.engine, run_id, review_id)

    async def record_check_run(self, run_id: int, check_run_id: int) -> None:
        await anyio.to_thread.run_sync(record_check_run, self.engine, run_id, check_run_id)

    async def complete_check(self, run_id: int, conclusion: str | None = None) -> None:
        await anyio.to_thread.run_sync(complete_check, self.engine, run_id, conclusion)

    async def posted(self, repository: str, number: int) -> frozenset[str]:
        return await anyio.to_thread.run_sync(posted_fingerprints, self.engine, repository,
                                              number)

    async def claim_notice(self, repository: str, number: int, key: str) -> bool:
        """True the first time: the notice is to be posted once per PR (or issue)."""
        return await anyio.to_thread.run_sync(claim_notice, self.engine, repository, number,
                                              key)
