"""Workers in-process: handlers, retries, rescheduling, lease loss and graceful shutdown."""

from __future__ import annotations

import asyncio
import json

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.core.delivery import parse_delivery
from bot.errors import RetryLater
from bot.handlers.table import build_router
from bot.jobs.context import ClaimedJob, Services
from bot.jobs.queue import DEAD, DONE, PENDING, JobQueue, QueuePolicy
from bot.jobs.routing import JobSpec, Router
from bot.jobs.worker import Worker, WorkerPool, WorkerTimings
from bot.store import installations as inst_store
from bot.store.tables import jobs
from bot.web.intake import record_delivery
from tests.conftest import make_settings, payload_bytes


def worker_for(engine: Engine, router: Router, lease: float = 30,
               policy: QueuePolicy | None = None) -> tuple[Worker, JobQueue]:
    queue = JobQueue(engine, policy or QueuePolicy(max_attempts=2, backoff_base=0, backoff_max=0))
    ctx = Services(settings=make_settings(), engine=engine)
    return Worker(queue, router, ctx, WorkerTimings(lease, 0.01)), queue


def job_row(engine: Engine, job_id: int) -> sa.Row:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).one()


async def run_one(worker: Worker, queue: JobQueue) -> None:
    job = queue.claim(worker.worker_id, worker.lease_seconds)
    assert job is not None
    await worker.process(job)


async def test_failing_handler_is_retried_then_dead(sqlite_engine: Engine) -> None:
    calls: list[int] = []

    async def boom(_ctx: Services, job: ClaimedJob) -> None:
        calls.append(job.attempts)
        raise ValueError("handler bug")

    router = Router()
    router.add("x", None, "boom", boom)
    worker, queue = worker_for(sqlite_engine, router)
    job_id = queue.enqueue(JobSpec("boom"))
    await run_one(worker, queue)
    assert job_row(sqlite_engine, job_id).state == PENDING
    await run_one(worker, queue)
    row = job_row(sqlite_engine, job_id)
    assert calls == [1, 2] and row.state == DEAD and "handler bug" in row.last_error


async def test_retry_later_reschedules_without_spending_an_attempt(sqlite_engine: Engine) -> None:
    async def limited(_ctx: Services, _job: ClaimedJob) -> None:
        raise RetryLater("secondary rate limit", delay=120)

    router = Router()
    router.add("x", None, "limited", limited)
    worker, queue = worker_for(sqlite_engine, router)
    job_id = queue.enqueue(JobSpec("limited"))
    await run_one(worker, queue)
    row = job_row(sqlite_engine, job_id)
    assert row.state == PENDING and row.attempts == 0 and row.run_at > row.created_at + 100


async def test_unknown_kind_fails_visibly(sqlite_engine: Engine) -> None:
    worker, queue = worker_for(sqlite_engine, Router())
    job_id = queue.enqueue(JobSpec("nobody-handles-this"))
    await run_one(worker, queue)
    assert "no handler" in job_row(sqlite_engine, job_id).last_error


async def test_lost_lease_cancels_the_handler(sqlite_engine: Engine) -> None:
    cancelled = asyncio.Event()

    async def slow(_ctx: Services, _job: ClaimedJob) -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    router = Router()
    router.add("x", None, "slow", slow)
    worker, queue = worker_for(sqlite_engine, router, lease=0.3)
    job_id = queue.enqueue(JobSpec("slow"))
    job = queue.claim(worker.worker_id, 0.3)
    assert job is not None
    with sqlite_engine.begin() as conn:  # another worker took it over
        conn.execute(jobs.update().where(jobs.c.id == job_id).values(claim_token="stolen"))
    await asyncio.wait_for(worker.process(job), timeout=5)
    assert cancelled.is_set()


async def test_graceful_shutdown_finishes_or_releases(sqlite_engine: Engine) -> None:
    started = asyncio.Event()

    async def long(_ctx: Services, job: ClaimedJob) -> None:
        started.set()
        await asyncio.sleep(float(job.payload["sleep"]))

    router = Router()
    router.add("x", None, "long", long)
    worker, queue = worker_for(sqlite_engine, router)
    quick = queue.enqueue(JobSpec("long", args={"sleep": 0.1}))
    pool = WorkerPool([worker], grace_seconds=2)
    pool.start()
    await asyncio.wait_for(started.wait(), 5)
    await pool.stop()  # within the grace period: the job finishes
    assert job_row(sqlite_engine, quick).state == DONE

    started.clear()
    stuck = queue.enqueue(JobSpec("long", args={"sleep": 60}))
    pool = WorkerPool([worker], grace_seconds=0.2)
    pool.start()
    await asyncio.wait_for(started.wait(), 5)
    await pool.stop()  # past the grace period: given back, attempt refunded
    row = job_row(sqlite_engine, stuck)
    assert row.state == PENDING and row.attempts == 0 and row.claim_token is None


async def test_installation_events_keep_the_table_current(sqlite_engine: Engine) -> None:
    worker, queue = worker_for(sqlite_engine, build_router())
    router = build_router()

    async def deliver(name: str, event: str, delivery_id: str) -> None:
        body = payload_bytes(name)
        d = parse_delivery({"x-github-event": event, "x-github-delivery": delivery_id}, body)
        record_delivery(sqlite_engine, queue, d, outcome="queued", specs=router.plan(d))
        await run_one(worker, queue)

    await deliver("installation.created", "installation", "i1")
    created = json.loads(payload_bytes("installation.created"))
    inst_id = created["installation"]["id"]
    row = inst_store.get_installation(sqlite_engine, inst_id)
    assert row is not None and row["active"]
    assert row["account_login"] == created["installation"]["account"]["login"]
    assert inst_store.repositories_of(sqlite_engine, inst_id) == sorted(
        r["full_name"] for r in created["repositories"])

    await deliver("installation_repositories.added", "installation_repositories", "i2")
    added = json.loads(payload_bytes("installation_repositories.added"))
    names = inst_store.repositories_of(sqlite_engine, added["installation"]["id"])
    for repo in added["repositories_added"]:
        assert repo["full_name"] in names

    await deliver("installation_repositories.removed", "installation_repositories", "i3")
    removed = json.loads(payload_bytes("installation_repositories.removed"))
    names = inst_store.repositories_of(sqlite_engine, removed["installation"]["id"])
    for repo in removed["repositories_removed"]:
        assert repo["full_name"] not in names

    await deliver("installation.suspend", "installation", "i4")
    suspended = json.loads(payload_bytes("installation.suspend"))
    row = inst_store.get_installation(sqlite_engine, suspended["installation"]["id"])
    assert row is not None and row["suspended"]

    await deliver("installation.deleted", "installation", "i5")
    deleted_id = json.loads(payload_bytes("installation.deleted"))["installation"]["id"]
    row = inst_store.get_installation(sqlite_engine, deleted_id)
    assert row is not None and not row["active"]
    assert inst_store.repositories_of(sqlite_engine, deleted_id) == []


async def test_in_process_workers_wake_on_enqueue_not_on_the_next_poll(
        sqlite_engine: Engine) -> None:
    import httpx

    from bot.web.app import WEBHOOK_PATH, create_app
    from bot.web.replay import github_headers
    from tests.conftest import SECRET

    settings = make_settings(REVIEWBOT_POLL_SECONDS=60)  # polling alone would take a minute
    app = create_app(settings, engine=sqlite_engine, router=build_router(), workers=1)
    body = payload_bytes("installation.created")
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.post(WEBHOOK_PATH, content=body, headers=github_headers(
            SECRET.encode(), body, "installation", "w1"))
        assert r.status_code == 202
        for _ in range(250):
            if JobQueue(sqlite_engine).counts()["done"] == 1:
                break
            await asyncio.sleep(0.02)
    assert JobQueue(sqlite_engine).counts()["done"] == 1


async def test_serves_lifespan_closes_every_client_it_was_given(sqlite_engine: Engine) -> None:
    """GitHub's pool, the model client and the embeddings client: none left open."""
    from bot.app import build_services
    from bot.web.app import create_app

    settings = make_settings(OPENAI_BASE_URL="http://model.test/v1",
                             REVIEWBOT_EMBEDDINGS_MODEL="nomic-embed-text")
    services = build_services(settings, engine=sqlite_engine)
    assert services.llm is not None and services.embedder is not None
    app = create_app(settings, engine=sqlite_engine, router=build_router(),
                     context=services)
    async with app.router.lifespan_context(app):
        assert not services.llm.sdk.is_closed() and not services.embedder.sdk.is_closed()
    assert services.llm.sdk.is_closed() and services.embedder.sdk.is_closed()
