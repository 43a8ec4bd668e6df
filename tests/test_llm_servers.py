"""The model review against fakes that behave like the servers self-hosters run
(llama-cpp-python, llama-server/Ollama/LM Studio, a server without tools, OpenAI's reasoning
models): a review completes on each, nothing goes out unbounded, and several checkers
saying one thing is one comment."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openai
import pytest
from pydantic import BaseModel

from bot.core.agent_types import Trace
from bot.core.bounds import BOUND_KEYWORDS
from bot.core.diffmap import parse_unified_diff
from bot.core.usage import Ledger
from bot.llm.agent import MAX_CALLS_PER_STEP, AgentTask, run_agent
from bot.llm.client import LLMClient
from bot.review.aggregate.tools import review_tools
from bot.review.demo import build_demo_repo
from bot.review.local import request_from_git
from bot.review.request import ReviewRequest
from tests.fakellm import FakeLLM, Reply, findings
from tests.helpers.processes import served
from tests.test_llm_review import ORDERS, PLANTED, client, review
from tests.test_serve_e2e import free_port

SERVERS = {
    "openai": frozenset(),
    "llama-cpp-python": frozenset({"json_schema_500"}),
    "llama-server": frozenset({"grammar_limits"}),
    "ollama": frozenset({"grammar_limits", "ignore_tools"}),
    "no tool calling": frozenset({"refuse_tools"}),
    "a reasoning model": frozenset({"refuse_temperature", "max_completion_tokens"}),
}


@pytest.fixture
def demo(tmp_path: Path) -> ReviewRequest:
    repo = tmp_path / "demo"
    base, head = build_demo_repo(repo)
    return request_from_git(repo, base, head)


def keys_of(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in keys_of(v)}
    if isinstance(node, list):
        return {k for v in node for k in keys_of(v)}
    return set()


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_a_model_review_completes_on_every_kind_of_server(server: str,
                                                          demo: ReviewRequest) -> None:
    llm = FakeLLM(quirks=SERVERS[server])
    llm.script("bug", findings(PLANTED))
    with served(llm.app, free_port()) as url:
        plan = review(demo, client(f"{url}/v1", retries=0))
    assert any(f.tool == "llm" and f.path == ORDERS for f in plan.findings), plan.summary
    for request in llm.requests:
        cap = request.get("max_tokens") or request.get("max_completion_tokens")
        assert isinstance(cap, int) and 0 < cap <= 2000  # no call goes out unbounded
        sent = request.get("response_format") or {}
        assert not keys_of(sent) & BOUND_KEYWORDS  # nothing a grammar engine chokes on
    assert server != "openai" or all(c.ok for c in plan.calls)  # nothing to learn there
    # The footer counts every call, refused ones too, as the usage does.
    assert f"{plan.usage.llm_calls} call(s)" in plan.model_note


def test_the_response_format_is_learnt_once_per_model(demo: ReviewRequest) -> None:
    llm = FakeLLM(quirks=frozenset({"json_schema_500"}))
    llm.script("bug", findings(PLANTED))
    with served(llm.app, free_port()) as url:
        review(demo, client(f"{url}/v1", retries=0))
    kinds = [(r["model"], (r.get("response_format") or {}).get("type"))
             for r in llm.requests if "tools" not in r]
    for model in ("strong-model", "fast-model"):
        mine = [k for m, k in kinds if m == model]
        # The first wave (two checkers at once) may both try json_schema; then JSON mode
        # with the schema, which llama-cpp-python's server takes.
        assert mine.count("json_schema") <= 2 and mine.count("json_object") >= 2
    with_schema = [r for r in llm.requests
                   if (r.get("response_format") or {}).get("type") == "json_object"]
    assert all("properties" in r["response_format"]["schema"] for r in with_schema)


def test_a_server_without_tools_verifies_from_the_excerpts(demo: ReviewRequest) -> None:
    llm = FakeLLM(quirks=frozenset({"refuse_tools"}))
    llm.script("bug", findings(PLANTED))
    with served(llm.app, free_port()) as url:
        plan = review(demo, client(f"{url}/v1", retries=0))
    verify = [r for r in llm.requests if r["messages"][0]["content"].startswith(
        "You are the last reviewer")]
    assert "tools" in verify[0] and "tools" not in verify[-1]
    assert "does not take tools" in plan.model_note  # said in the footer


def test_a_cut_off_answer_gets_one_shorter_attempt(demo: ReviewRequest) -> None:
    llm = FakeLLM()
    truncated = Reply('{"findings": [{"path": "shop/orders.py", "line": 36, "sev',
                      finish_reason="length")
    llm.script("bug", truncated, findings(PLANTED))
    llm.script("security", truncated, truncated)
    with served(llm.app, free_port()) as url:
        plan = review(demo, client(f"{url}/v1", retries=0))
    assert any(f.tool == "llm" and f.checker == "bug" for f in plan.findings)
    purposes = [c.purpose for c in plan.calls]
    assert "critique:bug:shorter" in purposes and "critique:security:shorter" in purposes
    assert "The model part failed" in plan.summary and "security" in plan.model_note
    assert "cut off" in plan.model_note


def test_several_checkers_saying_one_thing_are_one_comment(demo: ReviewRequest) -> None:
    said = {"path": ORDERS, "line": 36, "confidence": 0.95,
            "title": "The tar command's failure is ignored.",
            "scenario": "tar fails on a missing folder and the broken backup stays."}
    llm = FakeLLM()
    llm.script("bug", findings({**said, "severity": "warning"}))
    llm.script("security", findings({**said, "severity": "warning",
                                     "title": "A failing tar is ignored here."}))
    llm.script("style", findings({**said, "severity": "error"}))
    llm.script("performance", findings({**said, "severity": "note",
                                        "title": "Unrelated: the loop re-reads the file.",
                                        "scenario": "Reading it once would be quicker."}))
    with served(llm.app, free_port()) as url:
        plan = review(demo, client(f"{url}/v1", retries=0))
    on_line = [f for f in plan.findings if f.tool == "llm" and f.path == ORDERS
               and f.line == 36]
    merged = [f for f in on_line if "tar" in f.message.lower()]
    assert len(merged) == 1, [(f.checker, f.message) for f in on_line]
    names = {merged[0].rule, *(label.split(":", 1)[1] for label in merged[0].also_reported_by)}
    assert {"bug-critique", "security-critique", "style-critique"} <= names
    assert merged[0].severity.value == "warning"  # the highest, and style is never an error
    assert any("re-reads" in f.message for f in on_line)  # a different problem stays apart
    assert not any(f.checker in ("style", "performance") and f.severity.value == "error"
                   for f in plan.findings)


# --- the tool loop's bounds ---------------------------------------------------------

SOURCE = "import os\n\n\ndef load(path):\n    data = open(path).read()\n    return data\n"
DIFF = parse_unified_diff("--- a/app.py\n+++ b/app.py\n@@ -1,1 +1,6 @@\n import os\n+\n+\n"
                          "+def load(path):\n+    data = open(path).read()\n+    return data\n")


class Answer(BaseModel):
    verdict: str


def agent(llm: FakeLLM, replies: Sequence[Reply], *, budget: float | None = None,
          prices: dict[str, tuple[float, float]] | None = None) -> tuple[Answer, Trace, Ledger]:
    llm.script("test", *replies)

    async def go() -> tuple[Answer, Trace, Ledger]:
        with served(llm.app, free_port()) as url:
            sdk = openai.AsyncOpenAI(api_key="sk-test-0000000000000000", base_url=f"{url}/v1",
                                     max_retries=0, timeout=10)
            c = LLMClient(sdk=sdk, model="m", fast_model="m", prices=prices or {})
            trace, ledger = Trace(), Ledger()
            try:
                answer = await run_agent(c, AgentTask(
                    "test", "m", [{"role": "system", "content": "You are the test reviewer."}],
                    review_tools({"app.py": SOURCE}, DIFF), Answer, budget_usd=budget),
                    ledger, trace)
            finally:
                await c.aclose()
            return answer, trace, ledger
    return asyncio.run(go())


def test_repeats_are_compared_on_their_parsed_arguments() -> None:
    llm = FakeLLM()
    answer, trace, _ = agent(llm, [
        Reply(tool_calls=[("search", '{"text": "open"}')]),
        Reply(tool_calls=[("search", '{ "text" :   "open" }')]),  # the same call, padded
        Reply({"verdict": "done"})])
    assert answer.verdict == "done"
    assert [s.outcome for s in trace.steps] == ["ok", "repeated"]


def test_tool_calls_per_step_are_capped() -> None:
    llm = FakeLLM()
    many = [("search", {"text": f"word{i}"}) for i in range(MAX_CALLS_PER_STEP + 5)]
    answer, trace, _ = agent(llm, [Reply(tool_calls=many), Reply({"verdict": "done"})])
    outcomes = [s.outcome for s in trace.steps]
    assert outcomes.count("ok") == MAX_CALLS_PER_STEP
    assert outcomes.count("over the per-step limit") == 5 and answer.verdict == "done"


def test_the_budget_is_checked_before_each_step() -> None:
    llm = FakeLLM()
    step = Reply(tool_calls=[("search", {"text": "w"})])
    answer, trace, ledger = agent(llm, [step, Reply({"verdict": "stopped"})], budget=0.0001,
                                  prices={"m": (1000.0, 1000.0)})
    assert answer.verdict == "stopped" and trace.stopped == "the model budget was reached"
    assert len(ledger.calls) == 2  # one step with tools, then the answer without them
    assert "tools" not in llm.requests[-1]


def test_a_server_that_ignores_tools_still_answers() -> None:
    llm = FakeLLM(quirks=frozenset({"ignore_tools"}))
    answer, _trace, _ = agent(llm, [Reply(tool_calls=[("search", {"text": "x"})]),
                                    Reply({"verdict": "from the excerpts"})])
    assert answer.verdict == "from the excerpts"


def test_no_schema_sent_to_a_model_carries_a_bound() -> None:
    from bot.review.aggregate.verdicts import Verification
    from bot.review.ask import Answer as AskAnswer
    from bot.triage.llm import TriageAnswer
    from checks.critique import Critique

    for schema in (Critique, Verification, AskAnswer, TriageAnswer):
        assert not keys_of(schema.model_json_schema()) & BOUND_KEYWORDS, schema.__name__
    # ... and the bounds hold when the answer is read
    long = {"path": "a.py", "line": 1, "severity": "error", "title": "t" * 5000,
            "scenario": "s", "confidence": 85}
    critique = Critique.model_validate_json(json.dumps({"findings": [long] * 40}))
    assert len(critique.findings) == 20 and len(critique.findings[0].title) == 300
    assert critique.findings[0].confidence == 0.85  # percent read as a fraction
    wild = Critique.model_validate_json(json.dumps({"findings": [{**long, "confidence": 7e9}]}))
    assert wild.findings[0].confidence == 0.0  # never certainty out of nonsense


def test_doctor_tells_a_working_endpoint_from_a_broken_one() -> None:
    import os
    import subprocess

    from tests.helpers.processes import BIN

    llm = FakeLLM(quirks=frozenset({"json_schema_500", "refuse_tools"}))
    llm.script("?", *[Reply({"ok": True, "word": "ready"})] * 4)
    base = {**os.environ, "REVIEWBOT_MODEL": "strong-model",
            "REVIEWBOT_FAST_MODEL": "fast-model", "OPENAI_API_KEY": "sk-test-000000000000"}
    with served(llm.app, free_port()) as url:
        ok = subprocess.run([str(BIN), "doctor"], env={**base, "OPENAI_BASE_URL": f"{url}/v1"},
                            capture_output=True, text=True, timeout=120, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "as json_object_schema" in ok.stdout  # the mode that worked on this server
    assert "refused by the server" in ok.stdout and "can work" in ok.stdout
    dead = subprocess.run([str(BIN), "doctor"],
                          env={**base, "OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
                               "REVIEWBOT_LLM_MAX_RETRIES": "0"},
                          capture_output=True, text=True, timeout=120, check=False)
    assert dead.returncode == 1 and "cannot work" in dead.stdout and "could not connect" in \
        dead.stdout
    none = subprocess.run([str(BIN), "doctor"], env={k: v for k, v in base.items()
                                                     if not k.startswith("OPENAI_")},
                          capture_output=True, text=True, timeout=60, check=False)
    assert none.returncode == 1 and "no model endpoint" in none.stdout
