"""The GitHub gateway on githubkit (async): reads and writes for one installation.

githubkit brings App JWTs, cached installation tokens, a concurrency throttle and retries;
we configure it to retry 5xx with backoff but never to sleep on a rate limit: a rate limit
becomes `RetryLater`, and the job is re-scheduled instead of holding a worker for minutes.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from githubkit import AppAuthStrategy, GitHub
from githubkit.exception import (
    GitHubException,
    RateLimitExceeded,
    RequestError,
    RequestFailed,
)

from bot.core.diffmap import PullFile
from bot.core.limits import fit_body
from bot.core.redact import SecretMask
from bot.core.repo_config import CONFIG_PATH, LoadedConfig, parse_repo_config
from bot.errors import ConfigError, GitHubError, RetryLater
from bot.github import threads as gql
from bot.github.identity import AppIdentity
from bot.github.models import PostedReview, PullInfo, ReviewComment, author_of, written_by
from bot.github.ratelimit import rate_limit_delay
from bot.github.transport import (
    Connection,
    MutationPacer,
    RequestTally,
    configured_github,
)
from bot.settings import Settings

log = logging.getLogger(__name__)
MAX_FILES_PAGES = 30  # GitHub lists at most 3000 files of a PR
ANNOTATIONS_PER_REQUEST = 50


class GitHubApp:
    """Built once by the composition root; hands out per-installation clients."""

    def __init__(self, *, app_id: int, private_key: str, connection: Connection,
                 secrets: Sequence[str] = (), app_slug: str | None = None) -> None:
        c = connection
        self.app_id = app_id
        # Who "reviewbot" is on GitHub: markers, fingerprints and "already posted" count
        # only from comments and reviews this login wrote (bot/github/identity.py).
        self.identity = AppIdentity(app_slug, self._app_slug)
        self.mutation_interval = c.mutation_interval
        self._pacers: dict[int, MutationPacer] = {}
        # Every text posted passes this guard; the App key itself is one of the secrets.
        self.mask = SecretMask([*secrets, private_key])
        self.shared = Shared(self.mask, app_id, self.identity)
        self._transport, self._github = configured_github(
            AppAuthStrategy(app_id=str(app_id), private_key=private_key), c)

    async def aclose(self) -> None:
        await self._transport.close_pool()

    async def _app_slug(self) -> object:
        """GET /app with the App's JWT: its `slug`."""
        self.shared.tally.total += 1
        try:
            response = await self._github.arequest("GET", "/app")
            data = response.json()
        except (GitHubException, ValueError) as exc:
            raise GitHubError(f"GET /app: {type(exc).__name__}", status=0) from exc
        return data.get("slug") if isinstance(data, dict) else None

    def installation(self, installation_id: int) -> InstallationClient:
        auth = self._github.auth
        assert isinstance(auth, AppAuthStrategy)
        pacer = self._pacers.setdefault(installation_id, MutationPacer(self.mutation_interval))
        return InstallationClient(self._github.with_auth(auth.as_installation(installation_id)),
                                  pacer, self.shared, installation_id)


def app_from_settings(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> GitHubApp:
    key = settings.private_key_pem()
    if settings.github_app_id is None or key is None:
        raise ConfigError("GITHUB_APP_ID and GITHUB_PRIVATE_KEY(_PATH) are needed for GitHub")
    return GitHubApp(app_id=settings.github_app_id, private_key=key,
                     connection=Connection(settings.github_api_url, transport,
                                           mutation_interval=settings.github_write_interval,
                                           timeout=settings.github_timeout_seconds),
                     secrets=settings.secret_values(), app_slug=settings.app_slug)


@dataclass(frozen=True)
class Shared:
    """What every client of one App (or one token) shares: the guard every posted text
    passes, whose comments are reviewbot's own, the request tally, whether it may write."""

    mask: SecretMask = field(default_factory=SecretMask)
    app_id: int | None = None
    identity: AppIdentity | None = None
    tally: RequestTally = field(default_factory=RequestTally)
    # A fork's pull request gets a read-only token: nothing is even attempted.
    read_only: bool = False
    config_path: str = CONFIG_PATH  # the repository's review settings, on its default branch


class InstallationClient:
    def __init__(self, github: GitHub[Any], pacer: MutationPacer | None = None,
                 shared: Shared | None = None, installation_id: int | None = None) -> None:
        shared = shared or Shared()
        self.installation_id = installation_id
        self._identity = shared.identity
        self._gh = github
        self._pacer = pacer or MutationPacer(0)
        self._mask = shared.mask
        self._app_id = shared.app_id
        self._tally = shared.tally
        self._read_only = shared.read_only
        self._config_path = shared.config_path
        # Requests this client sent (one per call, whatever githubkit retried): a review
        # reports what it cost against the token's hourly allowance.
        self.requests_sent = 0

    @property
    def config_path(self) -> str:
        return self._config_path

    async def own_login(self) -> str:
        """reviewbot's login; without an App behind this client nothing counts as ours."""
        return await self._identity.login() if self._identity is not None else ""

    async def is_ours(self, item: Any) -> bool:
        """Whether one comment or review (as REST lists it) was written by reviewbot."""
        return written_by(item, await self.own_login(), self._app_id)

    async def request(self, method: str, url: str, *, paced: bool | None = None,
                       **kwargs: Any) -> Any:
        """`paced`: spaced out as a write (default: any method but GET)."""
        writes = method != "GET" if paced is None else paced
        if writes and self._read_only:
            raise GitHubError(f"{method} {url}: not sent (a read-only run writes nothing)",
                              status=0)
        if writes:
            await self._pacer.wait()
            if "json" in kwargs:
                kwargs["json"] = self._mask.json(kwargs["json"])
        self.requests_sent += 1
        self._tally.total += 1
        try:
            response = await self._gh.arequest(method, url, **kwargs)
        except RateLimitExceeded as exc:
            raise RetryLater(f"GitHub rate limit on {method} {url}",
                             delay=exc.retry_after.total_seconds()) from exc
        except RequestFailed as exc:
            raw = exc.response.raw_response
            message = _message(raw)
            delay = rate_limit_delay(raw.status_code, raw.headers, message, now=time.time())
            if delay is not None:
                raise RetryLater(f"GitHub rate limit on {method} {url}: {message}",
                                 delay=delay) from exc
            raise GitHubError(f"{method} {url}: {raw.status_code} {message}",
                              status=raw.status_code) from exc
        except RequestError as exc:
            raise GitHubError(f"{method} {url}: {exc!r}", status=0) from exc
        data = response.json() if response.raw_response.content else None
        if method == "POST" and self._identity is not None and isinstance(data, dict) \
                and "body" in data:  # a review or comment reviewbot just wrote
            self._identity.learn(author_of(data))
        return data

    # --- reads ---------------------------------------------------------------------------

    async def get_pull(self, repo: str, number: int) -> PullInfo:
        data = await self.request("GET", f"/repos/{repo}/pulls/{number}")
        return PullInfo(number=number, head_sha=data["head"]["sha"],
                        base_sha=data["base"]["sha"], base_ref=data["base"]["ref"],
                        draft=bool(data.get("draft")), state=str(data.get("state", "open")))

    async def paginate(self, url: str, max_pages: int,
                       params: dict[str, str] | None = None) -> list[Any]:
        items: list[Any] = []
        for page in range(1, max_pages + 1):
            batch = await self.request("GET", url,
                                       params={**(params or {}), "per_page": 100, "page": page})
            items += batch
            if len(batch) < 100:
                break
        return items

    async def list_pull_files(self, repo: str, number: int) -> list[PullFile]:
        files = await self.paginate(f"/repos/{repo}/pulls/{number}/files", MAX_FILES_PAGES)
        return [PullFile(filename=f["filename"], status=f.get("status", "modified"),
                         patch=f.get("patch"), previous_filename=f.get("previous_filename"),
                         changes=int(f.get("changes", 0))) for f in files]

    async def repo_config(self, repo: str, branch: str) -> LoadedConfig:
        """The repository's `.github/reviewbot.yml` on `branch` (its default branch: a PR
        cannot change its own review), parsed; the defaults when there is none."""
        text = await self.get_file(repo, self._config_path, branch)
        return parse_repo_config(text.decode("utf-8", "replace") if text is not None else None)

    async def get_file(self, repo: str, path: str, ref: str) -> bytes | None:
        """The file's bytes at `ref`, or None when it does not exist there."""
        try:
            data = await self.request("GET", f"/repos/{repo}/contents/{quote(path)}",
                                       params={"ref": ref})
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(data, dict) or data.get("type") != "file":
            return None  # a directory, symlink or submodule: not reviewable content
        if data.get("encoding") == "base64" and data.get("content") is not None:
            return base64.b64decode(data["content"])
        return None  # over 1 MB GitHub sends no content: the review marks it too large

    async def own_check_runs(self, repo: str, head_sha: str, name: str
                             ) -> list[tuple[int, bool]]:
        """Our check runs of that name on `head_sha`: (id, completed) (only the App that
        created a check run can update it, so another App's is never ours)."""
        data = await self.request("GET", f"/repos/{repo}/commits/{head_sha}/check-runs",
                                   params={"check_name": name, "filter": "latest"})
        runs = data.get("check_runs", []) if isinstance(data, dict) else []
        out = []
        for run in runs:
            app = run.get("app") or {}
            ours = self._app_id is None or app.get("id") in (None, self._app_id)
            if ours and isinstance(run.get("id"), int):
                out.append((int(run["id"]), run.get("status") == "completed"))
        return out

    async def find_open_check_run(self, repo: str, head_sha: str, name: str) -> int | None:
        """Our check run of that name on `head_sha` that is not completed, if any."""
        return next((run_id for run_id, completed in
                     await self.own_check_runs(repo, head_sha, name) if not completed), None)

    async def list_reviews(self, repo: str, number: int) -> list[PostedReview]:
        reviews = await self.paginate(f"/repos/{repo}/pulls/{number}/reviews", 10)
        return [PostedReview(id=r["id"], body=r.get("body") or "", commit_id=r.get("commit_id"),
                             author=author_of(r))
                for r in reviews]

    async def own_reviews(self, repo: str, number: int) -> list[PostedReview]:
        """The PR's reviews reviewbot itself wrote (anyone can paste its hidden marker)."""
        own = await self.own_login()
        return [r for r in await self.list_reviews(repo, number) if own and r.author == own]

    async def permission_of(self, repo: str, login: str) -> str:
        """A user's permission on the repository: admin, maintain, write, triage, read or
        none (a user who is not a collaborator at all: none)."""
        try:
            data = await self.request(
                "GET", f"/repos/{repo}/collaborators/{quote(login, safe='')}/permission")
        except GitHubError as exc:
            if exc.status == 404:
                return "none"
            raise
        return str(data.get("permission") or "none")

    async def own_review_comment_body(self, repo: str, comment_id: int) -> str | None:
        """A review comment's body when reviewbot wrote it; None for anyone else's."""
        data = await self.request("GET", f"/repos/{repo}/pulls/comments/{comment_id}")
        return str(data.get("body") or "") if await self.is_ours(data) else None

    async def thread_bodies(self, repo: str, number: int, root: int) -> list[str]:
        """The messages of one review thread, oldest first (its first comment and replies)."""
        comments = await self.paginate(f"/repos/{repo}/pulls/{number}/comments", 10)
        return [c.get("body") or "" for c in comments
                if c.get("id") == root or c.get("in_reply_to_id") == root]

    async def own_review_comments(self, repo: str, number: int) -> list[ReviewComment]:
        """reviewbot's own review comments on the PR with their 👍/👎 counts (GitHub sends
        no webhook for reactions: they are read when the PR is reviewed again)."""
        comments = await self.paginate(f"/repos/{repo}/pulls/{number}/comments", 10)
        own = await self.own_login()
        out = []
        for c in comments:
            if not written_by(c, own, self._app_id):
                continue  # a person's comment may carry copies of our hidden markers
            rollup = c.get("reactions") or {}
            out.append(ReviewComment(id=int(c["id"]), body=str(c.get("body") or ""),
                                     author=author_of(c), up=int(rollup.get("+1") or 0),
                                     down=int(rollup.get("-1") or 0)))
        return out

    async def reactions_of(self, repo: str, comment_id: int,
                           max_pages: int = 5) -> list[tuple[str, str]]:
        """Who reacted how to a review comment: (login, content) pairs."""
        items = await self.paginate(f"/repos/{repo}/pulls/comments/{comment_id}/reactions",
                                    max_pages)
        return [(author_of(r), str(r.get("content") or "")) for r in items]

    async def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        url = gql.graphql_url(str(self._gh.config.base_url))
        return gql.data_of(await self.request(
            "POST", url, paced=query.lstrip().startswith("mutation"),
            json={"query": query, "variables": variables}))

    async def review_threads(self, repo: str, number: int,
                             max_pages: int = 10) -> list[gql.ReviewThread]:
        owner, name = repo.split("/", 1)
        threads: list[gql.ReviewThread] = []
        after: str | None = None
        for _ in range(max_pages):
            page, after = gql.parse_threads(await self.graphql(
                gql.THREADS_QUERY, {"owner": owner, "name": name, "number": number,
                                    "after": after}))
            threads += page
            if after is None:
                return threads
        return threads

    async def resolve_thread(self, thread_id: str) -> None:
        await self.graphql(gql.RESOLVE_MUTATION, {"thread": thread_id})

    # --- writes --------------------------------------------------------------------------

    async def create_review(self, repo: str, number: int, *, commit_id: str, body: str,
                            event: str, comments: Sequence[dict[str, Any]]) -> int:
        if event not in ("COMMENT", "REQUEST_CHANGES"):
            raise ValueError(f"reviewbot never posts a {event} review")
        data = await self.request("POST", f"/repos/{repo}/pulls/{number}/reviews",
                                   json={"commit_id": commit_id, "body": fit_body(body),
                                         "event": event,
                                         "comments": [{**c, "body": fit_body(str(c["body"]))}
                                                      for c in comments]})
        return int(data["id"])

    async def create_check_run(self, repo: str, *, name: str, head_sha: str) -> int:
        data = await self.request("POST", f"/repos/{repo}/check-runs",
                                   json={"name": name, "head_sha": head_sha,
                                         "status": "in_progress"})
        return int(data["id"])

    async def complete_check_run(self, repo: str, check_run_id: int, *, conclusion: str,
                                 title: str, summary: str,
                                 annotations: Sequence[dict[str, Any]]) -> None:
        """GitHub takes at most 50 annotations per request: send them in batches, the last
        batch together with the conclusion."""
        batches = [list(annotations[i : i + ANNOTATIONS_PER_REQUEST])
                   for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)] or [[]]
        output = {"title": title[:255], "summary": fit_body(summary)}
        for batch in batches[:-1]:
            await self.request("PATCH", f"/repos/{repo}/check-runs/{check_run_id}",
                                json={"output": {**output, "annotations": batch}})
        await self.request("PATCH", f"/repos/{repo}/check-runs/{check_run_id}",
                            json={"status": "completed", "conclusion": conclusion,
                                  "output": {**output, "annotations": batches[-1]}})

    async def create_issue_comment(self, repo: str, number: int, body: str) -> int:
        data = await self.request("POST", f"/repos/{repo}/issues/{number}/comments",
                                   json={"body": fit_body(body)})
        return int(data["id"])

    async def add_reaction(self, repo: str, comment_id: int, content: str, *,
                           review_comment: bool = False) -> None:
        kind = "pulls" if review_comment else "issues"
        await self.request("POST", f"/repos/{repo}/{kind}/comments/{comment_id}/reactions",
                            json={"content": content})

    async def reply_in_thread(self, repo: str, number: int, comment_id: int,
                              body: str) -> int:
        """A reply in a review comment's thread (the comment it answers opened it)."""
        data = await self.request(
            "POST", f"/repos/{repo}/pulls/{number}/comments/{comment_id}/replies",
            json={"body": fit_body(body)})
        return int(data["id"])

    async def add_labels(self, repo: str, number: int, labels: Sequence[str]) -> None:
        await self.request("POST", f"/repos/{repo}/issues/{number}/labels",
                            json={"labels": list(labels)})


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        return str(data.get("message", ""))[:500]
    return ""
