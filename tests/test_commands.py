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
    assert run["status"] == "completed" and run["conclusion"] == "cancelled"
    assert run["title"] == "Superseded by a newer push"
    await w.web.aclose()


def thread_reply(body: str, parent: int, *, association: str = "OWNER",
                 login: str = "maintainer") -> bytes:
    user = {"login": login, "type": "User", "id": 1}
    return json.dumps({
        "action": "created",
        "comment": {"id": next(COMMENT_IDS), "body": body, "user": user,
                    "author_association": association, "in_reply_to_id": parent},
        "pull_request": {"number": 7},
        "repository": {"full_name": REPO, "default_branch": "main"},
        "installation": {"id": INSTALLATION}, "sender": user}).encode()


async def test_ignore_in_a_thread_silences_that_finding_on_later_reviews(
        world: World) -> None:
    from tests.github_world import pr_event

    head = world.fake.pulls[(REPO, 7)].head_sha
    await world.deliver(pr_event(7, head), "d-1")
    await world.run_jobs()
    posted = world.fake.review_comments[(REPO, 7)]
    b006 = next(c for c in posted if "B006" in c["body"])
    event = thread_reply("/ignore", b006["id"])
    assert (await world.deliver(event, "t-1", event="pull_request_review_comment")
            ).status_code == 202
    await world.run_jobs()
    reply = world.fake.review_comments[(REPO, 7)][-1]
    assert reply["in_reply_to_id"] == b006["id"]
    assert reply["body"].startswith("Ignored this finding on this pull request: reviewbot "
                                    "will not raise it inline again")
    assert world.fake.reactions[-1]["comment_id"] == json.loads(event)["comment"]["id"]

    await say(world, "/review")  # a full re-review: dismissed, yet still annotated
    runs = list(world.fake.check_runs.values())
    (kept,) = [a for a in runs[-1]["annotations"] if a["start_line"] == 14]
    assert kept["annotation_level"] == "notice" and "dismissed by @maintainer" in kept["message"]
    assert "Dismissed by people with write access" in runs[-1]["summary"]


async def test_ignore_a_rule_repository_wide_is_for_maintainers(world: World) -> None:
    from bot.store.memory import ignored_on

    world.fake.permissions[(REPO, "writer")] = "write"
    await say(world, "/ignore rule ruff:N802 --repo", association="COLLABORATOR",
              login="writer")
    await say(world, "/ignore rule ruff:N802 --repo")
    first, second = (c["body"] for c in world.fake.issue_comments)
    assert first.startswith("Only the repository's admins and maintainers")
    assert second.startswith("Ignored rule `ruff:N802` in this repository")
    assert ignored_on(world.engine, REPO, 99).rules == {  # any PR
        "ruff:N802": "@maintainer (/ignore) (repository-wide)"}


@pytest.fixture
async def world_with_model(sqlite_engine: Engine, tmp_path: Path
                           ) -> AsyncIterator[tuple[World, Any]]:
    import dataclasses

    from tests.fakellm import FakeLLM
    from tests.helpers.processes import served
    from tests.test_llm_review import client
    from tests.test_serve_e2e import free_port

    llm = FakeLLM()
    w, _repo, _base, _head = demo_world(sqlite_engine, tmp_path)
    with served(llm.app, free_port()) as url:
        model = client(f"{url}/v1", retries=0)
        w.worker.context = dataclasses.replace(w.worker.context, llm=model)
        yield w, llm
        await model.aclose()
    await w.web.aclose()


async def test_ask_answers_from_the_code_quoted_with_its_lines(
        world_with_model: tuple[World, Any]) -> None:
    from tests.fakellm import Reply

    world, llm = world_with_model
    llm.script("ask", Reply(tool_calls=[("read_lines", {"path": "shop/orders.py",
                                                        "start": 31, "end": 34})]),
               Reply({"answer": "archive() runs tar through a shell; ping @octocat",
                      "references": [{"path": "shop/orders.py", "line": 33}]}))
    await say(world, "/ask what does archive() do?")
    (answer,) = world.fake.issue_comments
    assert "> archive() runs tar through a shell; ping @\u200boctocat" in answer["body"]
    assert "From: `shop/orders.py:33`" in answer["body"]
    second = llm.calls("ask")[1]["messages"]
    assert any("tar czf backup.tgz" in str(m.get("content")) for m in second)  # it looked
    assert "UNTRUSTED-BEGIN" in llm.calls("ask")[0]["messages"][1]["content"]


async def test_explain_in_a_thread_reads_the_thread_and_answers_there(
        world_with_model: tuple[World, Any]) -> None:
    from tests.fakellm import Reply
    from tests.github_world import pr_event

    world, llm = world_with_model
    head = world.fake.pulls[(REPO, 7)].head_sha
    await world.deliver(pr_event(7, head), "d-1")
    await world.run_jobs()
    shell = next(c for c in world.fake.review_comments[(REPO, 7)] if c["line"] == 33)
    llm.script("ask", Reply({"answer": "The folder name reaches the shell unquoted.",
                             "references": []}))
    await world.deliver(thread_reply("/explain", shell["id"]), "t-1",
                        event="pull_request_review_comment")
    await world.run_jobs()
    reply = world.fake.review_comments[(REPO, 7)][-1]
    assert reply["in_reply_to_id"] == shell["id"]
    assert "> The folder name reaches the shell unquoted." in reply["body"]
    asked = llm.calls("ask")[-1]["messages"][1]["content"]
    assert "Earlier in this thread" in asked and "shell=True" in asked


async def test_ask_by_a_user_without_write_access_is_refused(
        world_with_model: tuple[World, Any]) -> None:
    world, llm = world_with_model
    await say(world, "/ask anything?", association="NONE", login="drive-by")
    assert llm.calls("ask") == []
    assert "write access" in world.fake.issue_comments[0]["body"]


async def test_paid_commands_are_rate_limited_per_user_with_one_notice(
        sqlite_engine: Engine, tmp_path: Path) -> None:
    w, _repo, _base, _head = demo_world(sqlite_engine, tmp_path,
                                       REVIEWBOT_COMMANDS_PER_USER_HOUR="2")
    for _ in range(4):
        await say(w, "/review")
    assert len(w.fake.reviews[(REPO, 7)]) == 1  # posted once per head, run twice
    limited = [c for c in w.fake.issue_comments if "limit of paid commands" in c["body"]]
    assert len(limited) == 1 and len(w.fake.reactions) == 4  # all acknowledged
    await say(w, "/help")  # free commands are not limited
    assert "`/review`" in w.fake.issue_comments[-1]["body"]
    await w.web.aclose()


async def test_an_ambiguous_association_is_confirmed_by_the_permission_api(
        world: World) -> None:
    world.fake.permissions[(REPO, "team-dev")] = "write"
    world.fake.permissions[(REPO, "reader")] = "read"
    await say(world, "/review", association="CONTRIBUTOR", login="team-dev")
    assert len(world.fake.reviews[(REPO, 7)]) == 1  # write through a team: allowed
    await say(world, "/review", association="CONTRIBUTOR", login="reader")
    await say(world, "/review", association="CONTRIBUTOR", login="stranger")  # 404: none
    refusals = [c for c in world.fake.issue_comments if "write access" in c["body"]]
    assert len(refusals) == 1 and "@reader" in refusals[0]["body"]


async def test_a_thumbs_down_on_a_finding_keeps_it_away_on_this_pr(world: World) -> None:
    from bot.store.memory import ignored_on
    from tests.github_world import pr_event

    head = world.fake.pulls[(REPO, 7)].head_sha
    await world.deliver(pr_event(7, head), "d-1")
    await world.run_jobs()
    b006 = next(c for c in world.fake.review_comments[(REPO, 7)] if "B006" in c["body"])
    world.fake.react(b006, "-1")  # a maintainer's 👎 (GitHub sends no webhook for it)
    await say(world, "/review")
    runs = list(world.fake.check_runs.values())
    (kept,) = [a for a in runs[-1]["annotations"] if a["start_line"] == 14]
    assert len(runs) == 2 and kept["annotation_level"] == "notice"
    assert list(ignored_on(world.engine, REPO, 7).fingerprints.values()) == [
        "@maintainer (a thumbs-down)"]  # remembered, with who


async def test_one_job_per_comment_whether_on_a_pr_or_an_issue(world: World) -> None:
    for k, on_pull in enumerate((True, False)):
        event = comment_event("/help" if on_pull else "/triage", on_pull=on_pull)
        assert (await world.deliver(event, f"one-{k}", event="issue_comment")
                ).status_code == 202
    assert sum(world.queue.counts().values()) == 2  # not one job per registered room
    await world.run_jobs()
    assert "`/triage` | in an issue" in world.fake.issue_comments[0]["body"]  # /help


async def test_describe_posts_the_walkthrough_once_and_updates_it(world: World) -> None:
    await say(world, "/describe")
    (posted,) = world.fake.issue_comments
    assert "### Walkthrough" in posted["body"] and "| `shop/orders.py` | code |" in posted["body"]
    assert "**Review effort:" in posted["body"]
    # a person pasting the marker does not make their comment the one updated
    world.fake.issue_comments.append({**posted, "id": 99999, "user": {
        "login": "mallory", "type": "User", "id": 5}, "body": "<!-- reviewbot:walkthrough -->"})
    await say(world, "/describe", login="someone", association="NONE")
    own = [c for c in world.fake.issue_comments if "### Walkthrough" in c["body"]]
    assert len(own) == 1 and own[0]["id"] == posted["id"]
    assert ("PATCH", f"/repos/{REPO}/issues/comments/{posted['id']}", 200) in world.fake.requests


async def test_describe_can_write_its_own_section_of_the_description(world: World) -> None:
    world.fake.add_file(REPO, "main", ".github/reviewbot.yml",
                        b"walkthrough_in_description: true\n")
    world.fake.pulls[(REPO, 7)].body = "The author's words."
    await say(world, "/describe")
    body = world.fake.pulls[(REPO, 7)].body or ""
    assert body.startswith("The author's words.\n\n<!-- reviewbot:walkthrough:start -->")
    assert "| `shop/orders.py` | code |" in body and body.endswith(
        "<!-- reviewbot:walkthrough:end -->")


async def test_ask_follows_the_maintainers_instructions_and_language_and_masks_keys(
        world_with_model: tuple[World, Any]) -> None:
    from tests.fakellm import Reply

    world, llm = world_with_model
    head = world.fake.pulls[(REPO, 7)].head_sha
    world.fake.add_file(REPO, "main", "AGENTS.md", b"Money is integer cents.")
    world.fake.add_file(REPO, "main", ".github/reviewbot.yml", b"language: German\n")
    orders = world.fake.files[(REPO, head, "shop/orders.py")]
    world.fake.add_file(REPO, head, "shop/orders.py",
                        orders + b'\nKEY = "AKIAZ3MSJV4W8QK2TB7N"\n')
    lines = orders.count(b"\n") + 2
    llm.script("ask", Reply(tool_calls=[("read_lines", {"path": "shop/orders.py",
                                                        "start": lines - 3, "end": lines})]),
               Reply({"answer": "Ja.", "references": []}))
    await say(world, "/ask is the money right?")
    first, second = llm.calls("ask")
    system = str(first["messages"][0]["content"])
    assert "Answer in German." in system and "Money is integer cents." in system
    looked = json.dumps(second["messages"])
    assert "KEY = " in looked and "***" in looked  # the line was read, its key masked
    assert "AKIAZ3MSJV4W8QK2TB7N" not in json.dumps(first) + looked
