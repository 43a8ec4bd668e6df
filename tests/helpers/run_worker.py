"""A worker process for the crash and scale-out tests.

Its one job kind, `test.record`, writes a row to `test_runs` per execution (so a test can
count how often each job ran) and then sleeps `args.sleep` seconds, or for ever on its
first attempt when `args.hang_first` is set (the test SIGKILLs the process meanwhile).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time

import anyio
import sqlalchemy as sa

from bot.jobs.context import ClaimedJob, Services
from bot.jobs.queue import JobQueue, QueuePolicy
from bot.jobs.routing import Router
from bot.jobs.worker import Worker, WorkerPool, WorkerTimings
from bot.settings import Settings
from bot.store.engine import create_engine

test_runs = sa.Table(
    "test_runs",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_id", sa.Integer, nullable=False),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("worker", sa.String(128), nullable=False),
)


def make_handler(worker_name: str):  # type: ignore[no-untyped-def]
    async def record(ctx: Services, job: ClaimedJob) -> None:
        def write(event: str) -> None:
            with ctx.engine.begin() as conn:
                conn.execute(test_runs.insert().values(job_id=job.id, event=event,
                                                       worker=worker_name))

        await anyio.to_thread.run_sync(write, "start")
        if job.payload.get("hang_first") and job.attempts == 1:
            await asyncio.sleep(3600)
        await asyncio.sleep(float(job.payload.get("sleep", 0)))
        await anyio.to_thread.run_sync(write, "end")

    return record


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--lease", type=float, default=30)
    parser.add_argument("--exit-when-idle", type=float, default=0,
                        help="stop after this many seconds with an empty queue")
    args = parser.parse_args()

    engine = create_engine(args.url)
    test_runs.create(engine, checkfirst=True)
    router = Router()
    router.add("test", None, "test.record", make_handler(args.name))
    queue = JobQueue(engine, QueuePolicy(max_attempts=5, backoff_base=0.1, backoff_max=1))
    settings = Settings(GITHUB_WEBHOOK_SECRET="x")
    context = Services(settings=settings, engine=engine)
    workers = [Worker(queue, router, context, WorkerTimings(args.lease, 0.05),
                      worker_id=f"{args.name}-{i}") for i in range(args.concurrency)]
    pool = WorkerPool(workers, grace_seconds=5)

    async def watch_idle() -> None:
        idle_since = time.monotonic()
        while not pool.stop_event.is_set():
            counts = await anyio.to_thread.run_sync(queue.counts)
            if counts["pending"] or counts["running"]:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > args.exit_when_idle:
                pool.stop_event.set()
            await asyncio.sleep(0.1)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, pool.stop_event.set)
        print("ready", flush=True)
        if args.exit_when_idle:
            watcher = asyncio.create_task(watch_idle())
        await pool.run_until_stopped()
        if args.exit_when_idle:
            await watcher

    asyncio.run(run())


if __name__ == "__main__":
    main()
