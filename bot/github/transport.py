"""The gateway's HTTP plumbing: one shared connection pool with a deadline on every
request, the retry policy for GitHub's 5xx, and the pacing of writes."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from githubkit import AppAuthStrategy, GitHub, TokenAuthStrategy
from githubkit.cache import MemCacheStrategy
from githubkit.exception import (
    GitHubException,
    RateLimitExceeded,
    RequestError,
    RequestFailed,
    RequestTimeout,
)
from githubkit.retry import RetryOption
from githubkit.throttling import LocalThrottler

from bot import __version__


class SharedTransport(httpx.AsyncBaseTransport):
    """One connection pool for the whole process, with a deadline on every request.

    githubkit builds (and closes) an httpx client per request unless it is entered with
    `async with`, which per-installation clients cannot be; closing a client closes its
    transport. So the pool lives here, survives those closes, and is closed once by
    `GitHubApp.aclose` (the composition root's job).

    Timeouts: httpx applies the client's timeout only to requests the client builds;
    githubkit's installation-token request is a bare `httpx.Request` sent by the auth flow,
    which without this waits forever on a silent GitHub."""

    def __init__(self, inner: httpx.AsyncBaseTransport, timeout: httpx.Timeout) -> None:
        self.inner = inner
        self.timeout = timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if "timeout" not in request.extensions:
            request.extensions = {**request.extensions, "timeout": self.timeout.as_dict()}
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        """A per-request client closing: the shared pool stays open."""

    async def close_pool(self) -> None:
        await self.inner.aclose()


class RetryServerErrors:
    """Retry 5xx and connection failures with exponential backoff; nothing else. A timeout
    is not retried here: the job fails and the queue retries it later, so a silent GitHub
    costs one timeout per attempt, not four."""

    def __init__(self, max_retry: int = 3, base_seconds: float = 1.0) -> None:
        self.max_retry = max_retry
        self.base_seconds = base_seconds

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        if retry_count >= self.max_retry or isinstance(exc, RateLimitExceeded):
            return RetryOption(False)
        server_error = isinstance(exc, RequestFailed) and exc.response.status_code >= 500
        connection = isinstance(exc, RequestError) and not isinstance(
            exc, RequestFailed | RequestTimeout)
        if server_error or connection:
            return RetryOption(True, timedelta(seconds=self.base_seconds * 2**retry_count))
        return RetryOption(False)


class MutationPacer:
    """GitHub asks integrations to leave about a second between mutating requests (POST,
    PATCH, PUT, DELETE) to avoid secondary rate limits; one pacer per installation, shared
    by every job of that installation in this process."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._lock = asyncio.Lock()
        self._last = 0.0

    async def wait(self) -> None:
        if self.interval <= 0:
            return
        async with self._lock:
            delay = self._last + self.interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._last = time.monotonic()


@dataclass(frozen=True)
class Connection:
    """How the App talks to GitHub: where, through which transport (None: a pooled HTTP
    one), how many requests at once, the retry backoff's base, each request's deadline,
    and the pause between mutating requests per installation."""

    base_url: str
    transport: httpx.AsyncBaseTransport | None = None
    max_concurrency: int = 8
    retry_base_seconds: float = 1.0
    timeout: float = 30.0
    mutation_interval: float = 1.0


@dataclass
class RequestTally:
    """Requests sent by every client of one App or token in this process (for /metrics)."""

    total: int = 0


def configured_github(auth: AppAuthStrategy | TokenAuthStrategy, c: Connection
                      ) -> tuple[SharedTransport, GitHub[Any]]:
    """githubkit configured as reviewbot uses it: one shared pool with a deadline on every
    request, 5xx retried with backoff, never a sleep on a rate limit, no HTTP cache."""
    deadline = httpx.Timeout(c.timeout, connect=min(c.timeout, 10.0))
    pool = c.transport or httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=c.max_concurrency,
                            max_keepalive_connections=c.max_concurrency))
    transport = SharedTransport(pool, deadline)
    return transport, GitHub(
        auth,
        base_url=c.base_url,
        async_transport=transport,
        cache_strategy=MemCacheStrategy(),  # shared: installation tokens are reused
        throttler=LocalThrottler(c.max_concurrency),
        auto_retry=RetryServerErrors(base_seconds=c.retry_base_seconds),
        user_agent=f"reviewbot/{__version__}",
        timeout=deadline,
        http_cache=False,
    )
