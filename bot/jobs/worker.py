"""Workers: claim a job, run its handler under a heartbeat, record the result."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass

import anyio
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import JobDeadlineExceeded, RetryLater, is_permanent
from bot.jobs.context import ClaimedJob, Services
from bot.jobs.queue import JobQueue
from bot.jobs.routing import Router
from bot.obs.logs import delivery_id_var, job_id_var
from bot.obs.metrics import Metrics
from bot.store.retention import prune

log = logging.getLogger(__name__)


def make_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class WorkerTimings:
    """How long a claim lasts without a heartbeat, how often an idle worker polls, and how
    long one job may run."""

    lease_seconds: float
    poll_seconds: float
    deadline_seconds: float = 900.0


class Worker:
    def __init__(self, queue: JobQueue, router: Router, context: Services,
                 timings: WorkerTimings, *, metrics: Metrics | None = None,
                 worker_id: str | None = None) -> None:
        self.queue = queue
        self.router = router
        self.context = context
        self.lease_seconds = timings.lease_seconds
        self.poll_seconds = timings.poll_seconds
        self.metrics = metrics
        self.worker_id = worker_id or make_worker_id()
        self.deadline_seconds = timings.deadline_seconds

    async def run(self, stop: asyncio.Event, wake: asyncio.Event | None = None) -> None:
        """Claim and run jobs until `stop` is set; the job in hand is finished first.
        Between polls it sleeps until `wake` is set (new jobs were enqueued here)."""
        while not stop.is_set():
            try:
                job = await anyio.to_thread.run_sync(
                    self.queue.claim, self.worker_id, self.lease_seconds
                )
            except Exception:
                # The database may be briefly unreachable: log it and poll again.
                log.exception("claiming a job failed")
                job = None
            if job is None:
                await self._idle(stop, wake)
                continue
            await self.process(job)

    async def _idle(self, stop: asyncio.Event, wake: asyncio.Event | None) -> None:
        waiters = [asyncio.ensure_future(stop.wait())]
        if wake is not None:
            waiters.append(asyncio.ensure_future(wake.wait()))
        try:
            await asyncio.wait(waiters, timeout=self.poll_seconds,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if wake is not None:
            wake.clear()

    async def process(self, job: ClaimedJob) -> None:
        delivery_token = delivery_id_var.set(job.delivery_id)
        job_token = job_id_var.set(job.id)
        started = time.perf_counter()
        result = "error"
        try:
            result = await self._run_with_heartbeat(job)
        finally:
            if self.metrics is not None:
                self.metrics.job_seconds.labels(job.kind, result).observe(
                    time.perf_counter() - started
                )
            delivery_id_var.reset(delivery_token)
            job_id_var.reset(job_token)

    async def _run_with_heartbeat(self, job: ClaimedJob) -> str:
        handler = self.router.handler_for(job.kind)
        if handler is None:
            await anyio.to_thread.run_sync(self.queue.fail, job, f"no handler for {job.kind!r}")
            log.error("no handler for job kind", extra={"kind": job.kind})
            return "no_handler"
        task: asyncio.Task[None] = asyncio.ensure_future(
            self._within_deadline(handler(self.context, job)))
        beat = asyncio.create_task(self._heartbeat(job, task))
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done():
                # Our own cancellation (shutdown past its grace): give the job back.
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await anyio.to_thread.run_sync(self.queue.release, job)
                log.warning("job released on shutdown", extra={"kind": job.kind})
                raise
            # The heartbeat cancelled the handler: the lease went to another worker.
            log.warning("lease lost; abandoning job", extra={"kind": job.kind})
            return "lease_lost"
        except RetryLater as exc:
            state = await anyio.to_thread.run_sync(self.queue.reschedule, job, exc.delay, str(exc))
            log.info("job rescheduled", extra={"kind": job.kind, "delay": exc.delay, "to": state})
            return "rescheduled"
        except Exception as exc:
            permanent, error = is_permanent(exc), repr(exc)
            state = await anyio.to_thread.run_sync(
                lambda: self.queue.fail(job, error, permanent=permanent))
            log.exception("job failed", extra={"kind": job.kind, "state": state,
                                               "permanent": permanent})
            return "failed"
        finally:
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)
        if not await anyio.to_thread.run_sync(self.queue.complete, job):
            log.warning("job finished after its lease was lost", extra={"kind": job.kind})
            return "lease_lost"
        log.info("job done", extra={"kind": job.kind, "attempt": job.attempts})
        return "done"

    async def _within_deadline(self, work: Awaitable[None]) -> None:
        """The job's overall deadline: past it the handler is cancelled (its linters' process
        groups die with it) and the job fails, to be retried, instead of heartbeating for
        ever behind a silent peer."""
        try:
            async with asyncio.timeout(self.deadline_seconds) as scope:
                await work
        except TimeoutError as exc:
            if scope.expired():
                raise JobDeadlineExceeded(
                    f"job ran past its deadline of {self.deadline_seconds:g} s") from exc
            raise

    async def _heartbeat(self, job: ClaimedJob, task: asyncio.Task[None]) -> None:
        interval = max(0.05, self.lease_seconds / 3)
        while not task.done():
            await asyncio.sleep(interval)
            try:
                owned = await anyio.to_thread.run_sync(
                    self.queue.heartbeat, job, self.lease_seconds
                )
            except Exception:
                log.exception("heartbeat failed; will retry")
                continue
            if not owned:
                task.cancel()
                return


@dataclass(frozen=True)
class Retention:
    """Delete deliveries older than `days` (0: never), every `interval` seconds."""

    days: float = 0.0
    interval: float = 3600.0


def build_pool(services: Services, router: Router, count: int,
               metrics: Metrics | None = None) -> WorkerPool:
    """`count` workers on the services' queue, as the settings say (0: none)."""
    s = services.settings
    timings = WorkerTimings(s.job_lease_seconds, s.worker_poll_seconds, s.job_deadline_seconds)
    workers = [Worker(services.queue, router, services, timings, metrics=metrics)
               for _ in range(count)]
    return WorkerPool(workers, grace_seconds=s.shutdown_grace_seconds,
                      retention=Retention(s.delivery_retention_days, s.prune_interval_seconds))


class WorkerPool:
    """N workers in one event loop; stop() lets claimed jobs finish, then releases them.
    The pool also prunes old deliveries (any process may: the deletes are idempotent)."""

    def __init__(self, workers: list[Worker], grace_seconds: float,
                 retention: Retention | None = None) -> None:
        self.workers = workers
        self.grace_seconds = grace_seconds
        self.retention = retention or Retention()
        self.stop_event = asyncio.Event()
        self.wake_event = asyncio.Event()  # set when jobs are enqueued in this process
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.tasks = [asyncio.create_task(w.run(self.stop_event, self.wake_event))
                      for w in self.workers]
        if self.workers and self.retention.days > 0:
            self.tasks.append(asyncio.create_task(self._prune_periodically()))

    async def _prune_periodically(self) -> None:
        engine = self.workers[0].queue.engine
        while not self.stop_event.is_set():
            before = time.time() - self.retention.days * 86400
            try:
                deleted = await anyio.to_thread.run_sync(functools.partial(
                    prune, engine, before=before))
            except SQLAlchemyError:
                log.exception("pruning old deliveries failed; will try again")
            else:
                if deleted:
                    log.info("old deliveries pruned", extra={"deliveries": deleted})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), self.retention.interval)

    async def stop(self) -> None:
        self.stop_event.set()
        if not self.tasks:
            return
        _, pending = await asyncio.wait(self.tasks, timeout=self.grace_seconds)
        for task in pending:
            task.cancel()
        results = await asyncio.gather(*self.tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.error("worker ended with an error", exc_info=result)

    async def run_until_stopped(self) -> None:
        self.start()
        await self.stop_event.wait()
        await self.stop()
