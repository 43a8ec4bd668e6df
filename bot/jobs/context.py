"""What a handler receives: the claimed job and the shared dependencies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from bot.github.gateway import GitHubApp
from bot.llm.client import LLMClient
from bot.llm.embeddings import Embedder
from bot.settings import Settings
from bot.triage.duplicates import IndexCache
from checks.linters.workspace import Runner


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    attempts: int
    max_attempts: int
    claim_token: str
    delivery_id: str | None
    coalesce_key: str | None
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class JobContext:
    """Built once by the composition root (bot/app.py); handlers take what they need."""

    settings: Settings
    engine: Engine
    github: GitHubApp | None = None
    # The linters to run; None means the real tools. Tests give recorded output here.
    linters: Mapping[str, Runner] | None = None
    llm: LLMClient | None = None  # None: linters only
    embedder: Embedder | None = None  # None: triage without embeddings
    # Each repository's duplicate index, kept between triage jobs and refreshed from the
    # store with what changed since: a triage costs the same with 20,000 known issues.
    known_issues: IndexCache = field(default_factory=IndexCache)

    async def aclose(self) -> None:
        """Close every client this context holds: called once, by whoever built it."""
        await close_clients(self.github, self.llm, self.embedder)


async def close_clients(github: GitHubApp | None, llm: LLMClient | None,
                        embedder: Embedder | None) -> None:
    """The process's GitHub pool, the model and embeddings endpoints' connections."""
    if github is not None:
        await github.aclose()
    if llm is not None:
        await llm.aclose()
    if embedder is not None:
        await embedder.aclose()
