"""Webhook signature verification (sans-I/O): HMAC-SHA256 over the raw body."""

from __future__ import annotations

import hashlib
import hmac

from bot.errors import InvalidSignature

PREFIX = "sha256="


def sign(secret: bytes, body: bytes) -> str:
    """The `X-Hub-Signature-256` value GitHub sends for `body`."""
    return PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str | None) -> None:
    """Raise InvalidSignature unless `header` is the sha256 signature of `body`.

    Only `sha256=` is accepted: the legacy SHA-1 header is never consulted.
    """
    if not secret:
        raise InvalidSignature("no webhook secret configured")
    if not header:
        raise InvalidSignature("missing X-Hub-Signature-256")
    if not header.startswith(PREFIX):
        raise InvalidSignature("X-Hub-Signature-256 must start with sha256=")
    expected = sign(secret, body)
    # compare_digest on bytes runs in time independent of where the values differ.
    if not hmac.compare_digest(expected.encode(), header.strip().encode("ascii", "replace")):
        raise InvalidSignature("signature does not match the body")
