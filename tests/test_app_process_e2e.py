"""The App as an operator runs it: `reviewbot serve` (a real process, its own composition
root, App key from a file) against FakeGitHub served over HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.review.demo import build_demo_repo
from tests.conftest import SECRET
from tests.fakegithub import FakeGitHub
from tests.github_world import APP_ID, REPO, load_repo_into, make_world, pr_event
from tests.helpers.processes import replay_and_wait, served, start_serve, stop
from tests.test_serve_e2e import free_port

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "reviewbot"


def inline_comments_of_the_demo(where: Path) -> int:
    import asyncio

    from bot.review.local import request_from_git
    from bot.review.pipeline import run_review
    from bot.review.policy import ReviewPolicy

    base, head = build_demo_repo(where)
    plan = asyncio.run(run_review(request_from_git(where, base, head),
                                  ReviewPolicy(use_llm=False)))
    return len(plan.comments)


@pytest.fixture
def served_fake(sqlite_engine, tmp_path: Path) -> Iterator[tuple[FakeGitHub, str, str, str]]:  # type: ignore[no-untyped-def]
    world = make_world(sqlite_engine)  # only for its FakeGitHub and App key
    pem = world.private_key
    repo = tmp_path / "demo"
    base, head = build_demo_repo(repo)
    load_repo_into(world.fake, repo, base, head)
    with served(world.fake.app, free_port()) as url:
        yield world.fake, url, pem, head


@pytest.mark.measured_evidence  # the App's process reads the shipped fix-rate table
def test_serve_reviews_a_replayed_pull_request(served_fake, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake, api_url, pem, head = served_fake
    expected = inline_comments_of_the_demo(tmp_path / "local")
    key = tmp_path / "app.pem"
    key.write_text(pem)
    port = free_port()
    env = {**os.environ, "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_APP_ID": str(APP_ID),
           "GITHUB_PRIVATE_KEY_PATH": str(key), "GITHUB_API_URL": api_url,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "REVIEWBOT_POLL_SECONDS": "0.05",
           "REVIEWBOT_APP_SLUG": "reviewbot"}
    server = start_serve(port, env)
    try:
        payload = tmp_path / "pr.json"
        payload.write_bytes(pr_event(7, head))
        replay_and_wait(port, payload, env, lambda: any(
            r["status"] == "completed" for r in fake.check_runs.values()), timeout=90)
    finally:
        err = stop(server)
    assert len(fake.reviews[(REPO, 7)]) == 1, err
    assert len(fake.check_runs) == 1
    # As many inline comments as the same review run here gives (the shipped table decides
    # which rules have earned one).
    assert len(fake.review_comments.get((REPO, 7), [])) == expected
    assert fake.refused == []
    assert pem.splitlines()[1] not in err  # the App key never reaches the logs
