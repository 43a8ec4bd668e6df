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


def written_by(item: Any, own_login: str, app_id: int | None) -> bool:
    """Whether a comment or review was written by reviewbot: its author is reviewbot's bot
    login, or GitHub says reviewbot's App performed it ("" login: nothing is ours)."""
    app = item.get("performed_via_github_app") if isinstance(item, dict) else None
    by_app = isinstance(app, dict) and app_id is not None and app.get("id") == app_id
    return bool(own_login) and (author_of(item) == own_login or by_app)
