"""What people told reviewbot to stop raising: one finding or one rule, on a PR or in the
whole repository (/ignore). Read before every review of that PR."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.store.tables import command_log, ignored

WHOLE_REPOSITORY = 0


@dataclass(frozen=True)
class Ignored:
    """What is ignored, each with who asked (a login with write access, checked before it
    was stored)."""

    fingerprints: Mapping[str, str] = field(default_factory=dict)
    rules: Mapping[str, str] = field(default_factory=dict)  # "tool:rule" or a bare rule id


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
    query = sa.select(ignored.c.kind, ignored.c.value, ignored.c.author, ignored.c.number
                      ).where(ignored.c.repository == repository,
                              ignored.c.number.in_([number, WHOLE_REPOSITORY])
                              ).order_by(ignored.c.created_at)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return Ignored({v: a for k, v, a, _n in rows if k == "finding"},
                   {v: a + (" (repository-wide)" if n == WHOLE_REPOSITORY else "")
                    for k, v, a, n in rows if k == "rule"})


HOUR = 3600.0


@dataclass(frozen=True)
class CommandAsked:
    repository: str
    number: int
    author: str
    command: str


@dataclass(frozen=True)
class CommandLimit:
    """At most `per_user` of the `counted` commands (None: the command's own kind alone) per
    author per hour anywhere, and `per_pull` on one PR or issue (0: no limit)."""

    per_user: int
    per_pull: int = 0
    counted: frozenset[str] | None = None


def admit_command(engine: Engine, asked: CommandAsked, limit: CommandLimit,
                  now: float | None = None) -> bool:
    """Record a command unless it is over a limit: False means over it.

    Concurrent workers cannot overshoot: SQLite's writes are serialised (BEGIN IMMEDIATE);
    on PostgreSQL a transaction-scoped advisory lock per author serialises the count and
    the insert."""
    now = time.time() if now is None else now
    since = now - HOUR
    repository, number, author, command = (asked.repository, asked.number, asked.author,
                                           asked.command)
    per_user, per_pull = limit.per_user, limit.per_pull
    kinds = sorted(limit.counted if limit.counted is not None else {command})
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                         {"key": _lock_key(author)})
        count = sa.select(sa.func.count()).select_from(command_log).where(
            command_log.c.created_at >= since, command_log.c.command.in_(kinds))
        by_user = conn.execute(count.where(command_log.c.author == author)).scalar_one()
        on_pull = conn.execute(count.where(command_log.c.repository == repository,
                                           command_log.c.number == number)).scalar_one()
        if (per_user and by_user >= per_user) or (per_pull and on_pull >= per_pull):
            return False
        conn.execute(command_log.insert().values(repository=repository, number=number,
                                                 author=author[:128], command=command,
                                                 created_at=now))
    return True


def _lock_key(author: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks."""
    digest = hashlib.sha256(b"reviewbot-commands\0" + author.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
