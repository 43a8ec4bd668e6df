"""The composition root: settings in, typed services out, opened and closed in one place.

`serve` builds its services here and closes them in the web app's lifespan; `worker` and
`review` open them with `open_services`. Nothing deeper reads the environment or builds a
client of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from sqlalchemy.engine import Engine

from bot.errors import ConfigError
from bot.github.gateway import GitHubApp, app_from_settings
from bot.jobs.context import JobContext, close_clients
from bot.jobs.queue import JobQueue, QueuePolicy
from bot.jobs.routing import Router
from bot.jobs.worker import Retention, Worker, WorkerPool
from bot.llm.client import LLMClient, client_from_settings
from bot.llm.embeddings import Embedder, embedder_from_settings
from bot.obs.metrics import Metrics
from bot.settings import Settings
from bot.store.engine import create_engine, is_sqlite
from checks.linters.workspace import Runner


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


@dataclass(frozen=True)
class Services:
    """What the process shares: one engine, one GitHub App with one connection pool."""

    settings: Settings
    engine: Engine | None = None  # None for a local review, which stores nothing
    github: GitHubApp | None = None
    llm: LLMClient | None = None  # None: no endpoint configured, linters only
    embedder: Embedder | None = None  # None: no embeddings model configured

    def database(self) -> Engine:
        if self.engine is None:
            raise ConfigError("this needs the database; these services were built without one")
        return self.engine

    def job_context(self, linters: Mapping[str, Runner] | None = None) -> JobContext:
        return JobContext(settings=self.settings, engine=self.database(), github=self.github,
                          linters=linters, llm=self.llm, embedder=self.embedder)

    async def aclose(self) -> None:
        await close_clients(self.github, self.llm, self.embedder)


def github_configured(settings: Settings) -> bool:
    return settings.github_app_id is not None and (
        settings.github_private_key is not None or settings.github_private_key_path is not None)


def build_services(settings: Settings, *, engine: Engine | None = None, database: bool = True,
                   github_transport: httpx.AsyncBaseTransport | None = None) -> Services:
    """No network here: clients connect on first use. GitHub only when the App identity is
    configured (a review job without it fails visibly with the reason)."""
    github = (app_from_settings(settings, github_transport)
              if github_configured(settings) else None)
    if database and engine is None:
        engine = ready_engine(settings)
    return Services(settings=settings, engine=engine, github=github,
                    llm=client_from_settings(settings),
                    embedder=embedder_from_settings(settings))


@asynccontextmanager
async def open_services(settings: Settings, *, engine: Engine | None = None,
                        database: bool = True,
                        github_transport: httpx.AsyncBaseTransport | None = None,
                        ) -> AsyncIterator[Services]:
    services = build_services(settings, engine=engine, database=database,
                              github_transport=github_transport)
    try:
        yield services
    finally:
        await services.aclose()
