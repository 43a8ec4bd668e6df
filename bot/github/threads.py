"""Review threads through GitHub's GraphQL API (REST cannot see or resolve them): the query
and mutation texts and the parsing of their answers (pure); and the reactions on review
comments, as REST lists them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.errors import GitHubError

THREADS_QUERY = """
query($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id isResolved isOutdated path resolvedBy { login }
          comments(first: 50) { nodes { databaseId body author { login __typename } } }
        }
      }
    }
  }
}"""

RESOLVE_MUTATION = """
mutation($thread: ID!) {
  resolveReviewThread(input: {threadId: $thread}) { thread { id isResolved } }
}"""


@dataclass(frozen=True)
class ThreadComment:
    id: int
    body: str
    author: str
    by_bot: bool


@dataclass(frozen=True)
class ReviewThread:
    node_id: str
    path: str
    resolved: bool
    outdated: bool
    comments: tuple[ThreadComment, ...]
    resolved_by: str = ""  # who resolved it (GraphQL `resolvedBy`); "" when open or unknown

    @property
    def human_replied(self) -> bool:
        return any(not c.by_bot for c in self.comments[1:])


def graphql_url(base_url: str) -> str:
    """GitHub.com serves GraphQL at /graphql beside the REST root; GitHub Enterprise Server
    at /api/graphql, beside its REST root /api/v3."""
    root = base_url.rstrip("/")
    if root.endswith("/api/v3"):
        return root[: -len("/v3")] + "/graphql"
    return root + "/graphql"


def data_of(answer: Any) -> dict[str, Any]:
    """A GraphQL answer's data, or a GitHubError with its first error message (GraphQL
    reports errors with a 200 status)."""
    if not isinstance(answer, dict):
        raise GitHubError("GraphQL: the answer is not an object", status=0)
    errors = answer.get("errors")
    if errors:
        first = errors[0] if isinstance(errors, list) and errors else errors
        message = first.get("message") if isinstance(first, dict) else str(first)
        raise GitHubError(f"GraphQL: {str(message)[:300]}", status=0)
    data = answer.get("data")
    if not isinstance(data, dict):
        raise GitHubError("GraphQL: the answer has no data", status=0)
    return data


def parse_threads(data: dict[str, Any]) -> tuple[list[ReviewThread], str | None]:
    """One page of threads, and the cursor of the next page (None: the last page)."""
    pull = ((data.get("repository") or {}).get("pullRequest") or {})
    page = pull.get("reviewThreads") or {}
    threads = []
    for node in page.get("nodes") or []:
        comments = tuple(
            ThreadComment(id=int(c.get("databaseId") or 0), body=str(c.get("body") or ""),
                          author=str((c.get("author") or {}).get("login") or ""),
                          # a deleted account ("ghost") has no author: not a bot's reply
                          by_bot=(c.get("author") or {}).get("__typename") == "Bot")
            for c in (node.get("comments") or {}).get("nodes") or [])
        threads.append(ReviewThread(node_id=str(node["id"]), path=str(node.get("path") or ""),
                                    resolved=bool(node.get("isResolved")),
                                    outdated=bool(node.get("isOutdated")), comments=comments,
                                    resolved_by=str((node.get("resolvedBy") or {}).get("login")
                                                    or "")))
    info = page.get("pageInfo") or {}
    return threads, (str(info["endCursor"]) if info.get("hasNextPage") else None)
