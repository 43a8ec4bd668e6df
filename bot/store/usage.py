"""Model calls stored, summed for budgets and reports; the exact answer cache."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bot.core.usage import CallRecord
from bot.store.tables import llm_cache, llm_calls

DAY = 86400.0


@dataclass(frozen=True)
class CallScope:
    repository: str
    number: int | None = None
    head_sha: str | None = None
    installation_id: int | None = None


def record_calls(engine: Engine, scope: CallScope, calls: Sequence[CallRecord],
                 now: float | None = None) -> None:
    if not calls:
        return
    at = time.time() if now is None else now
    with engine.begin() as conn:
        conn.execute(llm_calls.insert(), [{
            "repository": scope.repository, "number": scope.number, "head_sha": scope.head_sha,
            "installation_id": scope.installation_id, "purpose": c.purpose[:64],
            "model": c.model[:128], "prompt_tokens": c.prompt_tokens,
            "completion_tokens": c.completion_tokens, "cached_tokens": c.cached_tokens,
            "latency_seconds": c.latency_seconds, "cost_usd": c.cost_usd, "ok": c.ok,
            "cache_hit": c.cache_hit, "created_at": at} for c in calls])


def spent_on_pull(engine: Engine, repository: str, number: int) -> float:
    with engine.connect() as conn:
        return float(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(llm_calls.c.cost_usd),
                                                             0.0))
                                  .where(llm_calls.c.repository == repository,
                                         llm_calls.c.number == number)).scalar_one())


def spent_by_installation_today(engine: Engine, installation_id: int,
                                now: float | None = None) -> float:
    at = time.time() if now is None else now
    start = at - at % DAY  # the current UTC day
    with engine.connect() as conn:
        return float(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(llm_calls.c.cost_usd),
                                                             0.0))
                                  .where(llm_calls.c.installation_id == installation_id,
                                         llm_calls.c.created_at >= start)).scalar_one())


@dataclass(frozen=True)
class UsageRow:
    day: str
    repository: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cache_hits: int
    cost_usd: float


def usage_report(engine: Engine, *, repository: str | None = None, days: int = 30,
                 now: float | None = None) -> list[UsageRow]:
    at = time.time() if now is None else now
    since = at - at % DAY - (days - 1) * DAY
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(llm_calls).where(llm_calls.c.created_at >= since,
                                       *([llm_calls.c.repository == repository]
                                         if repository else []))).all()
    totals: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        day = time.strftime("%Y-%m-%d", time.gmtime(r.created_at))
        t = totals.setdefault((day, r.repository), [0, 0, 0, 0, 0.0])
        t[0] += 1
        t[1] += r.prompt_tokens
        t[2] += r.completion_tokens
        t[3] += int(r.cache_hit)
        t[4] += r.cost_usd
    return [UsageRow(day, repo, int(t[0]), int(t[1]), int(t[2]), int(t[3]), round(t[4], 6))
            for (day, repo), t in sorted(totals.items())]


def totals_by_model(engine: Engine) -> dict[str, tuple[int, int, int, float]]:
    """model -> (calls, prompt tokens, completion tokens, cost), for /metrics."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(
            llm_calls.c.model, sa.func.count(), sa.func.sum(llm_calls.c.prompt_tokens),
            sa.func.sum(llm_calls.c.completion_tokens), sa.func.sum(llm_calls.c.cost_usd),
        ).group_by(llm_calls.c.model)).all()
    return {str(m): (int(n), int(p or 0), int(c or 0), float(cost or 0.0))
            for m, n, p, c, cost in rows}


class StoreCache:
    """The exact answer cache in the database (shared by every worker)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(llm_cache.c.answer)
                                 .where(llm_cache.c.key == key)).scalar_one_or_none()
        return str(value) if value is not None else None

    def put(self, key: str, model: str, answer: str) -> None:
        with self.engine.begin() as conn:
            insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            # Another worker may have stored the same answer first: keep theirs.
            conn.execute(insert(llm_cache).values(key=key, model=model[:128], answer=answer,
                                                  created_at=time.time())
                         .on_conflict_do_nothing(index_elements=["key"]))
