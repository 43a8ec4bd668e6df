"""The one bundle of what the process shares, built and closed by the composition root
(bot/app.py): settings, the store, GitHub, the model and embeddings clients, the linters,
the duplicate indexes; and the claimed job a handler receives with it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import anyio
from sqlalchemy.engine import Engine

from bot.errors import ConfigError
from bot.github.token_access import GitHubAccess
from bot.jobs.claimed import ClaimedJob
from bot.jobs.queue import JobQueue, QueuePolicy
from bot.jobs.routing import JobSpec
from bot.llm.client import LLMClient
from bot.llm.embeddings import Embedder
from bot.settings import Settings
from bot.store.meter import BudgetLimits
from bot.store.stores import Stores
from bot.triage.duplicates import IndexCache
from checks.linters.workspace import Runner


@dataclass(frozen=True)
class Services:
    """Built once by the composition root (bot/app.py); handlers take what they need."""

    settings: Settings
    engine: Engine | None = None  # None for a local review, which stores nothing
    github: GitHubAccess | None = None
    # The linters to run; None means the real tools. Tests give recorded output here.
    linters: Mapping[str, Runner] | None = None
    llm: LLMClient | None = None  # None: linters only
    embedder: Embedder | None = None  # None: triage without embeddings
    # Each repository's duplicate index, kept between triage jobs and refreshed from the
    # store with what changed since: a triage costs the same with 20,000 known issues.
    known_issues: IndexCache = field(default_factory=IndexCache)

    def database(self) -> Engine:
        if self.engine is None:
            raise ConfigError("this needs the database; these services were built without one")
        return self.engine

    @cached_property
    def stores(self) -> Stores:
        """The store's async objects, with the operator's budgets for the meters."""
        return Stores(self.database(), BudgetLimits(self.settings.budget_pr_usd,
                                                    self.settings.budget_day_usd))

    @cached_property
    def queue(self) -> JobQueue:
        return JobQueue(self.database(), policy=QueuePolicy.from_settings(self.settings))

    def github_requests(self) -> int:
        """Requests this process has sent to GitHub (0 without GitHub)."""
        return self.github.shared.tally.total if self.github is not None else 0

    async def follow_up(self, spec: JobSpec) -> None:
        """A job of its own after this one (a newer one with the same key supersedes it)."""
        await anyio.to_thread.run_sync(self.queue.enqueue, spec)

    async def aclose(self) -> None:
        """Close every client this bundle holds: called once, by whoever built it."""
        await close_clients(self.github, self.llm, self.embedder)


async def close_clients(github: GitHubAccess | None, llm: LLMClient | None,
                        embedder: Embedder | None) -> None:
    """The process's GitHub pool, the model and embeddings endpoints' connections."""
    if github is not None:
        await github.aclose()
    if llm is not None:
        await llm.aclose()
    if embedder is not None:
        await embedder.aclose()


__all__ = ["ClaimedJob", "Services", "close_clients"]
