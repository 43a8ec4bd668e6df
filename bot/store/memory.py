"""What people told reviewbot to stop raising: one finding or one rule, on a PR or in the
whole repository (/ignore). Read before every review of that PR."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.store.tables import ignored

WHOLE_REPOSITORY = 0


@dataclass(frozen=True)
class Ignored:
    fingerprints: frozenset[str] = frozenset()
    rules: frozenset[str] = frozenset()  # "tool:rule" or a bare rule id


def remember_ignored(engine: Engine, repository: str, number: int, kind: str, value: str,
                     author: str) -> bool:
    """True when this is new (False: it was already ignored)."""
    try:
        with engine.begin() as conn:
            conn.execute(ignored.insert().values(
                repository=repository, number=number, kind=kind, value=value[:256],
                author=author[:128], created_at=time.time()))
    except IntegrityError:
        return False
    return True


def ignored_on(engine: Engine, repository: str, number: int) -> Ignored:
    """What is ignored on this PR: its own entries and the repository's."""
    query = sa.select(ignored.c.kind, ignored.c.value).where(
        ignored.c.repository == repository,
        ignored.c.number.in_([number, WHOLE_REPOSITORY]))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return Ignored(frozenset(v for k, v in rows if k == "finding"),
                   frozenset(v for k, v in rows if k == "rule"))
