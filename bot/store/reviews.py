"""What was posted where: review runs per head SHA and one-time notices."""

from __future__ import annotations

import time
from dataclasses import dataclass

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


def update_run(engine: Engine, run_id: int, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(review_runs.update().where(review_runs.c.id == run_id)
                     .values(updated_at=time.time(), **values))


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
