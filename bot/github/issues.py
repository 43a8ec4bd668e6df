"""GitHub reads and writes for issue triage, on an installation's client: the issue, the
repository's labels, issues for training and the duplicate index, the default branch's
tree (templates, docs), and the one comment reviewbot edits in place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from bot.core.limits import fit_body
from bot.errors import GitHubError
from bot.github.gateway import InstallationClient

MAX_ISSUE_PAGES = 50  # 5,000 issues per training pull
MAX_LABEL_PAGES = 10


@dataclass(frozen=True)
class IssueInfo:
    number: int
    title: str
    body: str
    author: str
    labels: tuple[str, ...]
    state: str
    created_at: float  # epoch seconds
    is_pull: bool = False


def _epoch(stamp: object) -> float:
    if not isinstance(stamp, str) or not stamp:
        return 0.0
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def issue_of(data: dict[str, object]) -> IssueInfo:
    labels = data.get("labels") or []
    user = data.get("user") or {}
    return IssueInfo(
        number=int(data["number"]),  # type: ignore[call-overload]
        title=str(data.get("title") or ""), body=str(data.get("body") or ""),
        author=str(user.get("login") or "") if isinstance(user, dict) else "",
        labels=tuple(str(lb.get("name")) for lb in labels if isinstance(lb, dict))
        if isinstance(labels, list) else (),
        state=str(data.get("state") or "open"), created_at=_epoch(data.get("created_at")),
        is_pull="pull_request" in data)


async def get_issue(gh: InstallationClient, repo: str, number: int) -> IssueInfo:
    return issue_of(await gh.request("GET", f"/repos/{repo}/issues/{number}"))


async def list_issues(gh: InstallationClient, repo: str, *, state: str = "all",
                      max_pages: int = MAX_ISSUE_PAGES) -> list[IssueInfo]:
    """Issues (not pull requests), newest first, paginated."""
    items = await gh.paginate(f"/repos/{repo}/issues", max_pages, {"state": state})
    return [issue for issue in map(issue_of, items) if not issue.is_pull]


async def repo_labels(gh: InstallationClient, repo: str) -> dict[str, str]:
    """The repository's labels and their descriptions."""
    items = await gh.paginate(f"/repos/{repo}/labels", MAX_LABEL_PAGES)
    return {str(lb["name"]): str(lb.get("description") or "") for lb in items}


async def create_comment(gh: InstallationClient, repo: str, number: int, body: str) -> int:
    """A new comment on the issue; its id."""
    return await gh.create_issue_comment(repo, number, body)


async def add_labels(gh: InstallationClient, repo: str, number: int,
                     labels: Sequence[str]) -> None:
    if labels:
        await gh.add_labels(repo, number, labels)


async def edit_issue_comment(gh: InstallationClient, repo: str, comment_id: int,
                             body: str) -> None:
    await gh.request("PATCH", f"/repos/{repo}/issues/comments/{comment_id}",
                     json={"body": fit_body(body)})


async def issue_comment_body(gh: InstallationClient, repo: str, comment_id: int) -> str | None:
    """The comment's body, or None when it was deleted."""
    try:
        data = await gh.request("GET", f"/repos/{repo}/issues/comments/{comment_id}")
    except GitHubError as exc:
        if exc.status == 404:
            return None
        raise
    return str(data.get("body") or "")


async def find_own_comment(gh: InstallationClient, repo: str, number: int,
                           marker: str) -> int | None:
    """reviewbot's own comment on the issue carrying `marker` (found again after a crash
    between posting it and storing its id); another bot's or a person's never counts."""
    for c in await gh.paginate(f"/repos/{repo}/issues/{number}/comments", 10):
        if marker in str(c.get("body") or "") and await gh.is_ours(c):
            return int(c["id"])
    return None


async def branch_head(gh: InstallationClient, repo: str, branch: str) -> str:
    data = await gh.request("GET", f"/repos/{repo}/branches/{quote(branch, safe='')}")
    return str(data["commit"]["sha"])


async def list_dir(gh: InstallationClient, repo: str, path: str, ref: str) -> list[str]:
    """The file paths directly in a folder at `ref` (none when it does not exist)."""
    try:
        data = await gh.request("GET", f"/repos/{repo}/contents/{quote(path)}",
                                params={"ref": ref})
    except GitHubError as exc:
        if exc.status == 404:
            return []
        raise
    if not isinstance(data, list):
        return []
    return [str(e["path"]) for e in data if isinstance(e, dict) and e.get("type") == "file"]


async def tree_paths(gh: InstallationClient, repo: str, sha: str) -> list[str]:
    """Every file path at a commit (GitHub truncates very large trees: what it lists)."""
    data = await gh.request("GET", f"/repos/{repo}/git/trees/{sha}", params={"recursive": "1"})
    return [str(e["path"]) for e in data.get("tree") or [] if e.get("type") == "blob"]
