"""Test wiring: a FakeGitHub holding a git repository's change as a pull request, and the
reviewbot pieces (web app, worker, GitHub gateway) pointed at it through ASGI transports."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from bot.github.gateway import GitHubApp
from bot.github.transport import Connection
from bot.handlers.table import build_router
from bot.jobs.context import Services
from bot.jobs.queue import JobQueue, QueuePolicy
from bot.jobs.worker import Worker, WorkerTimings
from bot.review.gitrepo import commit_tree
from bot.web.app import WEBHOOK_PATH, create_app
from bot.web.replay import github_headers
from checks.linters.workspace import Runner
from tests.conftest import SECRET, make_settings, payload_bytes
from tests.fakegithub import FakeGitHub, FakePull, make_key

REPO = "octo/demo"
INSTALLATION = 42
APP_ID = 777


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


def pull_files(repo: Path, base: str, head: str) -> list[dict[str, Any]]:
    """What GitHub's PR files API returns for base...head (patch = hunks without headers)."""
    out = []
    status_map = {"A": "added", "M": "modified", "D": "removed", "R": "renamed"}
    for row in git(repo, "diff", "--name-status", "-M", base, head).splitlines():
        parts = row.split("\t")
        status = status_map[parts[0][0]]
        name = parts[-1]
        numstat = git(repo, "diff", "--numstat", "-M", base, head, "--", *parts[1:]).split()
        binary = numstat[0] == "-"
        adds, dels = (0, 0) if binary else (int(numstat[0]), int(numstat[1]))
        entry: dict[str, Any] = {
            "sha": "0" * 40, "filename": name, "status": status, "additions": adds,
            "deletions": dels, "changes": adds + dels, "blob_url": "https://x",
            "raw_url": "https://x", "contents_url": "https://x",
        }
        if status == "renamed":
            entry["previous_filename"] = parts[1]
        if not binary:
            diff = git(repo, "diff", "-M", base, head, "--", *parts[1:])
            entry["patch"] = diff[diff.index("@@"):].rstrip("\n") if "@@" in diff else ""
        out.append(entry)
    return out


def load_repo_into(fake: FakeGitHub, repo: Path, base: str, head: str, number: int = 7,
                   draft: bool = False) -> FakePull:
    for ref in (base, head):
        for path in git(repo, "ls-tree", "-r", "--name-only", ref).splitlines():
            content = subprocess.run(["git", "-C", str(repo), "show", f"{ref}:{path}"],
                                     check=True, capture_output=True).stdout
            fake.add_file(REPO, ref, path, content)
            if ref == base:
                fake.add_file(REPO, "main", path, content)
    pull = FakePull(number=number, head_sha=head, base_sha=base,
                    files=pull_files(repo, base, head), draft=draft)
    fake.add_pull(REPO, pull)
    return pull


def pr_event(number: int, head: str, action: str = "opened") -> bytes:
    data = json.loads(payload_bytes("pull_request.opened"))
    data["action"] = action
    data["number"] = number
    data["pull_request"]["number"] = number
    data["pull_request"]["head"]["sha"] = head
    data["repository"]["full_name"] = REPO
    data["repository"]["default_branch"] = "main"
    data["installation"] = {"id": INSTALLATION}
    return json.dumps(data).encode()


@dataclass
class World:
    fake: FakeGitHub
    engine: Engine
    web: httpx.AsyncClient
    worker: Worker
    queue: JobQueue
    github: GitHubApp
    private_key: str

    async def deliver(self, body: bytes, delivery_id: str, event: str = "pull_request"
                      ) -> httpx.Response:
        return await self.web.post(WEBHOOK_PATH, content=body,
                                   headers=github_headers(SECRET.encode(), body, event,
                                                          delivery_id))

    async def run_jobs(self) -> int:
        ran = 0
        while (job := self.queue.claim(self.worker.worker_id, 60)) is not None:
            await self.worker.process(job)
            ran += 1
        return ran


def make_world(engine: Engine, mutation_interval: float = 0.0,
               linters: Mapping[str, Runner] | None = None, **env: Any) -> World:
    """`linters` None runs the four real linters; `recorded_runners()` replays the demo's."""
    pem, public = make_key()
    template = json.loads(payload_bytes("pull_request.opened-githubkit"))["pull_request"]
    fake = FakeGitHub(APP_ID, public, template)
    fake.permissions[(REPO, "maintainer")] = "admin"  # the default commenter of the tests
    settings = make_settings(GITHUB_APP_ID=APP_ID, GITHUB_PRIVATE_KEY=pem,
                             GITHUB_API_URL="http://github.test", **env)
    github = GitHubApp(app_id=APP_ID, private_key=pem, connection=Connection(
        "http://github.test", httpx.ASGITransport(app=fake.app), retry_base_seconds=0.01,
        mutation_interval=mutation_interval))
    context = Services(settings=settings, engine=engine, github=github, linters=linters)
    router = build_router()
    app = create_app(settings, engine=engine, router=router, context=context)
    web = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot")
    queue = JobQueue(engine, policy=QueuePolicy.from_settings(settings))
    worker = Worker(queue, router, context, WorkerTimings(60, 0.01))
    return World(fake, engine, web, worker, queue, github, pem)


def commit_files(repo: Path, files: dict[str, str], message: str) -> str:
    """Write `files` into `repo` (created and initialised if needed), commit, return the SHA."""
    return commit_tree(repo, files, message)


def demo_world(engine: Engine, tmp_path: Path, draft: bool = False, recorded: bool = True,
               **env: Any) -> tuple[World, Path, str, str]:
    """A world whose FakeGitHub holds the demo change as PR #7; its review replays the
    linters' recorded output unless `recorded` is False."""
    from bot.review.demo import build_demo_repo
    from tests.recorded import recorded_runners

    repo = tmp_path / "demo"
    base, head = build_demo_repo(repo)
    world = make_world(engine, linters=recorded_runners() if recorded else None, **env)
    load_repo_into(world.fake, repo, base, head, draft=draft)
    return world, repo, base, head
