"""What people did with reviewbot's inline comments, per repository: 👍/👎 (the current
counts, read at every review of the PR: GitHub sends no webhook for reactions), /ignore,
threads resolved by a human, findings fixed by a later push. From it: acceptance per rule
and per checker (`reviewbot feedback`), and the rules a repository keeps rejecting, which
are then no longer raised there (undone by listing the rule in `enable_rules`)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.store.tables import comment_feedback as cf

# A rule is suppressed in a repository once people rejected at least this many of its
# comments, on at least this many PRs, and rejected at least this share of those they
# answered (accepted = 👍 or fixed): one grumpy reviewer on one PR does not silence a rule.
SUPPRESS_MIN_REJECTED = 3
SUPPRESS_MIN_PULLS = 2
SUPPRESS_MIN_SHARE = 0.75
MARKS = ("ignored", "resolved", "fixed")


@dataclass(frozen=True)
class Posted:
    fingerprint: str
    tool: str
    rule: str
    checker: str


@dataclass(frozen=True)
class RuleStats:
    repository: str
    tool: str
    rule: str
    checker: str
    posted: int
    up: int
    down: int
    ignored: int
    resolved: int
    fixed: int
    rejected: int  # comments 👎'd more than 👍'd, or ignored
    accepted: int  # comments 👍'd more than 👎'd, or fixed
    pulls_rejected: int

    @property
    def key(self) -> str:
        return f"{self.tool}:{self.rule}"

    @property
    def acceptance(self) -> float | None:
        answered = self.accepted + self.rejected
        return self.accepted / answered if answered else None

    @property
    def suppressed(self) -> bool:
        answered = self.accepted + self.rejected
        return (self.rejected >= SUPPRESS_MIN_REJECTED
                and self.pulls_rejected >= SUPPRESS_MIN_PULLS
                and self.rejected >= SUPPRESS_MIN_SHARE * answered)

    def why_suppressed(self) -> str:
        return (f"rejected on {self.rejected} of {self.accepted + self.rejected} answered "
                f"comments in {self.pulls_rejected} PRs")


def _key(repository: str, number: int, fingerprint: str) -> sa.ColumnElement[bool]:
    return sa.and_(cf.c.repository == repository, cf.c.number == number,
                   cf.c.fingerprint == fingerprint)


def record_posted(engine: Engine, repository: str, number: int,
                  posted: Iterable[Posted]) -> None:
    now = time.time()
    with engine.begin() as conn:
        for p in posted:
            if conn.execute(sa.select(cf.c.fingerprint).where(
                    _key(repository, number, p.fingerprint))).first() is None:
                conn.execute(cf.insert().values(
                    repository=repository, number=number, fingerprint=p.fingerprint[:64],
                    tool=p.tool[:64], rule=p.rule[:128], checker=p.checker[:32],
                    posted_at=now, updated_at=now))


def record_reactions(engine: Engine, repository: str, number: int,
                     counts: Mapping[str, tuple[int, int]]) -> None:
    """The current 👍/👎 counts of the PR's comments, by fingerprint (idempotent)."""
    with engine.begin() as conn:
        for fingerprint, (up, down) in counts.items():
            _update(conn, repository, number, fingerprint, up=up, down=down)


def mark(engine: Engine, repository: str, number: int, fingerprint: str, what: str) -> None:
    if what not in MARKS:
        raise ValueError(f"unknown feedback mark {what!r}")
    with engine.begin() as conn:
        _update(conn, repository, number, fingerprint, **{what: True})


def _update(conn: Connection, repository: str, number: int, fingerprint: str,
            **values: object) -> None:
    conn.execute(cf.update().where(_key(repository, number, fingerprint))
                 .values(updated_at=time.time(), **values))


def marked(engine: Engine, repository: str, number: int, what: str) -> frozenset[str]:
    if what not in MARKS:
        raise ValueError(f"unknown feedback mark {what!r}")
    with engine.connect() as conn:
        rows = conn.execute(sa.select(cf.c.fingerprint).where(
            cf.c.repository == repository, cf.c.number == number,
            cf.c[what].is_(True))).all()
    return frozenset(fp for (fp,) in rows)


def rule_stats(engine: Engine, repository: str | None = None, *,
               by_checker: bool = True) -> list[RuleStats]:
    """Acceptance per (repository, rule, checker), most rejected first; per (repository,
    rule) with `by_checker=False` (checker "*")."""
    rejected = sa.or_(cf.c.down > cf.c.up, cf.c.ignored.is_(True))
    accepted = sa.and_(sa.not_(rejected), sa.or_(cf.c.up > cf.c.down, cf.c.fixed.is_(True)))

    def count_if(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((cond, 1), else_=0))

    checker = cf.c.checker if by_checker else sa.literal("*")
    query = sa.select(
        cf.c.repository, cf.c.tool, cf.c.rule, checker, sa.func.count(),
        sa.func.sum(cf.c.up), sa.func.sum(cf.c.down), count_if(cf.c.ignored.is_(True)),
        count_if(cf.c.resolved.is_(True)), count_if(cf.c.fixed.is_(True)),
        count_if(rejected), count_if(accepted),
        sa.func.count(sa.distinct(sa.case((rejected, cf.c.number)))),
    ).group_by(cf.c.repository, cf.c.tool, cf.c.rule, *([cf.c.checker] if by_checker else []))
    if repository is not None:
        query = query.where(cf.c.repository == repository)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    stats = [RuleStats(*row[:4], *(int(v or 0) for v in row[4:])) for row in rows]
    return sorted(stats, key=lambda s: (-s.rejected, s.repository, s.key))


def suppressed_rules(engine: Engine, repository: str) -> dict[str, str]:
    """The rules this repository keeps rejecting: `tool:rule` -> why."""
    return {s.key: s.why_suppressed() for s in rule_stats(engine, repository, by_checker=False)
            if s.suppressed}
