"""What each handler needs from a delivery's payload, read and checked in one place (pure).

Used twice: at intake, so a payload that could never succeed creates no job (the delivery
is recorded as `invalid` with the reason), and by the handlers, which get typed values
instead of indexing into dicts (a job queued before an upgrade still fails permanently with
the reason, never with a `KeyError` retried five times).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.commands import from_a_bot
from bot.core.delivery import Delivery
from bot.errors import MalformedPayload

MAX_ID = 2**63 - 1  # GitHub ids fit a signed 64-bit integer (the database's BIGINT)
MAX_NUMBER = 2**31 - 1
REPO_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")


@dataclass(frozen=True)
class RepoRef:
    installation_id: int
    repo: str
    default_branch: str


@dataclass(frozen=True)
class PullRef:
    where: RepoRef
    number: int


def _table(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    if not isinstance(value, Mapping):
        raise MalformedPayload(f"payload has no `{key}` object")
    return value


def _int(table: Mapping[str, Any], key: str, what: str, limit: int = MAX_ID) -> int:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= limit:
        raise MalformedPayload(f"`{what}` is not a valid id")
    return value


def installation_of(payload: Mapping[str, Any]) -> int:
    return _int(_table(payload, "installation"), "id", "installation.id")


def repo_ref(payload: Mapping[str, Any]) -> RepoRef:
    repository = _table(payload, "repository")
    name = repository.get("full_name")
    if not isinstance(name, str) or not REPO_NAME.fullmatch(name):
        raise MalformedPayload("`repository.full_name` is not owner/name")
    branch = repository.get("default_branch")
    return RepoRef(installation_of(payload), name,
                   branch if isinstance(branch, str) and branch else "main")


def pull_ref(payload: Mapping[str, Any]) -> PullRef:
    number = _int(_table(payload, "pull_request"), "number", "pull_request.number",
                  MAX_NUMBER)
    return PullRef(repo_ref(payload), number)


def check_run_pulls(payload: Mapping[str, Any]) -> tuple[RepoRef, list[int]]:
    """The repository and the PR numbers of a check run (none: not a PR's check run)."""
    check_run = _table(payload, "check_run")
    prs = check_run.get("pull_requests") or []
    if not isinstance(prs, list):
        raise MalformedPayload("`check_run.pull_requests` is not a list")
    numbers = [_int(pr, "number", "check_run.pull_requests[].number", MAX_NUMBER)
               if isinstance(pr, Mapping) else _int({}, "number", "pull request")
               for pr in prs]
    return repo_ref(payload), numbers


def validator(read: Callable[[Mapping[str, Any]], object]) -> Callable[[Delivery], str | None]:
    """A routing validator from a reader: the reader's complaint, or None."""
    def problem(delivery: Delivery) -> str | None:
        try:
            read(delivery.payload)
        except MalformedPayload as exc:
            return str(exc)
        return None
    return problem


@dataclass(frozen=True)
class CommentRef:
    where: RepoRef
    number: int  # the issue or pull request
    comment_id: int
    body: str
    author: str
    association: str
    on_pull_request: bool
    from_bot: bool
    # A reply in a review comment's thread (pull_request_review_comment): the comment it
    # answers, None for a new thread.
    in_thread: bool = False
    in_reply_to: int | None = None


def comment_ref(payload: Mapping[str, Any]) -> CommentRef:
    """An `issue_comment` delivery: where, who, what."""
    issue = _table(payload, "issue")
    return _comment_ref(payload, _int(issue, "number", "issue.number", MAX_NUMBER),
                        on_pull_request=isinstance(issue.get("pull_request"), Mapping))


def review_comment_ref(payload: Mapping[str, Any]) -> CommentRef:
    """A `pull_request_review_comment` delivery: a comment on a line, maybe a reply."""
    number = _int(_table(payload, "pull_request"), "number", "pull_request.number",
                  MAX_NUMBER)
    reply_to = _table(payload, "comment").get("in_reply_to_id")
    return _comment_ref(payload, number, on_pull_request=True, in_thread=True,
                        in_reply_to=reply_to if isinstance(reply_to, int) and reply_to > 0
                        else None)


def _comment_ref(payload: Mapping[str, Any], number: int, *, on_pull_request: bool,
                 in_thread: bool = False, in_reply_to: int | None = None) -> CommentRef:
    """The comment's own fields, common to both events (bodies are bounded by GitHub at
    65536 characters; anything else is malformed)."""
    comment = _table(payload, "comment")
    body = comment.get("body")
    if not isinstance(body, str) or len(body) > 65536:
        raise MalformedPayload("`comment.body` is not a comment text")
    user = _mapping(comment.get("user"))
    return CommentRef(
        where=repo_ref(payload),
        number=number,
        comment_id=_int(comment, "id", "comment.id"),
        body=body,
        author=str(user.get("login") or ""),
        association=str(comment.get("author_association") or "NONE"),
        on_pull_request=on_pull_request,
        from_bot=from_a_bot(user, _mapping(payload.get("sender"))),
        in_thread=in_thread,
        in_reply_to=in_reply_to,
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class IssueRef:
    where: RepoRef
    number: int
    is_pull: bool  # GitHub sends some issue events for pull requests too
    sender: str
    sender_is_bot: bool
    label: str | None  # the label of a labeled/unlabeled event


def issue_ref(payload: Mapping[str, Any]) -> IssueRef:
    issue = _table(payload, "issue")
    number = _int(issue, "number", "issue.number", MAX_NUMBER)
    sender = _mapping(payload.get("sender"))
    label = _mapping(payload.get("label")).get("name")
    return IssueRef(where=repo_ref(payload), number=number,
                    is_pull="pull_request" in issue, sender=str(sender.get("login") or ""),
                    sender_is_bot=from_a_bot({"user": sender}, sender),
                    label=label if isinstance(label, str) and label else None)
