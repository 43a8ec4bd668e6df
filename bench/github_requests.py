"""GitHub requests per review, App and Action, for pull requests of 1, 30 and 300 files.

Each pull request adds N small Python files; the review runs end to end against FakeGitHub
(the App through a signed delivery and the worker; the Action as `reviewbot action` runs it)
with the demo's recorded linter output, so only the GitHub traffic differs between runs.
Every request FakeGitHub answered is counted, except the installation token githubkit mints
(once an hour in a real process). Run it on two checkouts to compare (the same file works on
a commit before batching):

    python -m bench.github_requests [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import httpx

from bot.action.run import run_action
from bot.store.engine import create_engine
from bot.store.migrate import upgrade
from tests.conftest import make_settings, payload_bytes
from tests.fakegithub import FakeGitHub, make_key
from tests.github_world import (
    APP_ID,
    commit_files,
    load_repo_into,
    make_world,
    pr_event,
)
from tests.recorded import recorded_runners
from tests.test_action import TOKEN, make_env, pr_payload

SIZES = (1, 30, 300)


def change(tmp: Path, count: int) -> tuple[Path, str, str]:
    repo = tmp / f"repo{count}"
    base = commit_files(repo, {"README.md": "demo\n"}, "base")
    head = commit_files(repo, {f"pkg/mod_{i:03}.py": f"def f_{i}(x):\n    return x + {i}\n"
                               for i in range(count)}, f"{count} files")
    return repo, base, head


def counted(requests: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    return [r for r in requests if "/access_tokens" not in r[1]]


async def app_review(tmp: Path, count: int) -> list[tuple[str, str, int]]:
    engine = create_engine(f"sqlite:///{tmp / f'app{count}.db'}")
    upgrade(engine)
    world = make_world(engine, linters=recorded_runners())
    repo, base, head = change(tmp, count)
    load_repo_into(world.fake, repo, base, head)
    answer = await world.deliver(pr_event(7, head), f"bench-{count}")
    assert answer.status_code == 202, answer.text
    before = len(world.fake.requests)
    await world.run_jobs()
    await world.github.aclose()
    engine.dispose()
    return counted(world.fake.requests[before:])


async def action_review(tmp: Path, count: int) -> list[tuple[str, str, int]]:
    _pem, public = make_key()
    template = json.loads(payload_bytes("pull_request.opened-githubkit"))["pull_request"]
    fake = FakeGitHub(APP_ID, public, template)
    fake.add_token(TOKEN)
    repo, base, head = change(tmp, count)
    load_repo_into(fake, repo, base, head)
    env = make_env(tmp, "pull_request", pr_payload(head))
    result = await run_action(env, make_settings(REVIEWBOT_GITHUB_WRITE_INTERVAL=0),
                              transport=httpx.ASGITransport(app=fake.app),
                              linters=recorded_runners())
    assert result.plan is not None, result
    return counted(fake.requests)


def kinds(requests: list[tuple[str, str, int]]) -> str:
    """Which requests, grouped (contents and GraphQL are what batching changes)."""
    def kind(method: str, path: str) -> str:
        if "/contents/" in path:
            return "contents"
        if path == "/graphql":
            return "graphql"
        return "other"
    tally = Counter(kind(m, p) for m, p, _s in requests)
    return ", ".join(f"{k} {tally[k]}" for k in ("contents", "graphql", "other"))


async def main() -> dict[str, dict[int, tuple[int, str]]]:
    out: dict[str, dict[int, tuple[int, str]]] = {"app": {}, "action": {}}
    for count in SIZES:
        for mode, review in (("app", app_review), ("action", action_review)):
            with tempfile.TemporaryDirectory() as tmp:
                requests = await review(Path(tmp), count)
            out[mode][count] = (len(requests), kinds(requests))
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = asyncio.run(main())
    if args.json:
        json.dump({m: {str(n): c for n, (c, _k) in r.items()} for m, r in results.items()},
                  sys.stdout, indent=2)
    else:
        print("| mode | files | GitHub requests | of which |\n|---|---:|---:|---|")
        for mode, rows in results.items():
            for count, (n, what) in rows.items():
                print(f"| {mode} | {count} | {n} | {what} |")
