"""What the operator's page shows, read from the store (sync; run in a thread). Every query
is bounded (recent rows by an indexed time column, with a LIMIT) so a page refreshed every
second costs intake nothing measurable (bench/intake --ops)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.jobs.queue import DEAD, DONE, PENDING, RUNNING, JobQueue
from bot.store.feedback import RuleStats, rule_stats
from bot.store.tables import deliveries, jobs, llm_calls, review_runs

DAY = 86_400.0
HOUR = 3_600.0
ROWS = 20  # per list on the page
MAX_LATENCY_ROWS = 5_000  # finished jobs read for the percentiles
MAX_CALL_ROWS = 20_000  # model calls read for the 30 days' costs
DAYS = 30


@dataclass(frozen=True)
class Latency:
    jobs: int
    p50: float | None
    p95: float | None


@dataclass
class OpsView:
    now: float
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    job_counts: dict[str, int] = field(default_factory=dict)
    troubled: list[dict[str, Any]] = field(default_factory=list)  # dead, or failing
    overdue_leases: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    latency: dict[str, Latency] = field(default_factory=dict)  # "1 h", "24 h"
    latency_points: list[tuple[float, float]] = field(default_factory=list)  # 24 h
    reviews_per_day: list[tuple[str, float]] = field(default_factory=list)
    cost_per_day: list[tuple[str, float]] = field(default_factory=list)
    cost_by_repo: list[tuple[str, float, float]] = field(default_factory=list)  # 30 d, today
    cost_today: float = 0.0
    feedback: list[RuleStats] = field(default_factory=list)


def day_of(at: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(at))


def load_view(engine: Engine, queue: JobQueue, now: float | None = None) -> OpsView:
    at = time.time() if now is None else now
    view = OpsView(now=at, job_counts=queue.counts())
    start_today = at - at % DAY
    since = start_today - (DAYS - 1) * DAY
    with engine.connect() as conn:
        view.deliveries = [dict(r._mapping) for r in conn.execute(
            sa.select(deliveries.c.delivery_id, deliveries.c.event, deliveries.c.action,
                      deliveries.c.repository, deliveries.c.outcome, deliveries.c.received_at)
            .order_by(deliveries.c.received_at.desc()).limit(ROWS))]
        view.troubled = [dict(r._mapping) for r in conn.execute(
            sa.select(jobs.c.id, jobs.c.kind, jobs.c.state, jobs.c.attempts,
                      jobs.c.max_attempts, jobs.c.last_error, jobs.c.run_at, jobs.c.finished_at)
            .where(sa.or_(jobs.c.state == DEAD, sa.and_(jobs.c.state == PENDING,
                                                        jobs.c.last_error.is_not(None))))
            .order_by(jobs.c.id.desc()).limit(ROWS))]
        view.overdue_leases = [dict(r._mapping) for r in conn.execute(
            sa.select(jobs.c.id, jobs.c.kind, jobs.c.worker_id, jobs.c.lease_until)
            .where(jobs.c.state == RUNNING, jobs.c.lease_until < at)
            .order_by(jobs.c.lease_until).limit(ROWS))]
        view.reviews = _reviews(conn)
        view.latency, view.latency_points = _latency(conn, at)
        per_day = {day_of(since + i * DAY): 0.0 for i in range(DAYS)}
        for (created,) in conn.execute(sa.select(review_runs.c.created_at)
                                       .where(review_runs.c.created_at >= since)
                                       .limit(MAX_CALL_ROWS)):
            per_day[day_of(created)] = per_day.get(day_of(created), 0.0) + 1
        view.reviews_per_day = sorted(per_day.items())
        cost = {day: 0.0 for day in per_day}
        by_repo: dict[str, list[float]] = {}
        for repo, created, usd in conn.execute(
                sa.select(llm_calls.c.repository, llm_calls.c.created_at, llm_calls.c.cost_usd)
                .where(llm_calls.c.created_at >= since).limit(MAX_CALL_ROWS)):
            cost[day_of(created)] = cost.get(day_of(created), 0.0) + float(usd)
            totals = by_repo.setdefault(str(repo), [0.0, 0.0])
            totals[0] += float(usd)
            if created >= start_today:
                totals[1] += float(usd)
                view.cost_today += float(usd)
        view.cost_per_day = sorted(cost.items())
        view.cost_by_repo = sorted(((r, t[0], t[1]) for r, t in by_repo.items()),
                                   key=lambda row: -row[1])[:ROWS]
    view.feedback = rule_stats(engine, by_checker=False)[:ROWS]
    return view


def _reviews(conn: sa.Connection) -> list[dict[str, Any]]:
    rows = [dict(r._mapping) for r in conn.execute(
        sa.select(review_runs.c.repository, review_runs.c.number, review_runs.c.head_sha,
                  review_runs.c.findings, review_runs.c.fingerprints,
                  review_runs.c.check_completed, review_runs.c.conclusion,
                  review_runs.c.created_at)
        .order_by(review_runs.c.created_at.desc()).limit(ROWS))]
    for row in rows:
        calls, usd = conn.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(llm_calls.c.cost_usd), 0.0))
            .where(llm_calls.c.repository == row["repository"],
                   llm_calls.c.number == row["number"],
                   llm_calls.c.head_sha == row["head_sha"])).one()
        row["inline"] = len(str(row.pop("fingerprints") or "").split())
        row["model_calls"], row["cost_usd"] = int(calls), float(usd)
    return rows


def _latency(conn: sa.Connection, now: float) -> tuple[dict[str, Latency],
                                                        list[tuple[float, float]]]:
    """Enqueue-to-done seconds of the jobs finished in the last 1 h and 24 h."""
    rows = conn.execute(
        sa.select(jobs.c.finished_at, jobs.c.created_at)
        .where(jobs.c.state == DONE, jobs.c.finished_at >= now - DAY)
        .order_by(jobs.c.finished_at.desc()).limit(MAX_LATENCY_ROWS)).all()
    points = [(float(f), float(f) - float(c)) for f, c in rows if f is not None]
    out = {}
    for label, window in (("1 h", HOUR), ("24 h", DAY)):
        values = sorted(s for f, s in points if f >= now - window)
        out[label] = Latency(len(values), *_percentiles(values))
    return out, sorted(points)


def _percentiles(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94]
