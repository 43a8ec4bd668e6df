"""Parse an authenticated delivery into plain data (sans-I/O).

Parsing is deliberately lenient: only the fields routing needs are read, so payloads that
fail githubkit's strictest models (older examples without `archived_at`, ...) still route.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.errors import MalformedDelivery

MAX_DELIVERY_ID = 128


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    event: str
    action: str | None
    payload: Mapping[str, Any]
    body: str

    @property
    def installation_id(self) -> int | None:
        inst = self.payload.get("installation")
        value = inst.get("id") if isinstance(inst, Mapping) else None
        return value if isinstance(value, int) else None

    @property
    def repository(self) -> str | None:
        repo = self.payload.get("repository")
        name = repo.get("full_name") if isinstance(repo, Mapping) else None
        return name if isinstance(name, str) else None

    @property
    def sender_login(self) -> str | None:
        sender = self.payload.get("sender")
        login = sender.get("login") if isinstance(sender, Mapping) else None
        return login if isinstance(login, str) else None


def parse_delivery(headers: Mapping[str, str], body: bytes) -> Delivery:
    """Headers are looked up lower-case (Starlette and httpx headers are case-insensitive)."""
    event = (headers.get("x-github-event") or "").strip()
    delivery_id = (headers.get("x-github-delivery") or "").strip()
    if not event:
        raise MalformedDelivery("missing X-GitHub-Event header")
    if not delivery_id:
        raise MalformedDelivery("missing X-GitHub-Delivery header")
    if len(delivery_id) > MAX_DELIVERY_ID or len(event) > 64:
        raise MalformedDelivery("X-GitHub-Delivery or X-GitHub-Event is too long")
    try:
        text = body.decode("utf-8")
        payload = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedDelivery(f"body is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise MalformedDelivery("body must be a JSON object")
    action = payload.get("action")
    if action is not None and not isinstance(action, str):
        raise MalformedDelivery("'action' must be a string")
    return Delivery(delivery_id=delivery_id, event=event, action=action, payload=payload, body=text)


def is_own_event(delivery: Delivery, *, app_slug: str | None, app_id: int | None) -> bool:
    """True when the App itself caused this event (its comments, reviews, labels...)."""
    if app_slug and delivery.sender_login == f"{app_slug}[bot]":
        return True
    if app_id is None:
        return False
    # Comments the App posts carry its id; senders of other events are covered by the slug.
    comment = delivery.payload.get("comment")
    via = comment.get("performed_via_github_app") if isinstance(comment, Mapping) else None
    return isinstance(via, Mapping) and via.get("id") == app_id
