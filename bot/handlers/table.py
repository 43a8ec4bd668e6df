"""The routing table, built in one place."""

from __future__ import annotations

from bot.handlers import bookkeeping
from bot.routing import Router


def build_router() -> Router:
    router = Router()
    bookkeeping.register(router)
    return router
