"""Every outbound call has a deadline and every job an overall one; a job that can never
succeed is failed at once."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.core.delivery import parse_delivery
from bot.github.gateway import GitHubApp
from bot.github.transport import Connection
from bot.handlers.table import build_router
from bot.jobs.context import ClaimedJob, Services
from bot.jobs.queue import JobQueue
from bot.jobs.routing import JobSpec, Router
from bot.jobs.worker import Worker, WorkerTimings
from bot.store.tables import jobs
from bot.web.app import create_app
from bot.web.intake import record_delivery
from tests.conftest import make_settings, payload_bytes
from tests.fakegithub import make_key
from tests.github_world import APP_ID, pr_event


@pytest.fixture
def silent_github() -> Iterator[str]:
    """Accepts connections, reads what comes, never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    listener.close()


def job_row(engine: Engine) -> sa.Row:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return conn.execute(sa.select(jobs)).one()


def enqueue(engine: Engine, body: bytes, event: str, router: Router,
            specs: list[JobSpec] | None = None) -> JobQueue:
    queue = JobQueue(engine)
    delivery = parse_delivery({"x-github-event": event, "x-github-delivery": "dl-1"}, body)
    record_delivery(engine, queue, delivery, outcome="queued",
                    specs=router.plan(delivery) if specs is None else specs)
    return queue


async def run_one(worker: Worker, queue: JobQueue) -> float:
    job = queue.claim(worker.worker_id, 60)
    assert job is not None
    started = time.monotonic()
    await worker.process(job)
    return time.monotonic() - started


async def test_a_silent_github_fails_the_job_instead_of_hanging(
        sqlite_engine: Engine, silent_github: str) -> None:
    pem, _ = make_key()
    github = GitHubApp(app_id=APP_ID, private_key=pem,
                       connection=Connection(silent_github, timeout=1.0))
    settings = make_settings(GITHUB_APP_ID=APP_ID, GITHUB_PRIVATE_KEY=pem)
    router = build_router()
    queue = enqueue(sqlite_engine, pr_event(7, "a" * 40), "pull_request", router)
    worker = Worker(queue, router, Services(settings, sqlite_engine, github=github),
                    WorkerTimings(60, 0.05))
    took = await run_one(worker, queue)
    row = job_row(sqlite_engine)
    assert took < 10  # the installation-token request itself timed out
    assert row.state == "pending" and row.attempts == 1  # retried later, with backoff
    assert "GitHubError" in row.last_error


async def test_a_job_past_its_deadline_is_stopped_and_retried(sqlite_engine: Engine) -> None:
    async def hangs(_ctx: Services, _job: ClaimedJob) -> None:
        await asyncio.sleep(3600)

    router = Router()
    router.add("pull_request", None, "hang", hangs)
    queue = enqueue(sqlite_engine, pr_event(7, "a" * 40), "pull_request", router)
    worker = Worker(queue, router, Services(make_settings(), sqlite_engine),
                    WorkerTimings(60, 0.05, 0.5))
    took = await run_one(worker, queue)
    row = job_row(sqlite_engine)
    assert took < 5
    assert row.state == "pending" and "deadline of 0.5 s" in row.last_error
    assert "JobDeadlineExceeded" in row.last_error


async def test_a_malformed_payload_fails_at_once(sqlite_engine: Engine) -> None:
    """A job queued without the intake's check (say, before an upgrade) is dead after one
    attempt with the reason, not five KeyErrors later."""
    data = json.loads(pr_event(7, "a" * 40))
    del data["installation"]
    router = build_router()
    queue = enqueue(sqlite_engine, json.dumps(data).encode(), "pull_request", router,
                    specs=[JobSpec("review.pull_request")])
    worker = Worker(queue, router, Services(make_settings(), sqlite_engine),
                    WorkerTimings(60, 0.05))
    await run_one(worker, queue)
    row = job_row(sqlite_engine)
    assert row.state == "dead" and row.attempts == 1
    assert "installation" in row.last_error


async def test_healthz_reports_jobs_past_their_deadline(sqlite_engine: Engine) -> None:
    router = build_router()
    queue = enqueue(sqlite_engine, payload_bytes("pull_request.opened"), "pull_request", router)
    queue.claim("stuck-worker", 10_000)
    with sqlite_engine.begin() as conn:
        conn.execute(jobs.update().values(started_at=time.time() - 7200))
    app = create_app(make_settings(REVIEWBOT_JOB_DEADLINE=600), engine=sqlite_engine,
                     router=router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://t") as client:
        health = (await client.get("/healthz")).json()
    assert health["jobs_overdue"] == 1 and health["status"] == "degraded"
