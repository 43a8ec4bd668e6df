"""A repository's classifier trained from its own labelled issues through the API (each
issue's type read off its labels with the repository's `type_labels`), and retrained when
the stored one is older than `REVIEWBOT_TRIAGE_RETRAIN_DAYS`."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import anyio
from sqlalchemy.engine import Engine

from bot.core.known import Candidate
from bot.core.triage_config import TriageConfig
from bot.errors import ReviewbotError
from bot.github import issues as api
from bot.github.gateway import InstallationClient
from bot.llm.embeddings import Embedder
from bot.settings import Settings
from bot.store import triage as store
from bot.store.stores import Stores
from bot.store.usage import CallScope
from bot.triage import vectors
from bot.triage.classifier import (
    DEFAULT_OPTIONS,
    Progress,
    TrainingOptions,
    TriageModel,
    Vectors,
    train,
)
from bot.triage.text import Issue, issue_text

log = logging.getLogger(__name__)
DAY = 86_400.0


async def labelled_issues(gh: InstallationClient, repo: str, config: TriageConfig,
                          ours: Mapping[int, frozenset[str]]) -> list[Issue]:
    """Issues with exactly one type label (two types teach nothing clear), paginated;
    pull requests and the labels reviewbot applied (`ours`) left out."""
    out = []
    for issue in await api.list_issues(gh, repo):
        mine = ours.get(issue.number, frozenset())
        kinds = {k for label in issue.labels
                 if label not in mine and (k := config.type_of(label)) is not None}
        if len(kinds) == 1:
            out.append(Issue(issue.title, issue.body, kinds.pop(), issue.number, repo,
                             issue.state))
    return out


@dataclass(frozen=True)
class TrainingRun:
    """How one training runs: other repositories' issues as a weighted prior (`pool`), the
    issues' embeddings (`vectors`, in the order issues then pool) and the model they came
    from, the options, and a tick per fit."""

    pool: Sequence[Issue] = ()
    vectors: Vectors | None = None
    embeddings_model: str = ""
    options: TrainingOptions = DEFAULT_OPTIONS
    progress: Progress | None = None


def train_and_store(engine: Engine, repo: str, issues: list[Issue], source: str,
                    run: TrainingRun | None = None) -> tuple[TriageModel, int]:
    """Train, store the new version, and keep the issues as labelled examples (the model
    path shows a few similar ones to the LLM); the model and its version."""
    run = run or TrainingRun()
    model = train(issues, run.options, pool=run.pool, progress=run.progress,
                  vectors=run.vectors, embeddings_model=run.embeddings_model)
    for issue in issues:
        if issue.number:
            store.index_issue(engine, repo, Candidate(issue.number, issue.title, issue.body,
                                                      issue.state), label=issue.label)
    version = store.save_model(engine, repo, model.to_bytes(), trained_on=model.trained_on,
                               labels=model.counts, source=source)
    return model, version


class RetrainServices(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def embedder(self) -> Embedder | None: ...

    @property
    def stores(self) -> Stores: ...


async def retrain_if_stale(services: RetrainServices, gh: InstallationClient, repo: str,
                           config: TriageConfig, *, refused: bool = False) -> bool:
    """Retrain a stored model past its age, or one that was `refused` at loading (never
    creates the first one: training is the operator's decision, `reviewbot triage train`).
    True when a new version was stored."""
    days = services.settings.triage_retrain_days
    triage = services.stores.triage
    stored = await triage.latest_model(repo)
    stale = days > 0 and stored is not None and time.time() - stored.created_at >= days * DAY
    if stored is None or not (stale or refused):
        return False
    ours = await triage.labels_applied(repo)
    issues = await labelled_issues(gh, repo, config, ours)
    found = await vectors.embed(services, CallScope(repo, 0, None, gh.installation_id),
                                [issue_text(i.title, i.body) for i in issues])
    embedder = services.embedder
    name = embedder.model if found is not None and embedder is not None else ""
    try:
        await anyio.to_thread.run_sync(lambda: train_and_store(
            triage.engine, repo, issues, "api (retrained)",
            TrainingRun(vectors=found, embeddings_model=name)))
    except ReviewbotError as exc:  # too few labelled issues now: keep the old model
        log.warning("triage model not retrained: %s", exc, extra={"repo": repo})
        return False
    log.info("triage model retrained", extra={"repo": repo, "issues": len(issues)})
    return True
