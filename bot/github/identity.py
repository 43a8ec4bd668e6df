"""Who reviewbot is on GitHub: its App's bot login, `<slug>[bot]`. Markers, fingerprints
and "already posted" count only from comments and reviews this login wrote (a `[bot]` login
cannot be taken by a person; anyone can paste reviewbot's hidden markers)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.errors import GitHubError

log = logging.getLogger(__name__)
RETRY_SECONDS = 300.0  # after GET /app failed, asked again no sooner than this


class AppIdentity:
    """What GitHub shows as the author of what reviewbot posted wins (it is what is there);
    before the first post, GET /app (asked once), else the configured slug. "" while
    unknown: then nothing counts as reviewbot's own, so forged markers cannot count."""

    def __init__(self, slug: str | None, ask: Callable[[], Awaitable[object]]) -> None:
        self._configured = f"{slug}[bot]" if slug else None
        self._ask = ask
        self._asked: str | None = None
        self._learnt: str | None = None
        self._lock = asyncio.Lock()
        self._ask_after = 0.0

    async def login(self) -> str:
        async with self._lock:
            if self._learnt is None and self._asked is None \
                    and time.monotonic() >= self._ask_after:
                self._asked = await self._asked_login()
            return self._learnt or self._asked or self._configured or ""

    async def _asked_login(self) -> str | None:
        try:
            slug = await self._ask()
        except GitHubError as exc:
            log.warning("%s; reviewbot's login is %s until its next post", exc,
                        self._configured or "unknown")
            slug = None
        if isinstance(slug, str) and slug:
            return f"{slug}[bot]"
        self._ask_after = time.monotonic() + RETRY_SECONDS
        return None

    def learn(self, login: str) -> None:
        """The author GitHub shows on something reviewbot just posted."""
        if not login.endswith("[bot]") or login == self._learnt:
            return
        announced = self._asked or self._configured
        if announced is not None and announced != login:
            log.warning("reviewbot posts as %s, not as %s; using what GitHub shows",
                        login, announced)
        self._learnt = login
