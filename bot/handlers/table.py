"""The routing table, built in one place."""

from __future__ import annotations

from bot.handlers import bookkeeping, commands, review, triage
from bot.jobs.routing import Router


def build_router() -> Router:
    router = Router()
    bookkeeping.register(router)
    review.register(router)
    commands.register(router)
    triage.register(router)
    return router
