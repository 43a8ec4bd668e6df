"""The whole path: a signed pull_request delivery in, FakeGitHub behind, the exact review
and check run posted. The first test and those on their own repositories run the real
linters; the tests of posting, retries and idempotency replay the demo's recorded linter
output (tests/recorded.py), which gives the same review."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.store.tables import jobs
from tests.fakegithub import Fault
from tests.github_world import (
    REPO,
    World,
    commit_files,
    demo_world,
    git,
    load_repo_into,
    make_world,
    pr_event,
)

pytestmark = pytest.mark.slow

# (line, start_line, rule fragment) the demo's planted issues must be posted at.
PLANTED = {
    (14, None, "B006"),
    (22, None, "E1121"),
    (28, 27, "sql-built-by-string-formatting"),
    (33, None, "subprocess-shell-true"),
}
# Planted advice (performance, style): annotations of the check run, not inline comments.
ADVICE = {(41, "list-membership-in-loop"), (46, "N802"), (50, "string-concatenation-in-loop")}


@pytest.fixture
async def world(sqlite_engine: Engine, tmp_path: Path) -> AsyncIterator[tuple[World, str]]:
    w, _repo, _base, head = demo_world(sqlite_engine, tmp_path)
    yield w, head
    await w.web.aclose()


def job_states(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [s for (s,) in conn.execute(sa.select(jobs.c.state).order_by(jobs.c.id))]


@pytest.fixture
async def real_world(sqlite_engine: Engine, tmp_path: Path) -> AsyncIterator[tuple[World, str]]:
    w, _repo, _base, head = demo_world(sqlite_engine, tmp_path, recorded=False)
    yield w, head
    await w.web.aclose()


async def test_opened_pr_gets_one_review_and_one_check_run(
        real_world: tuple[World, str]) -> None:
    w, head = real_world
    r = await w.deliver(pr_event(7, head), "d-1")
    assert r.status_code == 202
    assert await w.run_jobs() == 1
    assert job_states(w.engine) == ["done"]
    assert w.fake.refused == []  # GitHub accepted every request

    reviews = w.fake.reviews[(REPO, 7)]
    assert len(reviews) == 1
    review = reviews[0]
    assert review["state"] == "COMMENTED" and review["commit_id"] == head
    assert f"head={head}" in review["body"]
    assert "reviewed 1 of 2 files; skipped: `assets/logo.png` (binary)" in review["body"].lower()
    comments = w.fake.review_comments[(REPO, 7)]
    placed = {(c["line"], c["start_line"]) for c in comments}
    for line, start, rule in PLANTED:
        assert (line, start) in placed, rule
        assert any(rule in c["body"] for c in comments if c["line"] == line), rule
    assert all(c["path"] == "shop/orders.py" for c in comments)
    shell = next(c for c in comments if c["line"] == 33)["body"]
    assert "bandit B602" in shell and "semgrep subprocess-shell-true" in shell  # merged

    (run,) = w.fake.check_runs.values()
    assert run["head_sha"] == head and run["status"] == "completed"
    assert run["conclusion"] == "failure"  # error-level findings, default fail level
    assert len(run["annotations"]) == len(comments) + len(ADVICE)
    advice = {(a["start_line"], a["title"].split()[-1]) for a in run["annotations"]
              if a["start_line"] not in {n for pair in placed for n in pair}}
    assert advice == ADVICE


async def test_same_head_again_posts_nothing_new(world: tuple[World, str]) -> None:
    w, head = world
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    await w.deliver(pr_event(7, head, "reopened"), "d-2")
    assert await w.run_jobs() == 1
    assert len(w.fake.reviews[(REPO, 7)]) == 1
    assert len(w.fake.check_runs) == 1


async def test_posted_review_is_found_even_if_the_store_forgot(world: tuple[World, str]) -> None:
    w, head = world
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    with w.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM review_runs"))
    await w.deliver(pr_event(7, head, "reopened"), "d-2")
    await w.run_jobs()
    assert len(w.fake.reviews[(REPO, 7)]) == 1  # the hidden marker in the body was honoured


async def test_secondary_rate_limit_reschedules_the_job(world: tuple[World, str]) -> None:
    w, head = world
    w.fake.fail(Fault("POST", rf"/repos/{REPO}/pulls/7/reviews", 403,
                      {"message": "You have exceeded a secondary rate limit."},
                      {"retry-after": "30"}))
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    with w.engine.connect() as conn:
        row = conn.execute(sa.select(jobs)).one()
    assert row.state == "pending" and row.attempts == 0  # not a failure: re-scheduled
    assert 25 < row.run_at - row.created_at < 40
    assert (REPO, 7) not in w.fake.reviews
    with w.engine.begin() as conn:
        conn.execute(jobs.update().values(run_at=0))
    await w.run_jobs()
    assert len(w.fake.reviews[(REPO, 7)]) == 1
    assert len(w.fake.check_runs) == 1  # the check run created first is reused


async def test_secondary_rate_limit_without_retry_after_waits_a_minute(
        world: tuple[World, str]) -> None:
    w, head = world
    w.fake.fail(Fault("GET", rf"/repos/{REPO}/pulls/7", 403,
                      {"message": "You have exceeded a secondary rate limit. Please wait."}))
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    with w.engine.connect() as conn:
        row = conn.execute(sa.select(jobs)).one()
    assert row.state == "pending" and 55 < row.run_at - row.created_at < 70


async def test_server_errors_are_retried_with_backoff(world: tuple[World, str]) -> None:
    w, head = world
    w.fake.fail(Fault("GET", rf"/repos/{REPO}/pulls/7/files", 502, {"message": "Bad gateway"},
                      times=2))
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    assert job_states(w.engine) == ["done"]
    statuses = [s for m, p, s in w.fake.requests if p.endswith("/pulls/7/files")]
    assert statuses[:3] == [502, 502, 200]


async def test_client_errors_are_not_retried(world: tuple[World, str]) -> None:
    w, head = world
    w.fake.fail(Fault("GET", rf"/repos/{REPO}/pulls/7", 404, {"message": "Not Found"}))
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    with w.engine.connect() as conn:
        row = conn.execute(sa.select(jobs)).one()
    # a PR or repository that is gone will stay gone: failed at once, no retries at all
    assert row.state == "dead" and "404" in row.last_error and row.attempts == 1
    assert [s for m, p, s in w.fake.requests if p == f"/repos/{REPO}/pulls/7"] == [404]


async def test_draft_is_skipped_unless_configured(sqlite_engine: Engine, tmp_path: Path) -> None:
    w, _repo, _base, head = demo_world(sqlite_engine, tmp_path, draft=True)
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    assert (REPO, 7) not in w.fake.reviews and not w.fake.check_runs
    w.fake.add_file(REPO, "main", ".github/reviewbot.yml", b"review_drafts: true\n")
    await w.deliver(pr_event(7, head, "synchronize"), "d-2")
    await w.run_jobs()
    assert len(w.fake.reviews[(REPO, 7)]) == 1
    await w.web.aclose()


async def test_invalid_config_gets_one_comment_and_defaults(sqlite_engine: Engine,
                                                            tmp_path: Path) -> None:
    w, repo, base, head = demo_world(sqlite_engine, tmp_path)
    w.fake.add_file(REPO, "main", ".github/reviewbot.yml", b"max_comments: lots\n")
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    assert len(w.fake.issue_comments) == 1
    assert "max_comments" in w.fake.issue_comments[0]["body"]
    assert len(w.fake.review_comments[(REPO, 7)]) == 4  # defaults still review
    # A second head on the same PR: no second notice.
    git(repo, "commit", "--allow-empty", "-q", "-m", "again")
    head2 = git(repo, "rev-parse", "HEAD").strip()
    load_repo_into(w.fake, repo, base, head2)
    await w.deliver(pr_event(7, head2, "synchronize"), "d-2")
    await w.run_jobs()
    assert len(w.fake.issue_comments) == 1
    assert len(w.fake.reviews[(REPO, 7)]) == 2
    # Findings already posted inline on the first head are not posted again.
    assert len(w.fake.review_comments[(REPO, 7)]) == 4
    await w.web.aclose()


async def test_many_findings_cap_inline_and_batch_annotations(sqlite_engine: Engine,
                                                              tmp_path: Path) -> None:
    repo = tmp_path / "many"
    base = commit_files(repo, {"a.py": '"""Module."""\n'}, "base")
    # 70 files, one finding each (one rule is said inline at most once per file).
    head = commit_files(repo, {f"m{i:02}.py": '"""Module."""\n\n\ndef f(x, acc=[]):\n'
                               "    acc.append(x)\n    return acc\n" for i in range(70)},
                        "head")
    w = make_world(sqlite_engine)
    load_repo_into(w.fake, repo, base, head)
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    assert w.fake.refused == []
    assert len(w.fake.review_comments[(REPO, 7)]) == 30  # default cap
    (run,) = w.fake.check_runs.values()
    assert len(run["annotations"]) == 70
    patches = [p for m, p, s in w.fake.requests if m == "PATCH"]
    assert len(patches) == 2  # 50 + 20
    assert w.fake.reviews[(REPO, 7)][0]["body"].count("- `m") == 40  # those not inline
    await w.web.aclose()


async def test_the_fake_refuses_what_github_refuses(world: tuple[World, str]) -> None:
    """Guards the guards: off-diff comments and 51 annotations really get a 422."""
    from bot.errors import GitHubError

    w, head = world
    gh = w.github.installation(42)
    with pytest.raises(GitHubError) as off_diff:
        await gh.create_review(REPO, 7, commit_id=head, body="x", event="COMMENT",
                               comments=[{"path": "shop/__init__.py", "line": 1, "side": "RIGHT",
                                          "body": "not in a hunk"}])
    assert off_diff.value.status == 422
    run_id = await gh.create_check_run(REPO, name="t", head_sha=head)
    too_many = [{"path": "a.py", "start_line": 1, "end_line": 1,
                 "annotation_level": "notice", "message": "m"}] * 51
    with pytest.raises(GitHubError) as annotations:
        await gh.request("PATCH", f"/repos/{REPO}/check-runs/{run_id}",
                          json={"output": {"title": "t", "summary": "s",
                                           "annotations": too_many}})
    assert annotations.value.status == 422
    with pytest.raises(ValueError, match="never posts a APPROVE"):
        await gh.create_review(REPO, 7, commit_id=head, body="x", event="APPROVE", comments=[])


async def test_files_are_read_across_pages(sqlite_engine: Engine, tmp_path: Path) -> None:
    repo = tmp_path / "wide"
    base = commit_files(repo, {"README": "x\n"}, "base")
    notes = {f"notes/n{i:03}.txt": f"note {i}\n" for i in range(130)}
    notes["notes/key.pem"] = "-----BEGIN RSA PRIVATE KEY-----\nabc\n"
    head = commit_files(repo, notes, "head")
    w = make_world(sqlite_engine)
    load_repo_into(w.fake, repo, base, head)
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    pages = [p for m, p, s in w.fake.requests if p.endswith("/pulls/7/files")]
    assert len(pages) == 2
    body = w.fake.reviews[(REPO, 7)][0]["body"]
    assert "reviewed 131 of 131 files" in body.lower()
    (comment,) = w.fake.review_comments[(REPO, 7)]  # semgrep reads non-Python files too
    assert comment["path"] == "notes/key.pem" and "private-key-committed" in comment["body"]
    await w.web.aclose()


async def test_check_rerun_makes_a_new_check_run_but_no_second_review(
        world: tuple[World, str]) -> None:
    import json

    from tests.conftest import payload_bytes
    from tests.github_world import APP_ID

    w, head = world
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    event = json.loads(payload_bytes("check_run.rerequested"))
    event["repository"]["full_name"] = REPO
    event["installation"] = {"id": 42}
    event["check_run"]["app"]["id"] = APP_ID
    event["check_run"]["pull_requests"] = [{"number": 7, "head": {"sha": head}}]
    r = await w.deliver(json.dumps(event).encode(), "d-rerun", event="check_run")
    assert r.json()["outcome"] == "queued"
    await w.run_jobs()
    assert len(w.fake.check_runs) == 2
    assert all(run["status"] == "completed" for run in w.fake.check_runs.values())
    assert len(w.fake.reviews[(REPO, 7)]) == 1


@pytest.mark.postgres
async def test_review_flow_on_postgres(pg_engine: Engine, tmp_path: Path) -> None:
    w, _repo, _base, head = demo_world(pg_engine, tmp_path)
    await w.deliver(pr_event(7, head), "pg-1")
    await w.deliver(pr_event(7, head, "synchronize"), "pg-2")  # supersedes the first
    assert await w.run_jobs() == 1
    assert job_states(pg_engine) == ["superseded", "done"]
    assert len(w.fake.reviews[(REPO, 7)]) == 1
    assert len(w.fake.review_comments[(REPO, 7)]) == 4
    await w.deliver(pr_event(7, head, "reopened"), "pg-3")
    await w.run_jobs()
    assert len(w.fake.reviews[(REPO, 7)]) == 1
    await w.web.aclose()


async def test_mutating_requests_are_paced(sqlite_engine: Engine, tmp_path: Path) -> None:
    w, _repo, _base, head = demo_world(sqlite_engine, tmp_path, mutation_interval=0.3)
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    times = w.fake.mutation_times
    assert len(times) == 3  # check run created, review, check run completed
    assert all(b - a >= 0.29 for a, b in itertools.pairwise(times))
    await w.web.aclose()


async def test_last_failed_attempt_closes_the_check_run(sqlite_engine: Engine,
                                                        tmp_path: Path) -> None:
    w, _repo, _base, head = demo_world(sqlite_engine, tmp_path, REVIEWBOT_JOB_MAX_ATTEMPTS=2,
                                       REVIEWBOT_BACKOFF_BASE=0)
    w.fake.fail(Fault("GET", rf"/repos/{REPO}/pulls/7/files", 404, {"message": "Not Found"},
                      times=10))
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    assert job_states(w.engine) == ["dead"]
    (run,) = w.fake.check_runs.values()  # one check run across both attempts
    # A review that could not run never passes; the reason is short and sanitised.
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    assert "could not finish" in run["summary"] and "HTTP 404" in run["summary"]
    assert "/pulls/7/files" not in run["summary"]  # never the raw exception text
    assert (REPO, 7) not in w.fake.reviews
    await w.web.aclose()


async def test_dry_run_computes_but_posts_nothing(sqlite_engine: Engine, tmp_path: Path) -> None:
    w, _repo, _base, head = demo_world(sqlite_engine, tmp_path, REVIEWBOT_DRY_RUN=True)
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    assert job_states(w.engine) == ["done"]
    assert not w.fake.check_runs and (REPO, 7) not in w.fake.reviews
    assert all(method == "GET" or path.startswith("/app/") or path == "/graphql"
               for method, path, _ in w.fake.requests)
    assert w.fake.mutation_times == []  # the GraphQL requests were reads (thread state)
    await w.web.aclose()


async def test_a_check_run_orphaned_by_a_crash_is_adopted(world: tuple[World, str]) -> None:
    """Created, then the worker died before the store heard of it: the next attempt
    completes that check run instead of leaving it in progress beside a new one."""
    w, head = world
    w.fake.check_runs[1] = {"name": "reviewbot", "head_sha": head, "status": "in_progress",
                            "annotations": [], "repo": REPO}
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    assert list(w.fake.check_runs) == [1]
    assert w.fake.check_runs[1]["status"] == "completed"


async def test_one_connection_pool_per_process(sqlite_engine: Engine, tmp_path: Path) -> None:
    """githubkit opens a client per request; the process's pool survives those, so a whole
    review reuses a handful of connections (over real HTTP, FakeGitHub served by uvicorn)."""
    from bot.github.gateway import GitHubApp
    from bot.github.transport import Connection
    from tests.helpers.processes import served
    from tests.test_serve_e2e import free_port

    w, _repo, _base, head = demo_world(sqlite_engine, tmp_path)
    with served(w.fake.app, free_port()) as url:
        github = GitHubApp(app_id=777, private_key=w.private_key,
                           connection=Connection(url, mutation_interval=0))
        w.worker.context = dataclasses.replace(w.worker.context, github=github)
        await w.deliver(pr_event(7, head), "d-1")
        await w.run_jobs()
        await github.aclose()
    requests = len(w.fake.requests)
    assert len(w.fake.reviews[(REPO, 7)]) == 1
    assert requests >= 10 and len(w.fake.peers) <= 8, (requests, len(w.fake.peers))
    await w.web.aclose()
