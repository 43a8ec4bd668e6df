"""Batched reads: the changed files at head and the default branch's settings in about one
GraphQL request per 100 files, in the Action and in the App; what GraphQL cannot give as
text (binary, truncated) through REST; a failing batch read file by file, never lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from bot.action.environment import ActionEnv
from bot.action.run import run_action
from bot.github import blobs
from bot.github.contents import default_branch_settings, read_files
from bot.github.gateway import InstallationClient
from bot.github.token_access import TokenGitHub
from bot.github.transport import Connection
from tests.conftest import make_settings, payload_bytes
from tests.fakegithub import BLOB_TEXT_LIMIT, FakeGitHub, Fault, make_key
from tests.github_world import (
    APP_ID,
    REPO,
    commit_files,
    load_repo_into,
    make_world,
    pr_event,
)
from tests.recorded import recorded_runners
from tests.test_action import TOKEN, make_env, pr_payload

# --- the query (pure) -------------------------------------------------------------------


def test_paths_travel_as_variables_so_no_file_name_changes_the_query() -> None:
    hostile = ['a") { x } b: object(expression: "main:.env', "ok.py"]
    query = blobs.blob_query(hostile)
    assert "main:" not in query and ".env" not in query and "ok.py" not in query
    assert query.count("object(expression: $e") == 2
    assert blobs.blob_variables("o/r", "abc", hostile) == {
        "owner": "o", "name": "r", "e0": f"abc:{hostile[0]}", "e1": "abc:ok.py"}
    assert [len(b) for b in blobs.batches([str(i) for i in range(250)])] == [100, 100, 50]


def test_an_answer_is_read_as_text_absent_or_to_be_read_through_rest() -> None:
    data = {"repository": {
        "f0": {"__typename": "Blob", "text": "x = 1\n", "isBinary": False,
               "isTruncated": False},
        "f1": None,
        "f2": {"__typename": "Tree"},
        "f3": {"__typename": "Blob", "text": None, "isBinary": True, "isTruncated": False},
        "f4": {"__typename": "Blob", "text": "cut", "isBinary": False, "isTruncated": True},
    }}
    parsed = blobs.parse_blobs(data, ["a.py", "gone.py", "dir", "logo.png", "big.py"])
    assert parsed["a.py"] == blobs.Blob("x = 1\n")
    assert not parsed["gone.py"].found and not parsed["dir"].found
    assert parsed["logo.png"] == blobs.Blob(None) and parsed["big.py"] == blobs.Blob(None)
    assert all(not b.found for b in blobs.parse_blobs({"repository": None}, ["a"]).values())


# --- against the fake GitHub ------------------------------------------------------------

@pytest.fixture
def github() -> FakeGitHub:
    _pem, public = make_key()
    template = json.loads(payload_bytes("pull_request.opened-githubkit"))["pull_request"]
    fake = FakeGitHub(APP_ID, public, template)
    fake.add_token(TOKEN)
    return fake


def client_of(fake: FakeGitHub) -> InstallationClient:
    token = TokenGitHub(token=TOKEN, login="github-actions[bot]", connection=Connection(
        "http://github.test", httpx.ASGITransport(app=fake.app), retry_base_seconds=0.01))
    return token.installation(1)


async def test_binary_truncated_and_absent_files_read_as_rest_gives_them(
        github: FakeGitHub) -> None:
    big = b"x = 1\n" * (BLOB_TEXT_LIMIT // 6 + 10)
    files = {"a.py": b"print('a')\n", "logo.png": b"\x89PNG\r\n\x1a\n\xff\x00",
             "big.py": big, "pkg/mod.py": b"y = 2\n"}
    for path, content in files.items():
        github.add_file(REPO, "abc", path, content)
    found = await read_files(client_of(github), REPO, "abc",
                             [*files, "gone.py", "pkg", "a.py"])
    assert found == {**files, "gone.py": None, "pkg": None}
    rest = sorted(p for m, p, _s in github.requests if m == "GET" and "/contents/" in p)
    assert rest == [f"/repos/{REPO}/contents/big.py", f"/repos/{REPO}/contents/logo.png"]
    assert [r[:2] for r in github.requests].count(("POST", "/graphql")) == 1


async def test_a_failing_batch_is_read_file_by_file(github: FakeGitHub) -> None:
    github.add_file(REPO, "main", ".github/reviewbot.yml", b"max_comments: 3\n")
    github.add_file(REPO, "main", "pyproject.toml", b"[tool.ruff]\nline-length = 90\n")
    github.fail(Fault("POST", r"/graphql", 502, {"message": "Bad Gateway"}, times=10))
    found = await default_branch_settings(client_of(github), REPO, "main",
                                          ["pyproject.toml", "setup.cfg"])
    assert found.config.config.max_comments == 3
    assert found.linter_configs == {"pyproject.toml": b"[tool.ruff]\nline-length = 90\n"}
    gets = [p for m, p, s in github.requests if m == "GET"]
    # the settings, pyproject.toml, setup.cfg, three instruction files and the folder
    assert len(gets) == 7


async def test_the_instructions_are_read_with_the_settings_folder_and_all(
        github: FakeGitHub) -> None:
    github.add_file(REPO, "main", "AGENTS.md", b"Use cents, not floats.")
    github.add_file(REPO, "main", ".github/instructions/py.instructions.md",
                    b"---\napplyTo: '**/*.py'\n---\nNo print().")
    github.add_file(REPO, "main", ".github/instructions/notes.md", b"not an instruction")
    github.add_file(REPO, "main", ".github/instructions/sub/x.instructions.md", b"nested")
    found = await default_branch_settings(client_of(github), REPO, "main", ["setup.cfg"])
    assert [(i.path, i.apply_to) for i in found.instructions] == [
        ("AGENTS.md", ()), (".github/instructions/py.instructions.md", ("**/*.py",))]
    assert found.linter_configs == {} and not found.config.found
    assert [r[:2] for r in github.requests].count(("POST", "/graphql")) == 2


def many_file_change(tmp: Path, count: int) -> tuple[Path, str, str]:
    repo = tmp / f"repo{count}"
    base = commit_files(repo, {"README.md": "demo\n"}, "base")
    head = commit_files(repo, {f"pkg/mod_{i:03}.py": f"def f_{i}(x):\n    return x + {i}\n"
                               for i in range(count)}, "many files")
    return repo, base, head


async def action_requests(github: FakeGitHub, tmp_path: Path, count: int) -> tuple[int, Any]:
    repo, base, head = many_file_change(tmp_path, count)
    load_repo_into(github, repo, base, head)
    env: ActionEnv = make_env(tmp_path, "pull_request", pr_payload(head))
    result = await run_action(env, make_settings(REVIEWBOT_GITHUB_WRITE_INTERVAL=0),
                              transport=httpx.ASGITransport(app=github.app),
                              linters=recorded_runners())
    assert result.plan is not None and result.facts.github_requests == len(github.requests)
    return len(github.requests), result


@pytest.mark.parametrize(("count", "at_most"), [(1, 12), (30, 12), (300, 17)])
async def test_a_review_in_the_action_costs_about_ten_plus_files_over_a_hundred(
        github: FakeGitHub, tmp_path: Path, count: int, at_most: int) -> None:
    requests, result = await action_requests(github, tmp_path, count)
    assert requests <= at_most, github.requests
    read = {p for _r, ref, p in github.blob_reads if ref == result.plan.head}
    assert {f"pkg/mod_{i:03}.py" for i in range(count)} <= read  # every file, no REST
    assert not [p for m, p, _s in github.requests if "/contents/" in p]


async def test_a_review_in_the_app_reads_in_batches_too(engine: Engine,
                                                        tmp_path: Path) -> None:
    world = make_world(engine, linters=recorded_runners())
    repo, base, head = many_file_change(tmp_path, 300)
    load_repo_into(world.fake, repo, base, head)
    assert (await world.deliver(pr_event(7, head), "d-300")).status_code == 202
    before = len(world.fake.requests)
    assert await world.run_jobs() >= 1
    spent = world.fake.requests[before:]
    api = [r for r in spent if "/access_tokens" not in r[1]]
    assert len(api) <= 18, api  # the Action's 17 and GET /app (the App's login, once)
    assert not [p for _m, p, _s in api if "/contents/" in p]
    assert world.fake.check_runs  # reviewed: the check run was opened and closed
    metrics = (await world.web.get("/metrics")).text
    sent = next(line for line in metrics.splitlines()
                if line.startswith("reviewbot_github_requests_total"))
    assert float(sent.split()[-1]) == len(api)
