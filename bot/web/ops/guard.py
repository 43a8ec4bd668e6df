"""Who may open the operator's page, and that its one write came from it (pure).

- Credentials: HTTP Basic with the configured password (any user name), or a bearer
  token; both compared in constant time (`hmac.compare_digest` on the bytes).
- Failed logins: counted, and past `MAX_FAILURES` in `WINDOW_SECONDS` from one client the
  page answers 429 without looking at the credentials (a guessing loop gets nowhere).
- Cross-site requests: the retry form carries a token bound to the session cookie (an HMAC
  of it with a key made at start-up); the cookie is `SameSite=Strict; HttpOnly`; and the
  request's `Origin` (or, without it, its `Referer`), when sent, must be this page's own."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_FAILURES = 10
WINDOW_SECONDS = 300.0
MAX_CLIENTS = 10_000  # failure records kept (oldest first out): memory stays bounded
SESSION_COOKIE = "reviewbot_ops"


def credentials_ok(authorization: str, password: str | None, token: str | None) -> bool:
    """Whether an `Authorization` header carries the password (Basic) or the token (Bearer)."""
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and token:
        return hmac.compare_digest(value.encode(), token.encode())
    if scheme.lower() == "basic" and password:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        _user, sep, given = decoded.partition(":")
        return bool(sep) and hmac.compare_digest(given.encode(), password.encode())
    return False


@dataclass
class LoginFailures:
    """Failed logins per client over a sliding window (one process's memory)."""

    max_failures: int = MAX_FAILURES
    window: float = WINDOW_SECONDS
    total: int = 0  # every failure since start-up (for /metrics)
    _seen: dict[str, deque[float]] = field(default_factory=dict)

    def blocked(self, client: str, now: float) -> bool:
        times = self._seen.get(client)
        if times is None:
            return False
        while times and times[0] <= now - self.window:
            times.popleft()
        return len(times) >= self.max_failures

    def failed(self, client: str, now: float) -> None:
        self.total += 1
        if client not in self._seen and len(self._seen) >= MAX_CLIENTS:
            self._seen.pop(next(iter(self._seen)))
        self._seen.setdefault(client, deque()).append(now)


@dataclass(frozen=True)
class CsrfKey:
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def token_for(self, session: str) -> str:
        return hmac.new(self.key, session.encode(), hashlib.sha256).hexdigest()

    def valid(self, session: str, token: str) -> bool:
        return bool(session) and hmac.compare_digest(self.token_for(session).encode(),
                                                     token.encode())


def new_session() -> str:
    return secrets.token_urlsafe(24)


def same_origin(headers: Mapping[str, str], scheme: str, host: str) -> bool:
    """No other site sent the request: its Origin (else Referer) names this server. A
    browser always sends Origin with a form's POST; a client that sends neither (a script
    of the operator's) is judged by the token and the cookie alone."""
    origin = headers.get("origin") or headers.get("referer") or ""
    if not origin:
        return True
    parts = urlsplit(origin)
    return bool(parts.scheme) and (parts.scheme, parts.netloc) == (scheme, host)
