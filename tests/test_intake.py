"""Group commit: concurrent deliveries share transactions without losing their identity."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.core.delivery import parse_delivery
from bot.jobs.queue import JobQueue
from bot.jobs.routing import JobSpec
from bot.store.tables import deliveries, jobs
from bot.web.intake import GroupCommitter, IntakeItem, IntakeResult


def item(delivery_id: str, key: str | None = None) -> IntakeItem:
    d = parse_delivery({"x-github-event": "pull_request", "x-github-delivery": delivery_id},
                       b'{"action": "opened"}')
    return IntakeItem(d, "queued", (JobSpec("review", coalesce_key=key),))


async def test_concurrent_deliveries_each_get_their_own_result(engine: Engine) -> None:
    committer = GroupCommitter(engine, JobQueue(engine))
    items = [item(f"d{i}") for i in range(50)] + [item("d7"), item("d7")]
    results = await asyncio.gather(*(committer.record(i) for i in items))
    assert sum(not r.duplicate for r in results) == 50
    assert [r.duplicate for r in results[-2:]] == [True, True]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(deliveries)).scalar() == 50
        assert conn.execute(sa.select(sa.func.count()).select_from(jobs)).scalar() == 50


async def test_one_bad_item_does_not_fail_the_others(engine: Engine) -> None:
    committer = GroupCommitter(engine, JobQueue(engine))
    too_long_kind = IntakeItem(item("bad").delivery, "queued", (JobSpec("x" * 10),))
    # NOT NULL on jobs.kind is violated by None: a real database error, for one item only.
    broken = IntakeItem(item("broken").delivery, "queued", (JobSpec(None),))  # type: ignore[arg-type]
    outcomes = await asyncio.gather(
        committer.record(item("ok-1")), committer.record(broken),
        committer.record(too_long_kind), return_exceptions=True)
    assert isinstance(outcomes[0], IntakeResult) and not outcomes[0].duplicate
    assert isinstance(outcomes[1], sa.exc.IntegrityError)
    assert isinstance(outcomes[2], IntakeResult)
    with engine.connect() as conn:
        ids = {r[0] for r in conn.execute(sa.select(deliveries.c.delivery_id))}
    assert ids == {"ok-1", "bad"}  # the failed one left nothing behind


async def test_pushes_to_one_pr_in_one_batch_leave_one_pending(engine: Engine) -> None:
    committer = GroupCommitter(engine, JobQueue(engine))
    await committer.record(item("before", key="review:o/r#1"))
    results = await asyncio.gather(*(committer.record(item(f"push{i}", key="review:o/r#1"))
                                     for i in range(5)))
    assert all(len(r.job_ids) == 1 for r in results)
    with engine.connect() as conn:
        states = dict(conn.execute(sa.select(jobs.c.delivery_id, jobs.c.state)).all())
    assert states == {"before": "superseded", "push0": "superseded", "push1": "superseded",
                      "push2": "superseded", "push3": "superseded", "push4": "pending"}
