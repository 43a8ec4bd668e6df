"""Record deliveries and enqueue their jobs in one transaction (the idempotency point).

Webhook requests arrive concurrently; committing each alone makes every request wait for
the ones before it (SQLite has one writer). `GroupCommitter` writes whatever requests are
waiting in one transaction, so a burst costs one commit, and each request is acknowledged
only after the commit that holds its delivery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import anyio
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from bot.core.delivery import Delivery
from bot.jobs.queue import JobQueue
from bot.jobs.routing import JobSpec
from bot.store.tables import deliveries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntakeResult:
    duplicate: bool
    job_ids: tuple[int, ...]


@dataclass(frozen=True)
class IntakeItem:
    delivery: Delivery
    outcome: str
    specs: tuple[JobSpec, ...]


def plan_delivery(
    delivery: Delivery, router_plan: Sequence[JobSpec], *, own_event: bool,
    problem: str | None = None,
) -> tuple[str, list[JobSpec]]:
    """The outcome label recorded for a delivery and the jobs it creates (pure). A payload
    missing what its handler needs is recorded as `invalid`: a job would only fail."""
    if delivery.event == "ping":
        return "pong", []
    if own_event:
        return "ignored_own", []
    if problem is not None and not router_plan:
        return "invalid", []
    if not router_plan:
        return "unrouted", []
    return "queued", list(router_plan)


def record_delivery(
    engine: Engine,
    queue: JobQueue,
    delivery: Delivery,
    *,
    outcome: str,
    specs: Sequence[JobSpec],
) -> IntakeResult:
    """A redelivery (same X-GitHub-Delivery) is acknowledged and creates nothing new."""
    with engine.begin() as conn:
        return _record_many_in(conn, queue, [IntakeItem(delivery, outcome, tuple(specs))])[0]


def _record_many_in(
    conn: Connection, queue: JobQueue, items: Sequence[IntakeItem]
) -> list[IntakeResult]:
    """Every item with a handful of statements in all (not a handful per item); a delivery id
    seen before, or twice in the batch, is a duplicate and creates nothing."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    now = queue.clock()
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        first.setdefault(item.delivery.delivery_id, i)
    rows = [
        {"delivery_id": d.delivery_id, "event": d.event, "action": d.action,
         "installation_id": d.installation_id, "repository": d.repository,
         "sender": d.sender_login, "outcome": items[i].outcome, "received_at": now,
         "payload": d.body}
        for i in sorted(first.values()) for d in (items[i].delivery,)
    ]
    # executemany form: one cached statement whatever the batch size (a multi-row VALUES
    # clause is compiled anew for every batch and cost more than the insert itself).
    stmt = (insert(deliveries)
            .on_conflict_do_nothing(index_elements=["delivery_id"])
            .returning(deliveries.c.delivery_id))
    inserted = {r[0] for r in conn.execute(stmt, rows)}
    fresh = [i for i in sorted(first.values()) if items[i].delivery.delivery_id in inserted]
    pairs = [(items[i].delivery.delivery_id, spec) for i in fresh for spec in items[i].specs]
    job_ids = iter(queue.enqueue_many_in(conn, pairs))
    ids_of = {i: tuple(next(job_ids) for _ in items[i].specs) for i in fresh}
    return [IntakeResult(duplicate=False, job_ids=ids_of[i]) if i in ids_of
            else IntakeResult(duplicate=True, job_ids=()) for i in range(len(items))]


def record_batch(
    engine: Engine, queue: JobQueue, items: Sequence[IntakeItem]
) -> list[IntakeResult | Exception]:
    """All items in one transaction; if that fails for any reason (a database error, or a
    value the driver cannot encode), each alone, so one bad item cannot make the others
    fail: each gets its own result or its own error."""
    try:
        with engine.begin() as conn:
            return list(_record_many_in(conn, queue, items))
    except Exception as exc:  # noqa: BLE001 - retried item by item below, errors returned
        if len(items) == 1:
            return [exc]
        log.warning("batched intake failed; retrying one by one", extra={"error": repr(exc)})
    results: list[IntakeResult | Exception] = []
    for item in items:
        try:
            with engine.begin() as conn:
                results.append(_record_many_in(conn, queue, [item])[0])
        except Exception as exc:  # noqa: BLE001 - not swallowed: handed to that item's request
            results.append(exc)
    return results


class GroupCommitter:
    """Funnels concurrent intake requests of one event loop into shared transactions."""

    def __init__(self, engine: Engine, queue: JobQueue, max_batch: int = 64,
                 on_jobs: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.queue = queue
        self.max_batch = max_batch
        self.on_jobs = on_jobs  # e.g. wake the in-process workers
        self._waiting: list[tuple[IntakeItem, asyncio.Future[IntakeResult]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, item: IntakeItem) -> IntakeResult:
        future: asyncio.Future[IntakeResult] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            batch = self._waiting[: self.max_batch]
            del self._waiting[: self.max_batch]
            try:
                results = await anyio.to_thread.run_sync(
                    record_batch, self.engine, self.queue, [item for item, _ in batch]
                )
            except Exception as exc:  # noqa: BLE001 - not swallowed: every waiting request gets it
                results = [exc] * len(batch)
            if self.on_jobs is not None and any(
                    isinstance(r, IntakeResult) and r.job_ids for r in results):
                self.on_jobs()
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
