"""Parse an authenticated delivery into plain data (sans-I/O).

Parsing is deliberately lenient: only the fields routing needs are read, so payloads that
fail githubkit's strictest models (older examples without `archived_at`, ...) still route.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.errors import MalformedDelivery

MAX_DELIVERY_ID = 128
MAX_ID = 2**63 - 1  # ids are stored as signed 64-bit integers
# GitHub sends UUIDs and lower-case event names; anything else is not GitHub.
DELIVERY_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
EVENT_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
ACTION_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
# `\ud800`-`\udfff` escapes: only a full check tells a valid pair from a lone surrogate.
SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]")
MAX_NAME = 256  # repository and sender columns
MIN_ID = -(2**63)


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
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
        return value if ok else None

    @property
    def repository(self) -> str | None:
        repo = self.payload.get("repository")
        return _name(repo.get("full_name") if isinstance(repo, Mapping) else None)

    @property
    def sender_login(self) -> str | None:
        sender = self.payload.get("sender")
        return _name(sender.get("login") if isinstance(sender, Mapping) else None)


def _name(value: object) -> str | None:
    """A name fit for its column: printable and short, else unknown (None)."""
    if not isinstance(value, str) or len(value) > MAX_NAME or not value.isprintable():
        return None
    return value


def parse_delivery(headers: Mapping[str, str], body: bytes) -> Delivery:
    """Headers are looked up lower-case (Starlette and httpx headers are case-insensitive).
    Everything that would fail later (in the database or a handler) fails here, with 400,
    so one bad delivery cannot take a batch of good ones down with it."""
    event = (headers.get("x-github-event") or "").strip()
    delivery_id = (headers.get("x-github-delivery") or "").strip()
    if not event:
        raise MalformedDelivery("missing X-GitHub-Event header")
    if not delivery_id:
        raise MalformedDelivery("missing X-GitHub-Delivery header")
    if not EVENT_RE.fullmatch(event):
        raise MalformedDelivery("X-GitHub-Event is not an event name")
    if not DELIVERY_ID_RE.fullmatch(delivery_id):
        raise MalformedDelivery("X-GitHub-Delivery is not a delivery id")
    payload, text = _decode(body)
    action = payload.get("action")
    if action is not None and not (isinstance(action, str) and ACTION_RE.fullmatch(action)):
        raise MalformedDelivery("'action' must be a short lower-case name")
    return Delivery(delivery_id=delivery_id, event=event, action=action, payload=payload, body=text)


def _decode(body: bytes) -> tuple[dict[str, Any], str]:
    try:
        text = body.decode("utf-8")
        payload = json.loads(text, parse_int=_int64)
    except UnicodeDecodeError as exc:
        raise MalformedDelivery("body is not UTF-8") from exc
    except RecursionError as exc:
        raise MalformedDelivery("body is nested too deeply") from exc
    except IntegerOutOfRange as exc:
        raise MalformedDelivery(str(exc)) from exc
    except ValueError as exc:  # invalid JSON, or an integer too long to convert
        raise MalformedDelivery(f"body is not valid JSON: {_short(exc)}") from exc
    if not isinstance(payload, dict):
        raise MalformedDelivery("body must be a JSON object")
    if SURROGATE_ESCAPE_RE.search(text):
        try:
            json.dumps(payload, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise MalformedDelivery("body contains an unpaired UTF-16 surrogate") from exc
        except RecursionError as exc:
            raise MalformedDelivery("body is nested too deeply") from exc
    return payload, text


class IntegerOutOfRange(ValueError):
    pass


def _int64(literal: str) -> int:
    """The JSON parser's integer hook: a number no database column could hold (a signed
    64-bit integer) rejects the payload here, not later inside a batch of good ones."""
    value = int(literal)
    if len(literal) > 18 and not MIN_ID <= value <= MAX_ID:
        raise IntegerOutOfRange("body contains an integer outside the signed 64-bit range")
    return value


def _short(exc: Exception) -> str:
    return str(exc)[:120]


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
