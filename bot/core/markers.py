"""The hidden markers reviewbot writes into what it posts, written and parsed here only.

A review body carries the head SHA it was computed for (a re-run posts nothing twice); each
inline comment carries its finding's fingerprint (never repeated on a later push). A marker
counts only as the very end of a body (where reviewbot writes it), and callers read bodies
only from comments and reviews reviewbot itself wrote: anyone can paste a marker into their
own comment, and a PR's text quoted in a comment is escaped before it is posted.
"""

from __future__ import annotations

import re

from bot import __version__

MARKER_RE = re.compile(
    r"<!-- reviewbot:review head=([0-9A-Za-z]{1,64}) version=([\w.+-]{1,40}) -->\Z")
FP_MARKER_RE = re.compile(r"<!-- reviewbot:fp=([0-9a-f]{1,64}) -->\Z")


def review_marker(head: str) -> str:
    return f"<!-- reviewbot:review head={head} version={__version__} -->"


def fingerprint_marker(fingerprint: str) -> str:
    return f"<!-- reviewbot:fp={fingerprint} -->"


def reviewed_head(body: str) -> str | None:
    """The head SHA a review body of ours was computed for (its last line's marker)."""
    match = MARKER_RE.search(body.rstrip())
    return match.group(1) if match else None


def posted_fingerprint(body: str) -> str | None:
    """The fingerprint an inline comment of ours is about (its last line's marker)."""
    match = FP_MARKER_RE.search(body.rstrip())
    return match.group(1) if match else None
