"""Hardening II (issue 16): the PR under review, and anyone without write access, cannot
silence its review. On the fake GitHub and the real pipeline: the PR's author (read access)
and a drive-by user try every channel reviewbot listens to, then push; every planted
problem is still reported at the new head and the check still fails. A maintainer's
decision still counts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.core.markers import fingerprint_marker, posted_fingerprint, review_marker
from bot.store import feedback, memory
from tests.github_world import REPO, World, demo_world, pr_event
from tests.test_commands import say, thread_reply
from tests.test_lifecycle import push

NUMBER = 7
PLANTED = {27: "sql", 33: "shell", 22: "too-many-function-args", 14: "mutable default"}
PEOPLE = {"author": ("read", "CONTRIBUTOR"), "visitor": (None, "NONE"),
          "member": (None, "MEMBER")}  # an org member with no access to this repository


@pytest.fixture
async def world(sqlite_engine: Engine, tmp_path: Path) -> AsyncIterator[World]:
    w, _repo, _base, _head = demo_world(sqlite_engine, tmp_path)
    for login, (permission, _association) in PEOPLE.items():
        if permission is not None:
            w.fake.permissions[(REPO, login)] = permission
    yield w
    await w.web.aclose()


def own_comments(w: World) -> list[dict[str, Any]]:
    return [c for c in w.fake.review_comments.get((REPO, NUMBER), [])
            if c["user"]["type"] == "Bot" and not c.get("in_reply_to_id")]


def latest_run(w: World, head: str) -> dict[str, Any]:
    return [r for r in w.fake.check_runs.values() if r["head_sha"] == head][-1]


def levels(run: dict[str, Any]) -> dict[int, str]:
    return {a["start_line"]: a["annotation_level"] for a in run["annotations"]}


async def review_opened(w: World) -> str:
    head = w.fake.pulls[(REPO, NUMBER)].head_sha
    await w.deliver(pr_event(NUMBER, head), "d-open")
    await w.run_jobs()
    return head


async def try_every_channel(w: World, login: str, association: str) -> None:
    """Everything a person can do to make reviewbot stop talking about this PR."""
    mine = own_comments(w)
    for c in mine:
        event = thread_reply("/ignore", c["id"], association=association, login=login)
        await w.deliver(event, f"t-{login}-{c['id']}", event="pull_request_review_comment")
        w.fake.react(c, "-1", login=login)
        w.fake.resolve_as(c["id"], login)
    await w.run_jobs()
    for rule in ("semgrep:subprocess-shell-true", "semgrep:sql-built-by-string-formatting",
                 "bandit:B602", "pylint:E1121", "ruff:B006"):
        await say(w, f"/ignore rule {rule}", association=association, login=login)
        await say(w, f"/ignore rule {rule} --repo", association=association, login=login)
    # A comment of their own carrying copies of reviewbot's hidden markers, 👎'd by them.
    copies = "\n".join(fingerprint_marker(posted_fingerprint(c["body"]) or "") for c in mine)
    forged = w.fake.add_human_comment(REPO, NUMBER, mine[0]["path"], mine[0]["line"],
                                      f"noise\n{copies}", login=login)
    w.fake.react(forged, "-1", login=login)


@pytest.mark.parametrize("login", ["author", "visitor", "member"])
async def test_nobody_without_write_access_can_silence_the_review(world: World,
                                                                  login: str) -> None:
    head = await review_opened(world)
    assert set(PLANTED) <= set(levels(latest_run(world, head)))
    assert latest_run(world, head)["conclusion"] == "failure"

    await try_every_channel(world, login, PEOPLE[login][1])
    new_head = "a" * 40
    await world.deliver(push(world, new_head), "d-push")
    await world.run_jobs()

    run = latest_run(world, new_head)
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    now = levels(run)
    before = levels(latest_run(world, head))
    for line in PLANTED:  # every planted problem still reported, none turned to a notice
        assert now[line] == before[line] != "notice", PLANTED[line]
    assert "Dismissed" not in run["summary"]
    # Nothing of what they said was stored: no memory, no statistics, no suppression.
    assert memory.ignored_on(world.engine, REPO, NUMBER) == memory.Ignored()
    assert all(s.rejected == 0 and s.down == 0 for s in feedback.rule_stats(world.engine, REPO))
    assert feedback.suppressed_rules(world.engine, REPO) == {}
    # One polite refusal for /ignore, not one per attempt.
    refusals = [c for c in world.fake.issue_comments
                if "only people with write access" in c["body"]]
    replies = [c for c in world.fake.review_comments[(REPO, NUMBER)]
               if c.get("in_reply_to_id") and "only people with write access" in c["body"]]
    assert len(refusals) + len(replies) == 1


async def test_the_authors_ignore_before_the_first_review_hides_nothing(world: World) -> None:
    await say(world, "/ignore rule semgrep:subprocess-shell-true --repo",
              association="CONTRIBUTOR", login="author")
    await say(world, "/ignore rule semgrep:subprocess-shell-true",
              association="CONTRIBUTOR", login="author")
    head = await review_opened(world)
    bodies = " ".join(c["body"] for c in own_comments(world))
    assert "shell=True" in bodies and "SQL is built" in bodies  # posted inline
    assert latest_run(world, head)["conclusion"] == "failure"


async def test_a_maintainers_thumbs_down_stops_the_comment_and_the_check_follows(
        world: World) -> None:
    head = await review_opened(world)
    first = own_comments(world)
    for c in first:
        world.fake.react(c, "-1", login="maintainer")
    new_head = "b" * 40
    await world.deliver(push(world, new_head), "d-push")
    await world.run_jobs()

    run = latest_run(world, new_head)
    assert len(own_comments(world)) == len(first)  # not repeated inline
    now = levels(run)
    assert all(now[line] == "notice" for line in PLANTED)  # still annotated, as notices
    assert all("dismissed by @maintainer" in a["message"] for a in run["annotations"]
               if a["start_line"] in PLANTED)
    assert run["conclusion"] != "failure"  # the maintainer decided: only advice is left
    assert latest_run(world, head)["conclusion"] == "failure"


async def test_a_forged_review_marker_does_not_stop_the_next_heads_review(
        world: World) -> None:
    await review_opened(world)
    new_head = "c" * 40
    world.fake.add_human_review(REPO, NUMBER, f"LGTM\n{review_marker(new_head)}", new_head,
                                login="visitor")
    await world.deliver(push(world, new_head), "d-push")
    await world.run_jobs()
    ours = [r for r in world.fake.reviews[(REPO, NUMBER)] if r["user"]["type"] == "Bot"]
    assert [r["commit_id"] for r in ours][-1] == new_head  # reviewed all the same
    assert latest_run(world, new_head)["conclusion"] == "failure"


async def test_another_bots_threads_and_comments_are_not_taken_for_reviewbots(
        world: World) -> None:
    head = await review_opened(world)
    mine = own_comments(world)
    imposter = world.fake.add_human_comment(
        REPO, NUMBER, mine[0]["path"], mine[0]["line"],
        f"x\n{fingerprint_marker(posted_fingerprint(mine[1]['body']) or '')}",
        login="other-app[bot]")
    imposter["user"]["type"] = "Bot"
    world.fake.react(imposter, "-1", login="maintainer")  # a 👎 on someone else's comment
    await say(world, "/review")
    assert levels(latest_run(world, head))[mine[1]["line"]] == "failure"


async def test_free_commands_are_limited_per_user(world: World) -> None:
    for _ in range(14):
        await say(world, "/help", association="NONE", login="visitor")
    answers = [c for c in world.fake.issue_comments if "reviewbot commands" in c["body"]]
    assert len(answers) == 10  # REVIEWBOT_FREE_COMMANDS_PER_USER_HOUR
    await say(world, "/help")  # someone else is not held back
    assert len([c for c in world.fake.issue_comments
                if "reviewbot commands" in c["body"]]) == 11


async def test_permission_is_asked_of_the_api_not_the_association(world: World) -> None:
    world.fake.permissions[(REPO, "reader")] = "read"
    await say(world, "/review", association="COLLABORATOR", login="reader")  # read only
    await say(world, "/ignore rule ruff:N802 --repo", association="MEMBER", login="member")
    assert (REPO, NUMBER) not in world.fake.reviews
    assert memory.ignored_on(world.engine, REPO, NUMBER) == memory.Ignored()
    bodies = [c["body"] for c in world.fake.issue_comments]
    assert any("write access" in b and "@reader" in b for b in bodies)
    assert any("write access" in b and "@member" in b for b in bodies)


def test_a_comment_event_keeps_the_command_parser_in_line_with_markdown() -> None:
    from bot.core.commands import parse_command

    assert parse_command("```\n~~~\n/review\n```") is None  # ~~~ does not close ```
    assert parse_command("````\n```\n/review\n````") is None  # nor a shorter fence
    assert parse_command("> quoted\n/review") is None  # a lazy continuation of the quote
    assert parse_command("<!--\n/review\n-->") is None  # inside an HTML comment
    assert parse_command("<!-- x -->\n/help") is not None
    assert parse_command("> quoted\n\n/help") is not None


def test_concurrent_workers_cannot_overshoot_the_per_user_limit(engine: Engine) -> None:
    """Eight workers admitting the same user's commands at once: exactly the limit passes
    (SQLite serialises writes; PostgreSQL takes an advisory lock per author)."""
    from concurrent.futures import ThreadPoolExecutor

    def ask(k: int) -> bool:
        return memory.admit_command(engine, memory.CommandAsked(REPO, k, "eager", "review"),
                                    memory.CommandLimit(per_user=5), now=1000.0)
    with ThreadPoolExecutor(8) as pool:
        admitted = list(pool.map(ask, range(24)))
    assert sum(admitted) == 5


async def test_without_get_app_the_login_is_learnt_from_the_first_post(
        world: World) -> None:
    from tests.fakegithub import Fault

    world.fake.fail(Fault("GET", r"/app", 404, {"message": "Not Found"}, times=100))
    head = await review_opened(world)  # nothing is "ours" yet: still reviewed and posted
    assert latest_run(world, head)["conclusion"] == "failure"
    assert await world.github.identity.login() == "reviewbot-test[bot]"  # from the review's author
    new_head = "e" * 40
    world.fake.add_human_review(REPO, NUMBER, f"LGTM\n{review_marker(new_head)}", new_head)
    await world.deliver(push(world, new_head), "d-push")
    await world.run_jobs()
    assert latest_run(world, new_head)["conclusion"] == "failure"
    assert len(own_comments(world)) == 4  # nothing posted twice


def test_security_rules_are_only_ever_proposed_for_silencing() -> None:
    from bot.cli.feedback import action
    from bot.core.findings import Finding, Severity
    from bot.review.aggregate.select import Decisions, decide

    stats = {"semgrep:subprocess-shell-true": "rejected on 3 of 3 answered comments in 2 PRs",
             "ruff:N802": "rejected on 4 of 4 answered comments in 3 PRs"}
    shell = Finding("security", "semgrep", "subprocess-shell-true", Severity.ERROR, "a.py", 3,
                    "shell=True")
    naming = Finding("style", "ruff", "N802", Severity.NOTE, "a.py", 5, "lowercase")
    said = Decisions(suppressed_rules=stats)
    assert decide(shell, said, frozenset()).quiet == ""  # stays inline; a maintainer decides
    assert decide(naming, said, frozenset()).quiet.startswith("rule ruff:N802 quiet")
    assert decide(naming, said, frozenset({"ruff:N802"})).quiet == ""  # enable_rules wins
    rows = [feedback.RuleStats(REPO, tool, rule, checker, 3, 0, 3, 0, 0, 0, 3, 0, 2)
            for tool, rule, checker in (("semgrep", "subprocess-shell-true", "security"),
                                        ("ruff", "N802", "style"))]
    keys = {(REPO, r.key) for r in rows}
    assert [action(r, keys) for r in rows] == ["proposal", "quiet"]


def test_feedback_recorded_before_the_hardening_is_dropped_on_upgrade(tmp_path: Path) -> None:
    from bot.store.engine import create_engine
    from bot.store.migrate import upgrade

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0010")
    memory.remember_ignored(engine, REPO, 0, "rule", "bandit:B602", "anyone")
    feedback.record_posted(engine, REPO, 3, [feedback.Posted("f1", "bandit", "B602",
                                                             "security")])
    feedback.record_reactions(engine, REPO, 3, {"f1": (0, 9)})
    feedback.mark(engine, REPO, 3, "f1", "fixed")
    upgrade(engine)
    assert memory.ignored_on(engine, REPO, 3) == memory.Ignored()
    (row,) = feedback.rule_stats(engine, REPO)
    assert (row.posted, row.down, row.fixed) == (1, 0, 1)  # reviewbot's own record kept
    engine.dispose()


async def test_what_github_shows_as_reviewbots_author_wins_over_a_wrong_slug() -> None:
    from bot.errors import GitHubError
    from bot.github.identity import AppIdentity

    async def down() -> object:
        raise GitHubError("GET /app: 404", status=404)

    identity = AppIdentity("misconfigured", down)
    assert await identity.login() == "misconfigured[bot]"  # until reviewbot has posted
    identity.learn("octocat")  # a person's login is never taken
    identity.learn("reviewbot-test[bot]")  # the author of reviewbot's own post
    assert await identity.login() == "reviewbot-test[bot]"


def test_people_decide_once_per_problem_after_merging() -> None:
    from bot.core.diffmap import PullFile, from_pull_files
    from bot.core.findings import Finding, Severity
    from bot.core.repo_config import RepoConfig
    from bot.review.aggregate.select import Decisions, select

    diff = from_pull_files([PullFile("a.py", "added", "@@ -0,0 +1,2 @@\n+x\n+y", changes=2)])
    pair = [Finding("bug", tool, rule, Severity.WARNING, "a.py", 1, "m", concern="same")
            for tool, rule in (("ruff", "B001"), ("pylint", "W0001"))]
    quiet = Decisions(suppressed_rules={"pylint:W0001": "rejected", "ruff:B001": "rejected"})
    enabled = RepoConfig(enable_rules=["ruff:B001"])  # one member's rule is wanted inline
    (merged,) = select(pair, diff, enabled, {"a.py": "x\ny\n"}, decisions=quiet).kept
    assert merged.quiet == "" and merged.dismissed == ""
    (merged,) = select(pair, diff, RepoConfig(), {"a.py": "x\ny\n"}, decisions=quiet).kept
    assert merged.quiet.startswith(f"rule {merged.tool}:{merged.rule} quiet")
