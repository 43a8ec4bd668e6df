"""The hidden markers reviewbot writes into what it posts, written and parsed here only.

A review body carries the head SHA it was computed for (a re-run posts nothing twice); each
inline comment carries its finding's fingerprint (never repeated on a later push).
"""

from __future__ import annotations

import re

from bot import __version__

MARKER_RE = re.compile(r"<!-- reviewbot:review head=([0-9a-fA-F]+|\S+) version=(\S+) -->")
FP_MARKER_RE = re.compile(r"<!-- reviewbot:fp=([0-9a-f]+) -->")


def review_marker(head: str) -> str:
    return f"<!-- reviewbot:review head={head} version={__version__} -->"


def fingerprint_marker(fingerprint: str) -> str:
    return f"<!-- reviewbot:fp={fingerprint} -->"


def reviewed_head(body: str) -> str | None:
    """The head SHA a posted review body was computed for, if it is one of ours."""
    match = MARKER_RE.search(body)
    return match.group(1) if match else None


def posted_fingerprints(body: str) -> set[str]:
    return set(FP_MARKER_RE.findall(body))
