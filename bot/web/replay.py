"""Sign a payload and send it like GitHub does, for local development."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx

from bot import __version__
from bot.web.signature import sign


def github_headers(secret: bytes, body: bytes, event: str, delivery_id: str) -> dict[str, str]:
    """The headers a real GitHub delivery carries (the SHA-1 one is informational only)."""
    import hashlib
    import hmac

    return {
        "Content-Type": "application/json",
        "User-Agent": f"GitHub-Hookshot/reviewbot-replay-{__version__}",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id,
        "X-GitHub-Hook-ID": "0",
        "X-Hub-Signature": "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest(),
        "X-Hub-Signature-256": sign(secret, body),
    }


def load_payload(path: Path) -> bytes:
    """Re-serialise compactly, as GitHub sends it; a file that is not JSON is refused."""
    data = json.loads(path.read_text())
    return json.dumps(data, separators=(",", ":")).encode()


def replay(
    path: Path,
    *,
    event: str,
    url: str,
    secret: bytes,
    delivery_id: str | None = None,
    client: httpx.Client | None = None,
) -> httpx.Response:
    body = load_payload(path)
    headers = github_headers(secret, body, event, delivery_id or str(uuid.uuid4()))
    if client is not None:
        return client.post(url, content=body, headers=headers)
    with httpx.Client(timeout=30) as own:
        return own.post(url, content=body, headers=headers)
