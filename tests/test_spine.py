"""The spine's own decisions: what a review job may post (a table), the one command table,
retraining as a job of its own, the triage plan printed without GitHub, settings from a
given environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.core.commands import COMMANDS, HELP, KNOWN, PAID
from bot.handlers.commands import HANDLERS
from bot.jobs.context import Services
from bot.jobs.routing import JobSpec
from bot.review.posting import Known, Posting, decide_posting
from bot.store.tables import jobs
from tests.conftest import make_settings

# stored review, stored check, check completed, found review, rerun, dry run -> expected
POSTING_TABLE: list[tuple[Known, Posting]] = [
    # A first review: nothing stored, nothing found: a check run (ours, if a crash left
    # one in progress) and the review.
    (Known(None, None, False), Posting(check="adopt-or-create", post_review=True)),
    # Reviewed and closed at this head: nothing at all (a retry, a duplicate delivery).
    (Known(5, 9, True), Posting(skip="already reviewed at this head; nothing to post")),
    # The review posted, the check not yet closed (a crash in between): close it only.
    (Known(5, 9, False), Posting(check="keep", post_review=False)),
    # Posted before the store heard of it: adopt the review, post no second one.
    (Known(None, 9, False, found_review=4),
     Posting(adopt_review=4, check="keep", post_review=False)),
    (Known(None, None, False, found_review=4),
     Posting(adopt_review=4, check="adopt-or-create", post_review=False)),
    # A re-run of a closed check: a fresh check run, never a second review.
    (Known(5, 9, True, rerun=True), Posting(check="create", post_review=False)),
    # A re-run before anything was posted: a new check run (no adoption) and the review.
    (Known(None, None, False, rerun=True), Posting(check="create", post_review=True)),
    (Known(None, 9, False, rerun=True), Posting(check="keep", post_review=True)),
    # A dry run posts nothing and creates no check run.
    (Known(None, None, False, dry_run=True), Posting(check="none", post_review=False)),
    (Known(None, 9, False, dry_run=True), Posting(check="keep", post_review=False)),
    (Known(5, 9, True, rerun=True, dry_run=True), Posting(check="none", post_review=False)),
    (Known(5, 9, True, dry_run=True), Posting(skip="already reviewed at this head; "
                                                   "nothing to post")),
]


@pytest.mark.parametrize(("known", "expected"), POSTING_TABLE)
def test_what_a_review_job_may_post(known: Known, expected: Posting) -> None:
    assert decide_posting(known) == expected


def test_one_command_table_behind_help_and_the_handlers() -> None:
    assert set(HANDLERS) == set(KNOWN) == {c.name for c in COMMANDS}
    for spec in COMMANDS:
        assert f"`{spec.usage}`" in HELP  # /help is generated from the table
        assert spec.on_pulls or spec.on_issues
    assert {"review", "ask", "explain", "triage"} == PAID  # one gate, one set of limits


async def test_follow_up_jobs_are_coalesced_per_key(sqlite_engine: Engine) -> None:
    """Retraining after each triage: one pending job per repository, whatever the burst."""
    services = Services(make_settings(), sqlite_engine)
    for refused in (False, True, False):
        await services.follow_up(JobSpec("triage.retrain", coalesce_key="retrain:o/r",
                                         args={"repo": "o/r", "refused": refused}))
    with sqlite_engine.connect() as conn:
        states = [s for (s,) in conn.execute(sa.select(jobs.c.state).order_by(jobs.c.id))]
    assert states == ["superseded", "superseded", "pending"]


def test_the_composition_root_closes_what_it_opened(sqlite_engine: Engine) -> None:
    import asyncio

    from bot.app import open_services

    settings = make_settings(OPENAI_BASE_URL="http://model.test/v1",
                             REVIEWBOT_EMBEDDINGS_MODEL="e")

    async def go() -> Services:
        async with open_services(settings, engine=sqlite_engine) as services:
            assert services.llm is not None and not services.llm.sdk.is_closed()
            return services
    services = asyncio.run(go())
    assert services.llm is not None and services.llm.sdk.is_closed()
    assert services.embedder is not None and services.embedder.sdk.is_closed()


def test_settings_come_from_the_given_environment_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli.process import load_settings
    from bot.errors import ConfigError

    monkeypatch.setenv("REVIEWBOT_LLM_CONCURRENCY", "3")
    s = load_settings({"REVIEWBOT_LLM_CONCURRENCY": "7",
                       "REVIEWBOT_MODEL_PRICES": '{"m": [1, 2]}'})
    assert s.llm_concurrency == 7 and s.model_prices == {"m": (1.0, 2.0)}
    assert load_settings({}).llm_concurrency == 40  # the process's variable is not read
    assert load_settings().llm_concurrency == 3
    with pytest.raises(ConfigError, match="REVIEWBOT_LLM_CONCURRENCY") as caught:
        load_settings({"REVIEWBOT_LLM_CONCURRENCY": "many"})
    assert "many" not in str(caught.value)  # never the value


def test_triage_classify_prints_the_plan_without_github(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli.main import main

    monkeypatch.setenv("REVIEWBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    monkeypatch.setenv("GITHUB_API_URL", "http://unreachable.invalid")  # never asked
    payload = tmp_path / "issue.json"
    payload.write_text(json.dumps({"action": "opened", "issue": {
        "number": 3, "title": "Crash on start", "body": "It crashes.",
        "user": {"login": "alice"}, "labels": [{"name": "bug"}]}}))
    config = tmp_path / "reviewbot.yml"
    config.write_text("triage:\n  mode: suggest\n")
    assert main(["triage", "classify", "--repo", "o/r", "--payload", str(payload),
                 "--config", str(config), "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    # The bug label is already there: a bug; suggest mode applies nothing; the report
    # lacks a version and steps, so the comment asks the author for them.
    assert plan["kind"] == "bug" and plan["apply"] == []
    assert plan["missing"] and "@alice" in plan["comment"]
    assert main(["triage", "classify", "--repo", "o/r", "--title", "How do I export?"]) == 0
    assert "type:" in capsys.readouterr().out
    assert main(["triage", "classify", "--repo", "o/r"]) != 0  # a clear error, said
    assert "give --title" in capsys.readouterr().err
