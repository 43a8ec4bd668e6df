"""`reviewbot action`: the App's handlers from a workflow run, against a FakeGitHub that
knows a workflow's token (no App JWT). In process, with the demo's recorded linter output;
tests/test_action_process.py runs the command itself as a workflow would."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.action.environment import ActionEnv, read_action_env
from bot.action.event import dispatch
from bot.action.report import (
    ANNOTATIONS_PER_LEVEL,
    RunFacts,
    annotation_commands,
    job_summary,
    workflow_command,
)
from bot.action.run import ActionResult, run_action, write_outputs
from bot.core.findings import Severity
from bot.core.plan import Annotation, Coverage, ReviewPlan
from bot.errors import ConfigError, ReviewbotError
from tests.conftest import make_settings, payload_bytes
from tests.fakegithub import FakeGitHub, Fault, make_key
from tests.github_world import APP_ID, REPO, load_repo_into, pr_event
from tests.recorded import recorded_runners

TOKEN = "ghs_workflow0123456789abcdef"
FORK_TOKEN = "ghs_forkreadonly0123456789"
ACTIONS_BOT = "github-actions[bot]"


def pr_payload(head: str, *, fork: bool = False, sender_type: str = "User",
               action: str = "opened") -> dict[str, Any]:
    """A pull_request event file as a workflow gets it: no `installation`."""
    data: dict[str, Any] = json.loads(pr_event(7, head, action))
    del data["installation"]
    data["pull_request"]["base"]["repo"]["full_name"] = REPO
    data["pull_request"]["head"]["repo"]["full_name"] = "stranger/demo" if fork else REPO
    data["sender"]["type"] = sender_type
    return data


def comment_payload(body: str, *, association: str = "OWNER", login: str = "maintainer",
                    sender_type: str = "User") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(payload_bytes("issue_comment.created"))
    data["repository"]["full_name"] = REPO
    data["repository"]["default_branch"] = "main"
    data["issue"]["number"] = 7
    data["issue"]["pull_request"] = {"url": "https://x"}
    data["comment"].update(body=body, author_association=association,
                           user={**data["comment"]["user"], "login": login,
                                 "type": sender_type})
    data["sender"].update(login=login, type=sender_type)
    data.pop("installation", None)
    return data


def make_env(tmp_path: Path, event: str, payload: dict[str, Any], **extra: str) -> ActionEnv:
    path = tmp_path / f"event-{len(list(tmp_path.glob('event-*')))}.json"
    path.write_text(json.dumps(payload))
    return read_action_env({
        "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(path), "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": "http://github.test",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_RUN_ID": "99",
        **extra})


@pytest.fixture
def fake(tmp_path: Path) -> tuple[FakeGitHub, str]:
    from bot.review.demo import build_demo_repo

    _pem, public = make_key()
    template = json.loads(payload_bytes("pull_request.opened-githubkit"))["pull_request"]
    github = FakeGitHub(APP_ID, public, template)
    base, head = build_demo_repo(tmp_path / "demo")
    load_repo_into(github, tmp_path / "demo", base, head)
    github.add_token(TOKEN)
    github.add_token(FORK_TOKEN, read_only=True)
    github.permissions[(REPO, "maintainer")] = "admin"
    return github, head


async def run(fake: FakeGitHub, env: ActionEnv, **kwargs: Any) -> ActionResult:
    """One workflow run, its outputs written as the command writes them (stdout: `out`)."""
    settings = make_settings(REVIEWBOT_GITHUB_WRITE_INTERVAL=0, **kwargs.pop("settings", {}))
    result = await run_action(env, settings, transport=httpx.ASGITransport(app=fake.app),
                              linters=recorded_runners(), **kwargs)
    out = io.StringIO()
    write_outputs(env, result, out, as_json=False)
    OUTPUT[env.event_path] = out.getvalue()
    return result


OUTPUT: dict[Path, str] = {}


def writes(fake: FakeGitHub) -> list[tuple[str, str, int]]:
    return [r for r in fake.requests if r[0] != "GET" and r[1] != "/graphql"]


# --- the environment and the event (pure) -----------------------------------------------

def test_the_environment_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GITHUB_EVENT_NAME"):
        read_action_env({"GITHUB_TOKEN": "t"})
    with pytest.raises(ConfigError, match="GITHUB_TOKEN"):
        read_action_env({"GITHUB_EVENT_NAME": "pull_request"})
    with pytest.raises(ConfigError, match="REVIEWBOT_FAIL_ON"):
        make_env(tmp_path, "pull_request", {}, REVIEWBOT_FAIL_ON="sometimes")
    env = make_env(tmp_path, "pull_request", {}, REVIEWBOT_FAIL_ON="warning",
                   GITHUB_API_URL="https://ghe.example.com/api/v3")
    assert env.fail_on is Severity.WARNING and env.api_url.endswith("/api/v3")
    assert env.login == ACTIONS_BOT and env.delivery_id == "actions-99-1"


def test_what_a_run_may_do_follows_the_event(tmp_path: Path) -> None:
    def decide(event: str, payload: dict[str, Any], **kw: Any) -> Any:
        env = make_env(tmp_path, event, payload)
        return dispatch(env, env.event_path.read_bytes(), **kw)

    own = decide("pull_request", pr_payload("abc"))
    assert own.delivery is not None and own.writes and own.model
    assert own.delivery.payload["installation"] == {"id": 1}
    fork = decide("pull_request", pr_payload("abc", fork=True))
    assert not fork.writes and not fork.model and "fork" in fork.why_read_only
    # pull_request_target runs from the base branch with a write token: a full review,
    # routed as a pull_request (reviewbot reads the PR through the API only).
    target = decide("pull_request_target", pr_payload("abc", fork=True))
    assert target.writes and target.delivery is not None
    assert target.delivery.event == "pull_request"
    assert "bot" in decide("pull_request", pr_payload("abc", sender_type="Bot")).skip
    assert "not one reviewbot handles" in decide("push", {}).skip
    dry = decide("pull_request", pr_payload("abc"), dry_run=True)
    assert not dry.writes and dry.model
    other = pr_payload("abc")
    other["repository"]["full_name"] = "someone/else"
    with pytest.raises(ConfigError, match="the token is for"):
        decide("pull_request", other)


def test_workflow_commands_cannot_be_broken_out_of() -> None:
    hostile = Annotation(path="a,b:c.py", start_line=3, end_line=4, level="failure",
                         title="x::error file=evil.py::owned", message="50%\n::warning::fake")
    line = workflow_command(hostile)
    assert line.startswith("::error file=a%2Cb%3Ac.py,line=3,endLine=4,title=")
    assert "\n" not in line and "50%25%0A::warning::fake" in line
    assert line.count("::") == 2 + 2  # the command's own two, and the message's text
    plan = ReviewPlan(base="b", head="h", event="COMMENT", summary="s", comments=(),
                      findings=(), coverage=Coverage(1, 1), conclusion="success",
                      annotations=tuple(replace(hostile, path=f"f{i}.py") for i in range(30)))
    assert len(annotation_commands(plan)) == ANNOTATIONS_PER_LEVEL  # GitHub shows no more
    summary = job_summary(plan, RunFacts(3, read_only_reason="a fork"))
    assert "| `f29.py` | 3 | failure |" in summary  # every finding is in the summary
    assert "GitHub requests this run: 3." in summary and "Nothing was posted" in summary


# --- a workflow's runs against FakeGitHub -------------------------------------------------

async def test_a_pull_request_gets_one_review_and_a_rerun_posts_nothing(
        tmp_path: Path, fake: tuple[FakeGitHub, str]) -> None:
    github, head = fake
    env = make_env(tmp_path, "pull_request", pr_payload(head))
    first = await run(github, env)
    assert first.exit_code == 0 and first.plan is not None and first.facts.posted
    (review,) = github.reviews[(REPO, 7)]
    assert review["user"]["login"] == ACTIONS_BOT and f"head={head}" in review["body"]
    (check,) = github.check_runs.values()
    assert check["status"] == "completed" and check["conclusion"] == first.plan.conclusion
    assert first.facts.github_requests == len(github.requests)
    assert github.refused == []

    # The workflow's re-run: a new store, the same head. Found on GitHub, posted once.
    rerun = await run(github, replace(env, run_attempt="2"))
    assert rerun.plan is None and len(github.reviews[(REPO, 7)]) == 1
    assert len(github.check_runs) == 1
    summary = (tmp_path / "summary.md").read_text()
    assert summary.count("## reviewbot\n") == 2 and "already reviewed" in summary

    # --fail-on: the job's exit status follows the findings (the demo has errors).
    failing = await run(github, replace(make_env(tmp_path, "pull_request", pr_payload(head),
                                                 REVIEWBOT_FAIL_ON="error"), run_attempt="3"),
                        dry_run=True)
    assert failing.exit_code == 1 and failing.plan is not None


async def test_a_fork_pull_request_writes_nothing_and_calls_no_model(
        tmp_path: Path, fake: tuple[FakeGitHub, str]) -> None:
    github, head = fake
    env = replace(make_env(tmp_path, "pull_request", pr_payload(head, fork=True),
                           REVIEWBOT_FAIL_ON="error"), token=FORK_TOKEN)
    # A model is configured, at an address where nothing listens: a call would fail.
    result = await run(github, env, settings={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
                                              "OPENAI_API_KEY": "sk-secret"})
    assert writes(github) == [] and github.reviews == {} and github.check_runs == {}
    assert result.plan is not None and result.plan.usage.llm_calls == 0
    assert result.exit_code == 1  # the demo's errors fail the job
    lines = OUTPUT[env.event_path].splitlines()
    assert any(line.startswith("::error file=shop/orders.py,line=") for line in lines)
    summary = (tmp_path / "summary.md").read_text()
    assert "Nothing was posted to the pull request: a pull request from a fork" in summary
    assert "shop/orders.py" in summary


async def test_commands_from_an_outsider_and_from_a_bot(
        tmp_path: Path, fake: tuple[FakeGitHub, str]) -> None:
    github, _head = fake
    outsider = await run(github, make_env(tmp_path, "issue_comment",
                                          comment_payload("/review", association="NONE",
                                                          login="stranger")))
    assert outsider.handled == ("commands.issue_comment",)
    assert github.reviews == {}  # no review for someone without write access
    (refusal,) = github.issue_comments
    assert "write access" in refusal["body"] and refusal["user"]["login"] == ACTIONS_BOT

    before = len(github.requests)
    own = await run(github, make_env(tmp_path, "issue_comment",
                                     comment_payload("/help", login=ACTIONS_BOT,
                                                     sender_type="Bot")))
    assert "bot" in own.skip and len(github.requests) == before  # not even a read

    helped = await run(github, make_env(tmp_path, "issue_comment", comment_payload("/help")))
    assert helped.handled and "/review" in github.issue_comments[-1]["body"]


async def test_a_rate_limit_mid_review_is_waited_out_or_reported(
        tmp_path: Path, fake: tuple[FakeGitHub, str]) -> None:
    github, head = fake
    limit = Fault("POST", rf"/repos/{REPO}/pulls/7/reviews", 403,
                  {"message": "You have exceeded a secondary rate limit"},
                  {"retry-after": "1"})
    github.fail(limit)
    waited = await run(github, make_env(tmp_path, "pull_request", pr_payload(head)))
    assert len(github.reviews[(REPO, 7)]) == 1 and len(github.check_runs) == 1
    assert "rate limit" in waited.facts.note

    github.reviews.clear()
    github.check_runs.clear()
    github.fail(replace(limit, headers={"retry-after": "120"}, times=1))
    with pytest.raises(ReviewbotError, match="rate limit"):
        await run(github, make_env(tmp_path, "pull_request", pr_payload(head),
                                   REVIEWBOT_MAX_WAIT="5"))
    (check,) = github.check_runs.values()  # not left spinning: closed as a failure
    assert check["status"] == "completed" and check["conclusion"] == "failure"


async def test_a_new_issue_is_triaged_from_the_workflow(
        tmp_path: Path, fake: tuple[FakeGitHub, str]) -> None:
    from tests.test_triage import BUG_TEMPLATE, issue_event

    github, _head = fake
    for name in ("bug", "enhancement", "question", "needs-triage"):
        github.add_label(REPO, name)
    github.add_file(REPO, "main", ".github/ISSUE_TEMPLATE/bug.yml", BUG_TEMPLATE)
    github.add_issue(REPO, 11, "The exporter crashes with an exception",
                     "### What happened?\n\nThe exporter crashes when I click save.")
    payload = json.loads(issue_event(11))
    del payload["installation"]
    result = await run(github, make_env(tmp_path, "issues", payload))
    assert result.handled == ("triage.issue",)
    # No trained model in a fresh store: handed to a human, as the App does.
    assert github.issue_labels(REPO, 11) == ["needs-triage"]
    (said,) = github.issue_comments
    assert said["user"]["login"] == ACTIONS_BOT and "over to a human" in said["body"]


async def test_a_kept_store_carries_what_was_done_between_runs(
        tmp_path: Path, fake: tuple[FakeGitHub, str]) -> None:
    """REVIEWBOT_DATABASE_URL (a SQLite file actions/cache restores): the second run knows
    from its store that this head was reviewed, without asking GitHub."""
    import sqlalchemy as sa

    from bot.store.tables import review_runs

    github, head = fake
    kept = f"sqlite:///{tmp_path / 'kept.db'}"
    env = make_env(tmp_path, "pull_request", pr_payload(head), REVIEWBOT_DATABASE_URL=kept)
    await run(github, env)
    again = await run(github, replace(env, run_attempt="2"))
    assert again.plan is None and again.facts.github_requests == 2  # the PR, its config
    engine = sa.create_engine(kept)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(review_runs.c.head_sha, review_runs.c.review_id)).all()
    engine.dispose()
    assert [(h, r is not None) for h, r in rows] == [(head, True)]


async def test_the_review_settings_come_from_the_configured_path_on_the_default_branch(
        tmp_path: Path, fake: tuple[FakeGitHub, str]) -> None:
    github, head = fake
    github.add_file(REPO, "main", "ci/reviewbot.yml", b"max_comments: 0\n")
    with pytest.raises(ConfigError, match="inside the repository"):
        make_env(tmp_path, "pull_request", {}, REVIEWBOT_CONFIG_PATH="../elsewhere.yml")
    env = make_env(tmp_path, "pull_request", pr_payload(head),
                   REVIEWBOT_CONFIG_PATH="ci/reviewbot.yml")
    result = await run(github, env)
    assert result.plan is not None and result.plan.findings  # found, but none inline
    assert github.review_comments.get((REPO, 7), []) == []
    assert (REPO, "main", "ci/reviewbot.yml") in github.blob_reads


def test_the_action_and_its_workflow_are_least_privilege_and_injection_free() -> None:
    import re

    import yaml

    root = Path(__file__).resolve().parent.parent
    action = yaml.safe_load((root / "action.yml").read_text())
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    for step in steps:
        # Inputs reach scripts through `env:`, never pasted into `run:` (template injection).
        assert "${{" not in step.get("run", ""), step["name"]
        uses = step.get("uses")
        assert uses is None or re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses), uses
    run_env = steps[-1]["env"]
    for name in action["inputs"]:
        assert any(f"inputs.{name} " in str(v) or f"inputs.{name}}}" in str(v)
                   for v in [*run_env.values(), *(str(s.get("with")) for s in steps)]), name
    workflow = yaml.safe_load((root / "docs" / "workflows" / "reviewbot.yml").read_text())
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert "Bot" in job["if"] and job["concurrency"]["group"].startswith("reviewbot-")
        assert "write" not in str(job["permissions"].get("contents")), name
        for step in job["steps"]:
            assert "actions/checkout" not in step.get("uses", "")  # never the PR's code
