"""Composition helpers shared by `serve` and `worker`: settings in, parts out."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.jobs.context import JobContext
from bot.jobs.queue import JobQueue, QueuePolicy
from bot.jobs.routing import Router
from bot.jobs.worker import Retention, Worker, WorkerPool
from bot.obs.metrics import Metrics
from bot.settings import Settings
from bot.store.engine import create_engine, is_sqlite


def engine_from(settings: Settings) -> Engine:
    return create_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)


def ready_engine(settings: Settings) -> Engine:
    """The engine for `serve` and `worker`: a single-machine SQLite file migrates itself;
    PostgreSQL is migrated once per release with `reviewbot db upgrade`."""
    from bot.store.migrate import upgrade

    engine = engine_from(settings)
    if is_sqlite(engine):
        upgrade(engine)
    return engine


def queue_policy(settings: Settings) -> QueuePolicy:
    return QueuePolicy(
        max_attempts=settings.job_max_attempts,
        backoff_base=settings.job_backoff_base_seconds,
        backoff_max=settings.job_backoff_max_seconds,
    )


def build_workers(
    settings: Settings,
    queue: JobQueue,
    router: Router,
    context: JobContext,
    count: int,
    metrics: Metrics | None = None,
) -> WorkerPool:
    workers = [
        Worker(
            queue,
            router,
            context,
            lease_seconds=settings.job_lease_seconds,
            poll_seconds=settings.worker_poll_seconds,
            metrics=metrics,
            deadline_seconds=settings.job_deadline_seconds,
        )
        for _ in range(count)
    ]
    return WorkerPool(workers, grace_seconds=settings.shutdown_grace_seconds,
                      retention=Retention(settings.delivery_retention_days,
                                          settings.prune_interval_seconds))


def build_context(settings: Settings, engine: Engine) -> JobContext:
    """Handlers' shared services; GitHub only when the App identity is configured (a
    review job without it fails visibly with the reason)."""
    from bot.github.gateway import app_from_settings

    services: dict[str, object] = {}
    if settings.github_app_id is not None and (
        settings.github_private_key is not None or settings.github_private_key_path is not None
    ):
        services["github"] = app_from_settings(settings)
    return JobContext(settings=settings, engine=engine, services=services)
