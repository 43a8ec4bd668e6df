"""`reviewbot action` run as a workflow step runs it: a process with the workflow's
environment (event name and file, token, repository, API URL, step summary), the real
linters, FakeGitHub over HTTP with a workflow token. One review and one check run; the
same head again posts nothing; a fork's run writes nothing and prints annotations."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.fakegithub import FakeGitHub, make_key
from tests.github_world import APP_ID, REPO, load_repo_into
from tests.helpers.processes import BIN, served
from tests.test_action import ACTIONS_BOT, FORK_TOKEN, TOKEN, pr_payload
from tests.test_serve_e2e import free_port

pytestmark = pytest.mark.slow


def workflow_step(tmp_path: Path, url: str, payload: dict[str, Any], *args: str,
                  token: str = TOKEN, attempt: str = "1") -> subprocess.CompletedProcess[str]:
    event = tmp_path / f"event-{attempt}.json"
    event.write_text(json.dumps(payload))
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path),
           "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
           "GITHUB_EVENT_PATH": str(event), "GITHUB_TOKEN": token, "GITHUB_REPOSITORY": REPO,
           "GITHUB_API_URL": url, "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
           "GITHUB_RUN_ID": "5", "GITHUB_RUN_ATTEMPT": attempt, "REVIEWBOT_FAIL_ON": "error",
           "REVIEWBOT_GITHUB_WRITE_INTERVAL": "0"}
    return subprocess.run([str(BIN), "action", *args], env=env, capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)


def test_the_command_reviews_once_and_a_fork_writes_nothing(tmp_path: Path) -> None:
    from bot.review.demo import build_demo_repo

    _pem, public = make_key()
    template = json.loads((Path(__file__).parent.parent / "fixtures" / "webhooks" /
                           "pull_request.opened-githubkit" / "payload.json").read_text())
    fake = FakeGitHub(APP_ID, public, template["pull_request"])
    base, head = build_demo_repo(tmp_path / "demo")
    load_repo_into(fake, tmp_path / "demo", base, head)
    fake.add_token(TOKEN)
    fake.add_token(FORK_TOKEN, read_only=True)
    # The maintainers' choice on the default branch: two of the demo's rules inline.
    fake.add_file(REPO, "main", ".github/reviewbot.yml",
                  b"enable_rules: [semgrep:subprocess-shell-true, "
                  b"semgrep:sql-built-by-string-formatting]\n")
    with served(fake.app, free_port()) as url:
        first = workflow_step(tmp_path, url, pr_payload(head), "--format", "json")
        assert first.returncode == 1, first.stderr[-2000:]  # fail-on error: shell=True
        result = json.loads(first.stdout)
        assert result["posted"] and result["github_requests"] == len(fake.requests)
        assert TOKEN not in first.stdout + first.stderr
        (review,) = fake.reviews[(REPO, 7)]
        assert review["user"]["login"] == ACTIONS_BOT
        (check,) = fake.check_runs.values()
        assert check["status"] == "completed" and check["conclusion"] == "failure"

        rerun = workflow_step(tmp_path, url, pr_payload(head), attempt="2")
        assert rerun.returncode == 0 and "handled review.pull_request" in rerun.stdout
        assert len(fake.reviews[(REPO, 7)]) == 1 and len(fake.check_runs) == 1

        before = len(fake.requests)
        fork = workflow_step(tmp_path, url, pr_payload(head, fork=True), token=FORK_TOKEN,
                             attempt="3")
        assert fork.returncode == 1, fork.stderr[-2000:]
        sent = fake.requests[before:]
        assert all(method == "GET" or path == "/graphql" for method, path, _ in sent), sent
        assert any(line.startswith("::error file=shop/orders.py,line=")
                   for line in fork.stdout.splitlines())
    summary = (tmp_path / "summary.md").read_text()
    assert "a pull request from a fork" in summary and "GitHub requests this run:" in summary
