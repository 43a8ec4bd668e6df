"""The composition root: settings in, typed services out, opened and closed in one place.

`serve` builds its services here and closes them in the web app's lifespan; `worker` and
`review` open them with `open_services`. Nothing deeper reads the environment or builds a
client of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from sqlalchemy.engine import Engine

from bot.github.gateway import app_from_settings
from bot.github.token_access import TokenGitHub
from bot.jobs.context import Services
from bot.llm.client import client_from_settings
from bot.llm.embeddings import embedder_from_settings
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


def github_configured(settings: Settings) -> bool:
    return settings.github_app_id is not None and (
        settings.github_private_key is not None or settings.github_private_key_path is not None)


def build_services(settings: Settings, *, engine: Engine | None = None, database: bool = True,
                   github_transport: httpx.AsyncBaseTransport | None = None,
                   linters: Mapping[str, Runner] | None = None) -> Services:
    """No network here: clients connect on first use. GitHub only when the App identity is
    configured (a review job without it fails visibly with the reason)."""
    github = (app_from_settings(settings, github_transport)
              if github_configured(settings) else None)
    if database and engine is None:
        engine = ready_engine(settings)
    return Services(settings=settings, engine=engine, github=github, linters=linters,
                    llm=client_from_settings(settings),
                    embedder=embedder_from_settings(settings))


def token_services(settings: Settings, github: TokenGitHub, *, model: bool,
                   linters: Mapping[str, Runner] | None = None) -> Services:
    """A workflow run's services: GitHub through its token, the run's own store (a SQLite
    file migrates itself), the model only when the run may call it (never for a fork)."""
    return Services(settings=settings, engine=ready_engine(settings), github=github,
                    linters=linters,
                    llm=client_from_settings(settings) if model else None,
                    embedder=embedder_from_settings(settings) if model else None)


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
