"""A PR's life on the fake GitHub: pushes after the first review post nothing twice, resolve
reviewbot's threads on findings that went away (unless a human replied), remember what
people rejected, and let a repository's feedback silence a rule it keeps rejecting."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.core.markers import posted_fingerprint
from bot.store import feedback
from checks.linters.workspace import Runner, Workspace
from tests.fakegithub import Fault
from tests.github_world import REPO, World, demo_world, pr_event
from tests.test_commands import say

NUMBER = 7


@pytest.fixture
async def world(sqlite_engine: Engine, tmp_path: Path) -> AsyncIterator[World]:
    w, _repo, _base, _head = demo_world(sqlite_engine, tmp_path)
    yield w
    await w.web.aclose()


def push(w: World, sha: str) -> bytes:
    """A new head with the same files (what the linters then say is up to the test)."""
    pull = w.fake.pulls[(REPO, NUMBER)]
    for (repo, ref, path), content in list(w.fake.files.items()):
        if repo == REPO and ref == pull.head_sha:
            w.fake.add_file(REPO, sha, path, content)
    pull.head_sha = sha
    return pr_event(NUMBER, sha, action="synchronize")


def fixed_lines(w: World, *lines: int) -> None:
    """From now on no linter reports anything on these lines (the push fixed them)."""
    runners: dict[str, Runner] = w.worker.context.linters  # type: ignore[assignment]

    def without(inner: Runner) -> Runner:
        async def run(ws: Workspace) -> Any:
            result = await inner(ws)
            return dataclasses.replace(result, findings=tuple(
                f for f in result.findings if f.line not in lines))
        return run
    for tool, inner in list(runners.items()):
        runners[tool] = without(inner)


def comments(w: World) -> list[dict[str, Any]]:
    return w.fake.review_comments.get((REPO, NUMBER), [])


def thread_of(w: World, rule: str) -> dict[str, Any]:
    return next(c for c in comments(w) if rule in c["body"] and not c.get("in_reply_to_id"))


async def test_a_push_resolves_threads_of_findings_gone_unless_a_human_replied(
        world: World) -> None:
    head = world.fake.pulls[(REPO, NUMBER)].head_sha
    await world.deliver(pr_event(NUMBER, head), "d-1")
    await world.run_jobs()
    first = [c for c in comments(world) if not c.get("in_reply_to_id")]
    b006, shell = thread_of(world, "B006"), thread_of(world, "shell=True")
    world.fake.add_human_reply(REPO, NUMBER, shell["id"], "We pass a constant, see above.")

    fixed_lines(world, b006["line"], shell["line"])
    await world.deliver(push(world, "a" * 40), "d-2", event="pull_request")
    await world.run_jobs()

    assert b006["id"] in world.fake.resolved_threads  # fixed: resolved by reviewbot
    assert shell["id"] not in world.fake.resolved_threads  # a human replied: left to them
    assert len(world.fake.reviews[(REPO, NUMBER)]) == 2  # one review per head
    roots = [c for c in comments(world) if not c.get("in_reply_to_id")]
    assert len(roots) == len(first)  # nothing posted twice
    fixed = feedback.marked(world.engine, REPO, NUMBER, "fixed")
    assert fixed == {posted_fingerprint(b006["body"])}
    assert world.fake.check_runs[max(world.fake.check_runs)]["head_sha"] == "a" * 40

    await world.deliver(push(world, "b" * 40), "d-3", event="pull_request")
    await world.run_jobs()  # nothing new: no thread resolved twice, no comment repeated
    assert len([c for c in comments(world) if not c.get("in_reply_to_id")]) == len(first)


async def test_a_thread_a_human_resolved_is_not_raised_again(world: World) -> None:
    head = world.fake.pulls[(REPO, NUMBER)].head_sha
    await world.deliver(pr_event(NUMBER, head), "d-1")
    await world.run_jobs()
    b006 = thread_of(world, "B006")
    world.fake.resolve_as(b006["id"], "maintainer")  # by a person, not by a fix
    await say(world, "/review")
    runs = list(world.fake.check_runs.values())
    (kept,) = [a for a in runs[-1]["annotations"] if a["start_line"] == 14]
    assert kept["annotation_level"] == "notice" and "@maintainer" in kept["message"]
    assert feedback.marked(world.engine, REPO, NUMBER, "resolved") == {posted_fingerprint(
        b006["body"])}
    assert b006["id"] in world.fake.resolved_threads and len(world.fake.resolved_threads) == 1


async def test_a_burst_of_pushes_is_reviewed_once_for_the_newest_head(world: World) -> None:
    for i, sha in enumerate(("1" * 40, "2" * 40, "3" * 40)):
        await world.deliver(push(world, sha), f"p-{i}", event="pull_request")
    assert await world.run_jobs() == 1
    (review,) = world.fake.reviews[(REPO, NUMBER)]
    assert review["commit_id"] == "3" * 40


async def test_a_rule_a_repository_keeps_rejecting_is_suppressed_and_config_says_so(
        world: World) -> None:
    for number, fps in ((1, ("a1", "a2")), (2, ("b1",))):
        feedback.record_posted(world.engine, REPO, number,
                               [feedback.Posted(fp, "ruff", "B006", "bug") for fp in fps])
        feedback.record_reactions(world.engine, REPO, number, {fp: (0, 1) for fp in fps})
    assert feedback.suppressed_rules(world.engine, REPO) == {
        "ruff:B006": "rejected on 3 of 3 answered comments in 2 PRs"}

    head = world.fake.pulls[(REPO, NUMBER)].head_sha
    await world.deliver(pr_event(NUMBER, head), "d-1")
    await world.run_jobs()
    assert not any("B006" in c["body"] for c in comments(world))
    await say(world, "/config")
    config = world.fake.issue_comments[-1]["body"]
    assert "`ruff:B006`: rejected on 3 of 3 answered comments in 2 PRs" in config
    assert "list it in `enable_rules`" in config

    # Undo: the repository lists the rule in enable_rules; the next review raises it again.
    world.fake.add_file(REPO, "main", ".github/reviewbot.yml", b"enable_rules: [ruff:B006]\n")
    await world.deliver(push(world, "c" * 40), "d-2", event="pull_request")
    await world.run_jobs()
    assert any("B006" in c["body"] for c in comments(world))


def test_acceptance_counts_fixes_and_thumbs_up_against_rejections(
        sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    feedback.record_posted(engine, "o/r", 1, [feedback.Posted(fp, "ruff", "F821", "bug")
                                              for fp in ("x", "y", "z", "w")])
    feedback.record_reactions(engine, "o/r", 1, {"x": (2, 0), "y": (0, 1)})
    feedback.mark(engine, "o/r", 1, "z", "fixed")
    feedback.mark(engine, "o/r", 1, "w", "ignored")
    (stats,) = feedback.rule_stats(engine, "o/r")
    assert (stats.posted, stats.accepted, stats.rejected, stats.acceptance) == (4, 2, 2, 0.5)
    assert not stats.suppressed  # one PR, half accepted


async def test_thread_state_unavailable_still_posts_the_review(world: World) -> None:
    world.fake.fail(Fault("POST", r"/graphql", 502, {"message": "Server Error"}, times=10))
    head = world.fake.pulls[(REPO, NUMBER)].head_sha
    await world.deliver(pr_event(NUMBER, head), "d-1")
    await world.run_jobs()
    assert len(world.fake.reviews[(REPO, NUMBER)]) == 1


async def test_who_may_spend_is_configurable(sqlite_engine: Engine, tmp_path: Path) -> None:
    w, _repo, _base, _head = demo_world(sqlite_engine, tmp_path,
                                       REVIEWBOT_COMMAND_ASSOCIATIONS="OWNER")
    await say(w, "/review", association="MEMBER", login="member")
    assert (REPO, NUMBER) not in w.fake.reviews
    assert "write access" in w.fake.issue_comments[0]["body"]
    w.fake.permissions[(REPO, "owner")] = "admin"
    await say(w, "/review", association="OWNER", login="owner")
    assert len(w.fake.reviews[(REPO, NUMBER)]) == 1
    await w.web.aclose()


def test_feedback_report_prints_rules_and_checkers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli.main import main
    from bot.store.engine import create_engine
    from bot.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = create_engine(url)
    upgrade(engine)
    feedback.record_posted(engine, "o/r", 1, [feedback.Posted("x", "ruff", "B006", "bug")])
    feedback.record_reactions(engine, "o/r", 1, {"x": (1, 0)})
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["feedback", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rules"][0]["rule"] == "ruff:B006" and report["rules"][0]["acceptance"] == 1.0
    assert report["checkers"]["bug"]["accepted"] == 1
    assert main(["feedback"]) == 0
    assert "ruff:B006" in capsys.readouterr().out
