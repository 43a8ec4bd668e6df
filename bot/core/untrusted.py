"""Untrusted data handed to a model between markers it cannot close (pure but for the
random nonce). Each call gets fresh markers, `UNTRUSTED-BEGIN-<nonce>` ... `UNTRUSTED-END-
<nonce>`, and any `UNTRUSTED-` inside the data is escaped first: a file name or an issue
body holding `UNTRUSTED-CHANGE-END` and instructions after it stays inside the data."""

from __future__ import annotations

import re
import secrets

PREFIX = "UNTRUSTED-"
_ESCAPED_PREFIX = "UNTRUSTED\u2011"  # a non-breaking hyphen: looks alike, never matches
_PREFIX_RE = re.compile(r"UNTRUSTED\s*-", re.IGNORECASE)
_NONCE_RE = re.compile(r"(UNTRUSTED-(?:[A-Z]+-)?(?:BEGIN|END))-[0-9a-f]{16}(?![0-9a-f])")


def new_nonce() -> str:
    return secrets.token_hex(8)


def escaped(data: str) -> str:
    """The data with every occurrence of the marker prefix defused."""
    return _PREFIX_RE.sub(_ESCAPED_PREFIX, data)


def wrap(data: str, kind: str = "", nonce: str | None = None) -> str:
    """`data` between fresh markers (`kind`: e.g. "CHANGE" gives UNTRUSTED-CHANGE-BEGIN-…)."""
    tag = f"{PREFIX}{kind + '-' if kind else ''}"
    code = nonce or new_nonce()
    return f"{tag}BEGIN-{code}\n{escaped(data)}\n{tag}END-{code}"


def without_nonces(text: str) -> str:
    """The text with each marker's nonce left out: the same question asked twice has the
    same cache key although its markers differ."""
    return _NONCE_RE.sub(r"\1", text)
