"""Embeddings for triage, when an embeddings model is configured: the new issue's, and the
known issues' (computed once, kept in the store). Any failure leaves triage lexical, with
the reason in the log; the calls are recorded in usage like every model call."""

from __future__ import annotations

import logging
from typing import Protocol

from bot.core.known import Candidate
from bot.core.usage import Ledger
from bot.errors import ModelError
from bot.llm.embeddings import Embedder
from bot.store.stores import Stores
from bot.store.usage import CallScope
from bot.triage.text import issue_text

log = logging.getLogger(__name__)
MAX_BACKFILL = 200  # known issues embedded per triage run, at most


class EmbeddingServices(Protocol):
    @property
    def embedder(self) -> Embedder | None: ...

    @property
    def stores(self) -> Stores: ...


async def embed(services: EmbeddingServices, scope: CallScope,
                texts: list[str]) -> list[list[float]] | None:
    if services.embedder is None or not texts:
        return None
    ledger = Ledger()
    try:
        return await services.embedder.embed(texts, ledger)
    except ModelError as exc:
        log.warning("embeddings unavailable; triage stays lexical: %s", exc,
                    extra={"repo": scope.repository, "number": scope.number})
        return None
    finally:
        await services.stores.meter(scope).record(ledger.calls)


async def known_with_vectors(services: EmbeddingServices, scope: CallScope,
                             known: list[tuple[Candidate, list[float] | None]]
                             ) -> tuple[list[Candidate], list[list[float]] | None]:
    """The candidates, and a vector for each when all can be had (else None)."""
    candidates = [c for c, _ in known]
    if services.embedder is None:
        return candidates, None
    missing = [c for c, v in known if v is None][:MAX_BACKFILL]
    if len(missing) < sum(v is None for _, v in known):
        return candidates, None  # too many to embed now; lexical this time
    fresh = await embed(services, scope, [issue_text(c.title, c.body) for c in missing])
    if missing and fresh is None:
        return candidates, None
    filled = dict(zip((c.number for c in missing), fresh or [], strict=True))
    await services.stores.triage.index_many(scope.repository,
                                            [(c, filled[c.number]) for c in missing])
    return candidates, [v if v is not None else filled[c.number] for c, v in known]
