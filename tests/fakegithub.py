"""A stateful fake of the GitHub REST API, enough for reviewbot, served as an ASGI app.

It checks the App JWT (RS256, signed by the App's key) and mints installation tokens; it
refuses review comments off the diff with GitHub's 422 and more than 50 annotations per
request; faults (secondary rate limits, 5xx) can be queued per route. Every JSON response
is validated against githubkit's models so the fake cannot drift from what GitHub sends.
Its hunk parsing is written independently of bot/core/diffmap.py on purpose.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from githubkit_schemas.latest import models as m
from pydantic import BaseModel, TypeAdapter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

APP_SLUG = "reviewbot-test"
BOT_LOGIN = f"{APP_SLUG}[bot]"
USER = {
    "login": BOT_LOGIN, "id": 1, "node_id": "MDQ6VXNlcjE=", "avatar_url": "https://x/a",
    "gravatar_id": "", "url": "https://api.github.com/users/octocat",
    "html_url": "https://github.com/octocat", "followers_url": "https://x",
    "following_url": "https://x", "gists_url": "https://x", "starred_url": "https://x",
    "subscriptions_url": "https://x", "organizations_url": "https://x", "repos_url": "https://x",
    "events_url": "https://x", "received_events_url": "https://x", "type": "Bot",
    "site_admin": False, "user_view_type": "public",
}


def make_key() -> tuple[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return pem, key.public_key()


GITHUB_TEXT_LIMIT = 65_536
BLOB_TEXT_LIMIT = 512_000  # GraphQL gives a larger blob's text truncated (isTruncated)


def too_long(*texts: Any) -> bool:
    """GitHub refuses a body or summary over 65,536 characters (422)."""
    return any(isinstance(t, str) and len(t) > GITHUB_TEXT_LIMIT for t in texts)


def commentable(patch: str) -> list[set[int]]:
    """RIGHT-side lines GitHub accepts comments on, one set per hunk."""
    hunks: list[set[int]] = []
    line = 0
    for text in patch.splitlines():
        header = re.match(r"@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@", text)
        if header:
            line = int(header.group(1))
            hunks.append(set())
        elif hunks and not text.startswith("-") and not text.startswith("\\"):
            hunks[-1].add(line)
            line += 1
    return hunks


@dataclass
class FakePull:
    number: int
    head_sha: str
    base_sha: str
    files: list[dict[str, Any]]
    draft: bool = False
    state: str = "open"
    body: str | None = None  # the description its author wrote


@dataclass
class Fault:
    method: str
    path_regex: str
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


class FakeGitHub:
    def __init__(self, app_id: int, public_key: Any, pr_template: dict[str, Any]) -> None:
        self.app_id = app_id
        self.public_key = public_key
        self.pr_template = pr_template
        self.tokens: dict[str, int] = {}
        # Who writes with each token: an App's installation tokens write as its bot; a
        # workflow's GITHUB_TOKEN (`add_token`) as github-actions[bot].
        self.token_logins: dict[str, str] = {}
        self.files: dict[tuple[str, str, str], bytes] = {}  # (repo, ref, path) -> content
        self.blob_reads: list[tuple[str, str, str]] = []  # files read through GraphQL
        self.pulls: dict[tuple[str, int], FakePull] = {}
        self.reviews: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.review_comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.check_runs: dict[int, dict[str, Any]] = {}
        self.issue_comments: list[dict[str, Any]] = []
        self.reactions: list[dict[str, Any]] = []
        self.permissions: dict[tuple[str, str], str] = {}  # (repo, login) -> permission
        self.resolved_threads: set[int] = set()  # root comment ids of resolved threads
        self.resolvers: dict[int, str] = {}  # root comment id -> who resolved it
        self.comment_reactions: dict[int, list[dict[str, Any]]] = {}  # id -> reactions
        self.issues: dict[tuple[str, int], dict[str, Any]] = {}
        self.labels: dict[str, list[dict[str, Any]]] = {}  # repo -> its labels
        self.requests: list[tuple[str, str, int]] = []
        self.mutation_times: list[float] = []
        self.faults: list[Fault] = []
        self.read_only_tokens: set[str] = set()
        self.refused: list[tuple[str, str, int, str]] = []
        self.peers: set[tuple[str, int]] = set()  # client connections seen (pooling tests)
        self._ids = itertools.count(1000)
        self.app = Starlette(routes=[Route("/{path:path}", self.dispatch,
                                           methods=["GET", "POST", "PATCH", "PUT", "DELETE"])])

    # --- state set-up ----------------------------------------------------------------------

    def add_file(self, repo: str, ref: str, path: str, content: bytes) -> None:
        self.files[(repo, ref, path)] = content

    def add_token(self, token: str, login: str = "github-actions[bot]",
                  read_only: bool = False) -> None:
        """A token as a workflow gets it (no App JWT behind it); a fork's is read-only."""
        self.tokens[token] = 0
        self.token_logins[token] = login
        if read_only:
            self.read_only_tokens.add(token)

    def _author(self, request: Request) -> dict[str, Any]:
        """The user GitHub shows as the author of what this request writes."""
        token = request.headers.get("authorization", "").partition(" ")[2]
        return {**USER, "login": self.token_logins.get(token, BOT_LOGIN)}

    def add_pull(self, repo: str, pull: FakePull) -> None:
        self.pulls[(repo, pull.number)] = pull

    def fail(self, fault: Fault) -> None:
        self.faults.append(fault)

    # --- HTTP ------------------------------------------------------------------------------

    async def dispatch(self, request: Request) -> Response:
        if request.client is not None:
            self.peers.add((request.client.host, request.client.port))
        path = "/" + request.path_params["path"]
        method = request.method
        reads = path.startswith("/app") or (path == "/graphql" and not str(
            json.loads(await request.body()).get("query", "")).lstrip().startswith("mutation"))
        if method != "GET" and not reads:
            self.mutation_times.append(time.monotonic())
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and re.fullmatch(fault.path_regex, path):
                fault.times -= 1
                self.requests.append((method, path, fault.status))
                return JSONResponse(fault.body, fault.status, headers=fault.headers)
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("POST", r"/app/installations/(\d+)/access_tokens", self.mint_token),
            ("GET", r"/app", self.get_app),
            ("GET", r"/repos/([^/]+/[^/]+)/pulls/comments/(\d+)/reactions",
             self.list_comment_reactions),
            ("GET", r"/repos/([^/]+/[^/]+)/pulls/(\d+)", self.get_pull),
            ("PATCH", r"/repos/([^/]+/[^/]+)/pulls/(\d+)", self.edit_pull),
            ("GET", r"/repos/([^/]+/[^/]+)/pulls/(\d+)/files", self.list_files),
            ("GET", r"/repos/([^/]+/[^/]+)/pulls/(\d+)/reviews", self.list_reviews),
            ("POST", r"/repos/([^/]+/[^/]+)/pulls/(\d+)/reviews", self.create_review),
            ("GET", r"/repos/([^/]+/[^/]+)/pulls/(\d+)/comments", self.list_review_comments),
            ("GET", r"/repos/([^/]+/[^/]+)/contents/(.+)", self.get_content),
            ("POST", r"/repos/([^/]+/[^/]+)/check-runs", self.create_check_run),
            ("PATCH", r"/repos/([^/]+/[^/]+)/check-runs/(\d+)", self.update_check_run),
            ("GET", r"/repos/([^/]+/[^/]+)/commits/([^/]+)/check-runs", self.list_check_runs),
            ("POST", r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments", self.create_issue_comment),
            ("POST", r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)/reactions", self.add_reaction),
            ("POST", r"/repos/([^/]+/[^/]+)/pulls/comments/(\d+)/reactions", self.add_reaction),
            ("GET", r"/repos/([^/]+/[^/]+)/pulls/comments/(\d+)", self.get_review_comment),
            ("GET", r"/repos/([^/]+/[^/]+)/collaborators/([^/]+)/permission",
             self.get_permission),
            ("POST", r"/repos/([^/]+/[^/]+)/pulls/(\d+)/comments/(\d+)/replies",
             self.reply_in_thread),
            ("POST", r"/graphql", self.graphql),
            ("GET", r"/repos/([^/]+/[^/]+)", self.get_repo),
            ("GET", r"/repos/([^/]+/[^/]+)/issues/(\d+)", self.get_issue),
            ("GET", r"/repos/([^/]+/[^/]+)/issues", self.list_issues),
            ("GET", r"/repos/([^/]+/[^/]+)/labels", self.list_labels),
            ("POST", r"/repos/([^/]+/[^/]+)/issues/(\d+)/labels", self.add_issue_labels),
            ("GET", r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)", self.get_issue_comment),
            ("GET", r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments", self.list_issue_comments),
            ("PATCH", r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)", self.edit_issue_comment),
            ("GET", r"/repos/([^/]+/[^/]+)/branches/([^/]+)", self.get_branch),
            ("GET", r"/repos/([^/]+/[^/]+)/git/trees/([^/]+)", self.get_tree),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                if handler in (self.mint_token, self.get_app):
                    problem = self._check_jwt(request)
                else:
                    problem = self._check_token(request)
                if problem:
                    response: Response = JSONResponse({"message": problem}, 401)
                elif method != "GET" and not reads and self._read_only(request):
                    response = JSONResponse(
                        {"message": "Resource not accessible by integration"}, 403)
                else:
                    response = await handler(request, *match.groups())
                self.requests.append((method, path, response.status_code))
                return response
        self.requests.append((method, path, 404))
        return JSONResponse({"message": "Not Found"}, 404)

    def _check_jwt(self, request: Request) -> str | None:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return "A JSON web token could not be decoded"
        try:
            claims = jwt.decode(auth[7:], self.public_key, algorithms=["RS256"])
        except jwt.PyJWTError as exc:
            return f"A JSON web token could not be decoded: {exc}"
        if str(claims.get("iss")) != str(self.app_id):
            return "'Issuer' claim ('iss') must be the App id"
        if claims["exp"] - claims["iat"] > 600 + 60:
            return "'Expiration time' claim ('exp') is too far in the future"
        return None

    def _read_only(self, request: Request) -> bool:
        return request.headers.get("authorization", "").partition(" ")[2] \
            in self.read_only_tokens

    def _check_token(self, request: Request) -> str | None:
        auth = request.headers.get("authorization", "")
        token = auth.split(" ", 1)[1] if " " in auth else ""
        return None if token in self.tokens else "Bad credentials"

    @staticmethod
    def _json(model: Any, data: Any, status: int = 200) -> JSONResponse:
        # What GitHub would send must parse as githubkit's model of it.
        if isinstance(model, type) and issubclass(model, BaseModel):
            model.model_validate(data)
        else:
            TypeAdapter(model).validate_python(data)
        return JSONResponse(data, status)

    def _refuse(self, method: str, path: str, status: int, message: str,
                errors: list[str] | None = None) -> JSONResponse:
        self.refused.append((method, path, status, message))
        body: dict[str, Any] = {"message": message,
                                "documentation_url": "https://docs.github.com/rest"}
        if errors:
            body["errors"] = errors
        return JSONResponse(body, status)

    # --- endpoints -------------------------------------------------------------------------

    async def mint_token(self, _request: Request, installation_id: str) -> JSONResponse:
        token = "ghs_" + secrets.token_hex(16)
        self.tokens[token] = int(installation_id)
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        return self._json(m.InstallationToken, {
            "token": token, "expires_at": expires, "permissions": {"contents": "read"},
            "repository_selection": "all"}, 201)

    async def get_app(self, _request: Request) -> JSONResponse:
        return JSONResponse({"id": self.app_id, "slug": APP_SLUG, "name": "reviewbot test",
                             "owner": USER, "node_id": "A_1"})

    def _pull(self, repo: str, number: str) -> FakePull | None:
        return self.pulls.get((repo, int(number)))

    async def get_pull(self, _r: Request, repo: str, number: str) -> Response:
        pull = self._pull(repo, number)
        if pull is None:
            return JSONResponse({"message": "Not Found"}, 404)
        data = copy.deepcopy(self.pr_template)
        data.update(number=pull.number, draft=pull.draft, state=pull.state, labels=[],
                    body=pull.body)
        data["head"]["sha"], data["base"]["sha"] = pull.head_sha, pull.base_sha
        return self._json(m.PullRequest, data)

    async def edit_pull(self, request: Request, repo: str, number: str) -> Response:
        pull = self._pull(repo, number)
        if pull is None:
            return JSONResponse({"message": "Not Found"}, 404)
        body = await request.json()
        if too_long(body.get("body")):
            return self._refuse("PATCH", request.url.path, 422, "Validation Failed")
        pull.body = body.get("body", pull.body)
        return await self.get_pull(request, repo, number)

    async def list_files(self, request: Request, repo: str, number: str) -> Response:
        pull = self._pull(repo, number)
        if pull is None:
            return JSONResponse({"message": "Not Found"}, 404)
        per_page = int(request.query_params.get("per_page", 30))
        page = int(request.query_params.get("page", 1))
        chunk = pull.files[(page - 1) * per_page : page * per_page]
        return self._json(list[m.DiffEntry], chunk)

    async def get_content(self, request: Request, repo: str, path: str) -> Response:
        ref = request.query_params.get("ref", "main")
        content = self.files.get((repo, ref, path))
        if content is None:
            inside = sorted(p for (r, f, p) in self.files if r == repo and f == ref
                            and p.startswith(path.rstrip("/") + "/")
                            and "/" not in p[len(path.rstrip("/")) + 1:])
            if inside:  # a folder: its files, as the contents API lists them
                return JSONResponse([{"type": "file", "path": p, "name": p.rsplit("/")[-1]}
                                     for p in inside])
            return JSONResponse({"message": "Not Found"}, 404)
        url = f"https://api.github.com/repos/{repo}/contents/{path}"
        return self._json(m.ContentFile, {
            "type": "file", "encoding": "base64", "size": len(content),
            "name": path.rsplit("/", 1)[-1], "path": path,
            "content": base64.b64encode(content).decode(), "sha": "0" * 40, "url": url,
            "git_url": url, "html_url": url, "download_url": url,
            "_links": {"self": url, "git": url, "html": url}})

    async def list_reviews(self, _r: Request, repo: str, number: str) -> Response:
        return self._json(list[m.PullRequestReview], self.reviews.get((repo, int(number)), []))

    async def list_review_comments(self, _r: Request, repo: str, number: str) -> Response:
        return self._json(list[m.PullRequestReviewComment],
                          self.review_comments.get((repo, int(number)), []))

    async def create_review(self, request: Request, repo: str, number: str) -> Response:
        pull = self._pull(repo, number)
        path = request.url.path
        if pull is None:
            return JSONResponse({"message": "Not Found"}, 404)
        body = await request.json()
        if too_long(body.get("body"), *(c.get("body") for c in body.get("comments", []))):
            return self._refuse("POST", path, 422, "Validation Failed",
                                ["body is too long (maximum is 65536 characters)"])
        if body.get("event") not in (None, "COMMENT", "REQUEST_CHANGES", "APPROVE"):
            return self._refuse("POST", path, 422, "Unprocessable Entity")
        patches = {f["filename"]: f.get("patch") for f in pull.files}
        for c in body.get("comments", []):
            hunks = commentable(patches.get(c["path"]) or "")
            line, start = c.get("line"), c.get("start_line")
            hunk = next((h for h in hunks if line in h), None)
            if c["path"] not in patches or hunk is None or (start is not None and (
                    start >= line or start not in hunk)):
                return self._refuse("POST", path, 422, "Unprocessable Entity",
                                    ["Pull request review thread line must be part of the diff"])
        review_id = next(self._ids)
        html = f"https://github.com/{repo}/pull/{number}"
        review = {
            "id": review_id, "node_id": f"PRR_{review_id}", "user": self._author(request),
            "body": body.get("body", ""), "state": "COMMENTED" if body.get("event") ==
            "COMMENT" else "CHANGES_REQUESTED", "html_url": html, "pull_request_url": html,
            "_links": {"html": {"href": html}, "pull_request": {"href": html}},
            "submitted_at": "2026-11-24T00:00:00Z", "commit_id": body.get("commit_id"),
            "author_association": "NONE",
        }
        self.reviews.setdefault((repo, int(number)), []).append(review)
        for c in body.get("comments", []):
            cid = next(self._ids)
            self.review_comments.setdefault((repo, int(number)), []).append({
                "url": html, "pull_request_review_id": review_id, "id": cid,
                "node_id": f"PRRC_{cid}", "diff_hunk": "@@", "path": c["path"],
                "commit_id": body.get("commit_id"), "original_commit_id": body.get("commit_id"),
                "user": self._author(request), "body": c["body"],
                "created_at": "2026-11-24T00:00:00Z",
                "updated_at": "2026-11-24T00:00:00Z", "html_url": html,
                "pull_request_url": html, "author_association": "NONE",
                "_links": {"self": {"href": html}, "html": {"href": html},
                           "pull_request": {"href": html}},
                "line": c["line"], "start_line": c.get("start_line"), "side": c.get("side"),
            })
        return self._json(m.PullRequestReview, review)

    def _check_run(self, run_id: int, repo: str) -> dict[str, Any]:
        run = self.check_runs[run_id]
        url = f"https://api.github.com/repos/{repo}/check-runs/{run_id}"
        return {
            "id": run_id, "head_sha": run["head_sha"], "node_id": f"CR_{run_id}",
            "external_id": None, "url": url, "html_url": url, "details_url": None,
            "status": run["status"], "conclusion": run.get("conclusion"),
            "started_at": "2026-11-24T00:00:00Z", "completed_at": None,
            "output": {"title": run.get("title"), "summary": run.get("summary"), "text": None,
                       "annotations_count": len(run["annotations"]), "annotations_url": url},
            "name": run["name"], "check_suite": None, "app": None, "pull_requests": [],
        }

    async def create_check_run(self, request: Request, repo: str) -> Response:
        body = await request.json()
        run_id = next(self._ids)
        self.check_runs[run_id] = {"name": body["name"], "head_sha": body["head_sha"],
                                   "status": body.get("status", "queued"), "annotations": [],
                                   "repo": repo}
        return self._json(m.CheckRun, self._check_run(run_id, repo), 201)

    async def list_check_runs(self, request: Request, repo: str, sha: str) -> Response:
        name = request.query_params.get("check_name")
        runs = [self._check_run(run_id, repo) for run_id, run in self.check_runs.items()
                if run["repo"] == repo and run["head_sha"] == sha
                and (name is None or run["name"] == name)]
        return self._json(m.ReposOwnerRepoCommitsRefCheckRunsGetResponse200,
                          {"total_count": len(runs), "check_runs": runs})

    async def update_check_run(self, request: Request, repo: str, run_id: str) -> Response:
        body = await request.json()
        run = self.check_runs.get(int(run_id))
        if run is None:
            return JSONResponse({"message": "Not Found"}, 404)
        output = body.get("output") or {}
        if too_long(output.get("summary")):
            return self._refuse("PATCH", request.url.path, 422, "Validation Failed")
        annotations = output.get("annotations") or []
        if len(annotations) > 50:
            return self._refuse("PATCH", request.url.path, 422,
                                "Only 50 annotations are allowed per request")
        run["annotations"] += annotations
        run.update({k: v for k, v in body.items() if k in ("status", "conclusion")})
        run.update({k: output[k] for k in ("title", "summary") if k in output})
        return self._json(m.CheckRun, self._check_run(int(run_id), repo))

    async def get_permission(self, _r: Request, repo: str, login: str) -> Response:
        permission = self.permissions.get((repo, login))
        if permission is None:
            return JSONResponse({"message": f"{login} is not a user"}, 404)
        return JSONResponse({"permission": permission, "role_name": permission,
                             "user": {**USER, "login": login}})

    def react(self, comment: dict[str, Any], content: str, login: str = "maintainer",
              kind: str = "User") -> None:
        """A reaction by `login`: counted in the comment's rollup (as GitHub shows it in
        listings, whoever reacted) and listed with its user."""
        rollup = comment.setdefault("reactions", {
            "url": comment.get("url", ""), "total_count": 0, "+1": 0, "-1": 0, "laugh": 0,
            "confused": 0, "heart": 0, "hooray": 0, "eyes": 0, "rocket": 0})
        rollup[content] += 1
        rollup["total_count"] += 1
        self.comment_reactions.setdefault(comment["id"], []).append({
            "id": next(self._ids), "node_id": "R_1", "content": content,
            "user": {**USER, "login": login, "type": kind},
            "created_at": "2026-11-24T00:00:00Z"})

    async def list_comment_reactions(self, request: Request, repo: str,
                                     comment_id: str) -> Response:
        items = self.comment_reactions.get(int(comment_id), [])
        return self._json(list[m.Reaction], self._page(request, items))

    def add_human_comment(self, repo: str, number: int, path: str, line: int, body: str,
                          login: str = "visitor") -> dict[str, Any]:
        """A person's own review comment on a line (it may carry copies of our markers)."""
        template = next(c for items in self.review_comments.values() for c in items)
        comment = {**copy.deepcopy(template), "id": next(self._ids), "body": body,
                   "path": path, "line": line, "user": {**USER, "login": login,
                                                        "type": "User"}}
        comment.pop("reactions", None)
        comment.pop("in_reply_to_id", None)
        self.review_comments.setdefault((repo, number), []).append(comment)
        return comment

    def add_human_review(self, repo: str, number: int, body: str, commit_id: str,
                         login: str = "visitor") -> None:
        html = f"https://github.com/{repo}/pull/{number}"
        self.reviews.setdefault((repo, number), []).append({
            "id": next(self._ids), "node_id": "PRR_x", "user": {**USER, "login": login,
                                                                "type": "User"},
            "body": body, "state": "COMMENTED", "html_url": html, "pull_request_url": html,
            "_links": {"html": {"href": html}, "pull_request": {"href": html}},
            "submitted_at": "2026-11-24T00:00:00Z", "commit_id": commit_id,
            "author_association": "CONTRIBUTOR"})

    def resolve_as(self, root_id: int, login: str) -> None:
        """A person resolves a review thread in the UI."""
        self.resolved_threads.add(root_id)
        self.resolvers[root_id] = login

    def _review_comment(self, repo: str, comment_id: int) -> dict[str, Any] | None:
        return next((c for (r, _n), items in self.review_comments.items() if r == repo
                     for c in items if c["id"] == comment_id), None)

    async def get_review_comment(self, _r: Request, repo: str, comment_id: str) -> Response:
        comment = self._review_comment(repo, int(comment_id))
        if comment is None:
            return JSONResponse({"message": "Not Found"}, 404)
        return self._json(m.PullRequestReviewComment, comment)

    async def reply_in_thread(self, request: Request, repo: str, number: str,
                              comment_id: str) -> Response:
        parent = self._review_comment(repo, int(comment_id))
        if parent is None:
            return JSONResponse({"message": "Not Found"}, 404)
        body = await request.json()
        reply = {**copy.deepcopy(parent), "id": next(self._ids), "body": body["body"],
                 "in_reply_to_id": parent["id"], "user": self._author(request)}
        self.review_comments[(repo, int(number))].append(reply)
        return self._json(m.PullRequestReviewComment, reply, 201)

    # --- issues ----------------------------------------------------------------------------

    def add_issue(self, repo: str, number: int, title: str, body: str, *,
                  author: str = "reporter", labels: tuple[str, ...] = (),
                  state: str = "open", created_at: str = "2026-11-24T00:00:00Z"
                  ) -> dict[str, Any]:
        issue = {"number": number, "title": title, "body": body, "state": state,
                 "user": {**USER, "login": author, "type": "User"},
                 "labels": [{"name": n} for n in labels], "created_at": created_at,
                 "html_url": f"https://github.com/{repo}/issues/{number}"}
        self.issues[(repo, number)] = issue
        return issue

    def add_label(self, repo: str, name: str, description: str = "") -> None:
        self.labels.setdefault(repo, []).append({"name": name, "description": description,
                                                 "color": "ededed"})

    def issue_labels(self, repo: str, number: int) -> list[str]:
        return [lb["name"] for lb in self.issues[(repo, number)]["labels"]]

    @staticmethod
    def _page(request: Request, items: list[Any]) -> list[Any]:
        per_page = int(request.query_params.get("per_page", 30))
        page = int(request.query_params.get("page", 1))
        return items[(page - 1) * per_page: page * per_page]

    async def get_repo(self, _r: Request, repo: str) -> Response:
        return JSONResponse({"full_name": repo, "default_branch": "main"})

    async def get_issue(self, _r: Request, repo: str, number: str) -> Response:
        issue = self.issues.get((repo, int(number)))
        if issue is None:
            return JSONResponse({"message": "Not Found"}, 404)
        return JSONResponse(issue)

    async def list_issues(self, request: Request, repo: str) -> Response:
        state = request.query_params.get("state", "open")
        items = sorted((i for (r, _n), i in self.issues.items() if r == repo
                        and (state == "all" or i["state"] == state)),
                       key=lambda i: -i["number"])
        return JSONResponse(self._page(request, items))

    async def list_labels(self, request: Request, repo: str) -> Response:
        return JSONResponse(self._page(request, self.labels.get(repo, [])))

    async def add_issue_labels(self, request: Request, repo: str, number: str) -> Response:
        issue = self.issues.get((repo, int(number)))
        if issue is None:
            return JSONResponse({"message": "Not Found"}, 404)
        for name in (await request.json())["labels"]:
            if name not in self.issue_labels(repo, int(number)):
                issue["labels"].append({"name": name})
            if all(lb["name"] != name for lb in self.labels.get(repo, [])):
                self.add_label(repo, name)  # GitHub creates a label it does not know
        return JSONResponse(issue["labels"])

    def _issue_comment(self, repo: str, comment_id: int) -> dict[str, Any] | None:
        return next((c for c in self.issue_comments if c["repo"] == repo
                     and c["id"] == comment_id), None)

    async def list_issue_comments(self, request: Request, repo: str, number: str) -> Response:
        items = [c for c in self.issue_comments
                 if c["repo"] == repo and c["number"] == int(number)]
        return JSONResponse(self._page(request, items))

    async def get_issue_comment(self, _r: Request, repo: str, comment_id: str) -> Response:
        comment = self._issue_comment(repo, int(comment_id))
        if comment is None:
            return JSONResponse({"message": "Not Found"}, 404)
        return JSONResponse(comment)

    async def edit_issue_comment(self, request: Request, repo: str,
                                 comment_id: str) -> Response:
        comment = self._issue_comment(repo, int(comment_id))
        if comment is None:
            return JSONResponse({"message": "Not Found"}, 404)
        comment["body"] = (await request.json())["body"]
        comment["edits"] = comment.get("edits", 0) + 1
        return JSONResponse(comment)

    async def get_branch(self, _r: Request, repo: str, branch: str) -> Response:
        """A branch's head is named after the branch here (files are stored by ref)."""
        return JSONResponse({"name": branch, "commit": {"sha": branch}})

    async def get_tree(self, _r: Request, repo: str, sha: str) -> Response:
        paths = sorted(p for (r, ref, p) in self.files if r == repo and ref == sha)
        return JSONResponse({"sha": sha, "truncated": False,
                             "tree": [{"path": p, "type": "blob"} for p in paths]})

    def add_human_reply(self, repo: str, number: int, parent_id: int, body: str,
                        login: str = "maintainer") -> dict[str, Any]:
        """A person's reply in a review thread (as GitHub would list it)."""
        parent = self._review_comment(repo, parent_id)
        assert parent is not None
        reply = {**copy.deepcopy(parent), "id": next(self._ids), "body": body,
                 "in_reply_to_id": parent_id,
                 "user": {**USER, "login": login, "type": "User"}}
        reply.pop("reactions", None)
        self.review_comments[(repo, number)].append(reply)
        return reply

    def threads(self, repo: str, number: int) -> list[dict[str, Any]]:
        """The PR's review threads as GraphQL shows them: outdated when the line is no
        longer in the current diff."""
        pull = self._pull(repo, str(number))
        patches = {f["filename"]: f.get("patch") or "" for f in pull.files} if pull else {}
        comments = self.review_comments.get((repo, number), [])
        out = []
        for root in (c for c in comments if not c.get("in_reply_to_id")):
            members = [root, *(c for c in comments if c.get("in_reply_to_id") == root["id"])]
            lines = set().union(*commentable(patches.get(root["path"], "")))
            out.append({
                "id": f"PRRT_{root['id']}", "isResolved": root["id"] in self.resolved_threads,
                "resolvedBy": ({"login": self.resolvers[root["id"]]}
                               if root["id"] in self.resolvers else None),
                "isOutdated": root["line"] not in lines, "path": root["path"],
                "comments": {"nodes": [
                    {"databaseId": c["id"], "body": c["body"],
                     "author": {"login": c["user"]["login"],
                                "__typename": "Bot" if c["user"]["type"] == "Bot"
                                else "User"}} for c in members]}})
        return out

    async def graphql(self, request: Request) -> Response:
        """The two GraphQL operations reviewbot sends: list threads, resolve one."""
        body = await request.json()
        query, variables = body.get("query", ""), body.get("variables") or {}
        if "resolveReviewThread" in query:
            root = int(str(variables["thread"]).removeprefix("PRRT_"))
            if self._review_comment_anywhere(root) is None:
                return JSONResponse({"data": None, "errors": [
                    {"message": f"Could not resolve to a node with the global id of "
                                f"'{variables['thread']}'"}]})
            self.resolved_threads.add(root)
            self.resolvers[root] = BOT_LOGIN
            return JSONResponse({"data": {"resolveReviewThread": {
                "thread": {"id": variables["thread"], "isResolved": True}}}})
        if "object(expression:" in query:
            return JSONResponse({"data": {"repository": self._blobs(variables)}})
        if "reviewThreads" in query:
            repo = f"{variables['owner']}/{variables['name']}"
            nodes = self.threads(repo, int(variables["number"]))
            start = int(variables.get("after") or 0)
            page = nodes[start: start + 100]
            more = start + 100 < len(nodes)
            return JSONResponse({"data": {"repository": {"pullRequest": {"reviewThreads": {
                "pageInfo": {"hasNextPage": more, "endCursor": str(start + 100)},
                "nodes": page}}}}})
        return JSONResponse({"errors": [{"message": "unsupported query"}]})

    def _blobs(self, variables: dict[str, Any]) -> dict[str, Any]:
        """`object(expression: "REF:PATH")` under aliases f0..fN, as GitHub answers them:
        null when absent, a Tree for a folder, a Blob's text unless binary or truncated."""
        repo = f"{variables['owner']}/{variables['name']}"
        out: dict[str, Any] = {}
        for name, expression in variables.items():
            if not (name.startswith("e") and name[1:].isdigit()):
                continue
            ref, _, path = str(expression).partition(":")
            self.blob_reads.append((repo, ref, path))
            content = self.files.get((repo, ref, path))
            if content is None:
                prefix = path.rstrip("/") + "/"
                inside = sorted({p[len(prefix):].split("/")[0] for (r, f, p) in self.files
                                 if r == repo and f == ref and p.startswith(prefix)})
                out[f"f{name[1:]}"] = {"__typename": "Tree", "entries": [
                    {"name": n, "type": "tree" if any(
                        p.startswith(f"{prefix}{n}/") for (r, f, p) in self.files
                        if r == repo and f == ref) else "blob"} for n in inside]} \
                    if inside else None
                continue
            try:
                text: str | None = content.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            truncated = text is not None and len(content) > BLOB_TEXT_LIMIT
            out[f"f{name[1:]}"] = {"__typename": "Blob", "isBinary": text is None,
                                   "isTruncated": truncated,
                                   "text": text[:BLOB_TEXT_LIMIT] if text is not None else None}
        return out

    def _review_comment_anywhere(self, comment_id: int) -> dict[str, Any] | None:
        return next((c for items in self.review_comments.values() for c in items
                     if c["id"] == comment_id), None)

    async def add_reaction(self, request: Request, repo: str, comment_id: str) -> Response:
        body = await request.json()
        if body.get("content") not in ("+1", "-1", "laugh", "confused", "heart", "hooray",
                                       "rocket", "eyes"):
            return JSONResponse({"message": "Validation Failed"}, 422)
        author = self._author(request)
        reaction = {"id": next(self._ids), "node_id": "R_1", "user": author,
                    "content": body["content"], "created_at": "2026-11-24T00:00:00Z"}
        if "/pulls/comments/" in request.url.path:
            target = self._review_comment(repo, int(comment_id))
            if target is not None:  # (a human's reply the tests only deliver as a webhook)
                self.react(target, body["content"], author["login"], "Bot")
        self.reactions.append({"repo": repo, "comment_id": int(comment_id), **reaction})
        return self._json(m.Reaction, reaction, 201)

    async def create_issue_comment(self, request: Request, repo: str, number: str) -> Response:
        body = await request.json()
        if too_long(body.get("body")):
            return self._refuse("POST", request.url.path, 422, "Validation Failed")
        cid = next(self._ids)
        url = f"https://github.com/{repo}/issues/{number}"
        comment = {"id": cid, "node_id": f"IC_{cid}", "url": url, "html_url": url,
                   "body": body["body"], "user": self._author(request),
                   "created_at": "2026-11-24T00:00:00Z",
                   "updated_at": "2026-11-24T00:00:00Z", "issue_url": url,
                   "author_association": "NONE"}
        self.issue_comments.append({"repo": repo, "number": int(number), **comment})
        return self._json(m.IssueComment, comment, 201)
