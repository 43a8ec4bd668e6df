"""What the gateway reads from GitHub, as typed values (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PullInfo:
    number: int
    head_sha: str
    base_sha: str
    base_ref: str
    draft: bool
    state: str


@dataclass(frozen=True)
class PostedReview:
    id: int
    body: str
    commit_id: str | None
    author: str = ""  # the login that wrote it (reviewbot's own is `<slug>[bot]`)


@dataclass(frozen=True)
class ReviewComment:
    id: int
    body: str
    author: str
    up: int  # 👍 and 👎 as GitHub counts them: anyone's (who reacted: see `reactions_of`)
    down: int


def author_of(item: Any) -> str:
    user = item.get("user") if isinstance(item, dict) else None
    return str(user.get("login") or "") if isinstance(user, dict) else ""
