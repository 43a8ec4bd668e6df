"""Slash commands in PR comments, on the fake GitHub: acknowledged with 👀, answered in the
PR, only for those allowed, never from a bot, never from a quote or a code block."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.core.commands import parse_command
from tests.conftest import payload_bytes
from tests.github_world import INSTALLATION, REPO, World, demo_world

COMMENT_IDS = iter(range(5000, 6000))


def comment_event(body: str, *, association: str = "OWNER", login: str = "maintainer",
                  kind: str = "User", on_pull: bool = True) -> bytes:
    data: dict[str, Any] = json.loads(payload_bytes("issue_comment.created"))
    data["repository"]["full_name"] = REPO
    data["repository"]["default_branch"] = "main"
    data["installation"] = {"id": INSTALLATION}
    data["issue"]["number"] = 7
    if on_pull:
        data["issue"]["pull_request"] = {"url": f"https://api.github.com/repos/{REPO}/pulls/7"}
    else:
        data["issue"].pop("pull_request", None)
    data["comment"].update(id=next(COMMENT_IDS), body=body, author_association=association)
    data["comment"]["user"].update(login=login, type=kind)
    data["sender"].update(login=login, type=kind)
    return json.dumps(data).encode()


@pytest.fixture
async def world(sqlite_engine: Engine, tmp_path: Path) -> AsyncIterator[World]:
    w, _repo, _base, _head = demo_world(sqlite_engine, tmp_path)
    yield w
    await w.web.aclose()


async def say(w: World, body: str, **kwargs: Any) -> None:
    event = comment_event(body, **kwargs)
    response = await w.deliver(event, f"c-{hash(event)}", event="issue_comment")
    assert response.status_code == 202
    await w.run_jobs()


def test_a_command_is_a_line_of_its_own_outside_quotes_and_code() -> None:
    assert parse_command("/help").name == "help"  # type: ignore[union-attr]
    assert parse_command("Thanks!\n/ask why is this slow?").args == "why is this slow?"  # type: ignore[union-attr]
    assert parse_command("> /review\nI agree") is None  # quoted in a reply
    assert parse_command("```\n/review\n```") is None  # shown in a code block
    assert parse_command("please /review this") is None  # not at the start of a line
    unknown = parse_command("/frobnicate now")
    assert unknown is not None and unknown.name == "unknown" and unknown.raw == "/frobnicate"


async def test_help_is_acknowledged_and_answered_in_the_pr(world: World) -> None:
    await say(world, "/help")
    assert [r["content"] for r in world.fake.reactions] == ["eyes"]
    (answer,) = world.fake.issue_comments
    assert answer["number"] == 7 and "`/review`" in answer["body"]


async def test_config_says_where_each_value_comes_from(world: World) -> None:
    world.fake.add_file(REPO, "main", ".github/reviewbot.yml", b"max_comments: 5\n")
    await say(world, "/config")
    body = world.fake.issue_comments[0]["body"]
    assert "| `max_comments` | `5` | `.github/reviewbot.yml` |" in body
    assert "| `filter_mode` |" in body and "| default |" in body


async def test_paid_commands_are_refused_once_per_pr_to_users_without_write_access(
        world: World) -> None:
    await say(world, "/review", association="CONTRIBUTOR", login="visitor")
    await say(world, "/review", association="CONTRIBUTOR", login="visitor")
    refusals = [c for c in world.fake.issue_comments if "write access" in c["body"]]
    assert len(refusals) == 1 and "@visitor" in refusals[0]["body"]
    assert len(world.fake.reactions) == 2  # both acknowledged
    assert (REPO, 7) not in world.fake.reviews  # no review was run


async def test_review_by_a_maintainer_reviews_now(world: World) -> None:
    await say(world, "/review")
    assert len(world.fake.reviews[(REPO, 7)]) == 1
    assert world.fake.issue_comments == []  # the review is the answer


async def test_bots_quotes_and_issues_are_not_obeyed(world: World) -> None:
    await say(world, "/help", login="reviewbot[bot]", kind="Bot")
    await say(world, "> /help\nquoting the help")
    await say(world, "/help", on_pull=False)  # an issue: triage's business
    assert world.fake.reactions == [] and world.fake.issue_comments == []


async def test_ask_without_a_model_says_so_politely_and_unknown_gets_help(
        world: World) -> None:
    await say(world, "/ask what does archive() do?")
    await say(world, "/frobnicate")
    first, second = (c["body"] for c in world.fake.issue_comments)
    assert "needs a language model" in first
    assert second.startswith("Unknown command `/frobnicate`.") and "`/help`" in second


async def test_a_review_for_a_head_that_moved_meanwhile_does_not_post(
        sqlite_engine: Engine, tmp_path: Path) -> None:
    from tests.github_world import pr_event

    w, _repo, _base, head = demo_world(sqlite_engine, tmp_path)
    ruff = w.worker.context.linters["ruff"]  # type: ignore[index]

    async def push_meanwhile(ws: Any) -> Any:
        w.fake.pulls[(REPO, 7)].head_sha = "f" * 40  # a push lands during the review
        return await ruff(ws)

    w.worker.context.linters["ruff"] = push_meanwhile  # type: ignore[index]
    await w.deliver(pr_event(7, head), "d-1")
    await w.run_jobs()
    assert (REPO, 7) not in w.fake.reviews  # nothing posted for the outdated head
    (run,) = w.fake.check_runs.values()
    assert run["status"] == "completed" and run["conclusion"] == "neutral"
    assert run["title"] == "Superseded by a newer push"
    await w.web.aclose()
