"""Embeddings for triage, when an embeddings model is configured: the new issue's, and the
known issues' (computed once, kept in the store). Any failure leaves triage lexical, with
the reason in the log; the calls are recorded in usage like every model call."""

from __future__ import annotations

import logging

import anyio

from bot.core.usage import Ledger
from bot.errors import ModelError
from bot.jobs.context import JobContext
from bot.store import triage as store
from bot.store import usage as usage_store
from bot.triage.duplicates import Candidate
from bot.triage.text import issue_text

log = logging.getLogger(__name__)
MAX_BACKFILL = 200  # known issues embedded per triage run, at most


async def embed(ctx: JobContext, repo: str, number: int, texts: list[str],
                installation_id: int | None) -> list[list[float]] | None:
    if ctx.embedder is None or not texts:
        return None
    ledger = Ledger()
    try:
        return await ctx.embedder.embed(texts, ledger)
    except ModelError as exc:
        log.warning("embeddings unavailable; triage stays lexical: %s", exc,
                    extra={"repo": repo, "number": number})
        return None
    finally:
        scope = usage_store.CallScope(repo, number, None, installation_id)
        await anyio.to_thread.run_sync(usage_store.record_calls, ctx.engine, scope,
                                       ledger.calls)


async def known_with_vectors(ctx: JobContext, repo: str, number: int,
                             known: list[tuple[Candidate, list[float] | None]],
                             installation_id: int | None
                             ) -> tuple[list[Candidate], list[list[float]] | None]:
    """The candidates, and a vector for each when all can be had (else None)."""
    candidates = [c for c, _ in known]
    if ctx.embedder is None:
        return candidates, None
    missing = [c for c, v in known if v is None][:MAX_BACKFILL]
    if len(missing) < sum(v is None for _, v in known):
        return candidates, None  # too many to embed now; lexical this time
    fresh = await embed(ctx, repo, number, [issue_text(c.title, c.body) for c in missing],
                        installation_id)
    if missing and fresh is None:
        return candidates, None
    filled = dict(zip((c.number for c in missing), fresh or [], strict=True))

    def remember() -> None:
        for c in missing:
            store.index_issue(ctx.engine, repo, c.number, c.title, c.body, c.state,
                              filled[c.number])
    await anyio.to_thread.run_sync(remember)
    return candidates, [v if v is not None else filled[c.number] for c, v in known]
