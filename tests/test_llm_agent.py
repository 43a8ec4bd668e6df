"""The tool-calling loop against the fake OpenAI-compatible server: tool calls, parallel
calls, unknown tools, invalid arguments, repeats, the step limit; and the review tools."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import openai
import pytest
from pydantic import BaseModel

from bot.core.agent_types import Tool, Trace
from bot.core.diffmap import parse_unified_diff
from bot.core.usage import Ledger
from bot.llm.agent import AgentTask, run_agent
from bot.llm.client import LLMClient
from bot.review.aggregate.tools import review_tools
from tests.fakellm import FakeLLM, Reply
from tests.helpers.processes import served
from tests.test_serve_e2e import free_port

SOURCE = "import os\n\n\ndef load(path):\n    data = open(path).read()\n    return data\n"
DIFF = parse_unified_diff("--- a/app.py\n+++ b/app.py\n@@ -1,1 +1,6 @@\n import os\n+\n+\n"
                          "+def load(path):\n+    data = open(path).read()\n+    return data\n")


class Answer(BaseModel):
    verdict: str


@pytest.fixture
def fake() -> Iterator[tuple[FakeLLM, LLMClient]]:
    llm = FakeLLM()
    with served(llm.app, free_port()) as url:
        sdk = openai.AsyncOpenAI(api_key="sk-test-agent-0000000000", base_url=f"{url}/v1",
                                 max_retries=0, timeout=10)
        yield llm, LLMClient(sdk=sdk, model="m", fast_model="m")


def run(client: LLMClient, tools: list[Tool], trace: Trace, max_steps: int = 6) -> Answer:
    async def go() -> Answer:
        try:
            return await run_agent(client, AgentTask(
                "test", "m", [{"role": "system", "content": "You are the test reviewer."}],
                tools, Answer, max_steps=max_steps), Ledger(), trace)
        finally:
            await client.aclose()
    return asyncio.run(go())


def test_tools_are_called_and_their_results_returned(fake: tuple[FakeLLM, LLMClient]) -> None:
    llm, client = fake
    llm.script("test", Reply(tool_calls=[("enclosing_function", {"path": "app.py",
                                                                  "line": 5})]),
               Reply({"verdict": "leaks a file handle"}))
    trace = Trace()
    answer = run(client, review_tools({"app.py": SOURCE}, DIFF), trace)
    assert answer.verdict == "leaks a file handle"
    assert [(s.tool, s.outcome) for s in trace.steps] == [("enclosing_function", "ok")]
    tool_message = llm.requests[1]["messages"][-1]
    assert tool_message["role"] == "tool" and "    5 |     data = open(path).read()" in \
        tool_message["content"]
    assert "tools" in llm.requests[0]  # the tool specs are offered


def test_parallel_calls_run_concurrently(fake: tuple[FakeLLM, LLMClient]) -> None:
    llm, client = fake

    class Nothing(BaseModel):
        pass

    async def slow(_args: Nothing) -> str:
        await asyncio.sleep(0.4)
        return "done"

    tools = [Tool("a", "slow a", Nothing, slow), Tool("b", "slow b", Nothing, slow)]
    llm.script("test", Reply(tool_calls=[("a", {}), ("b", {})]), Reply({"verdict": "ok"}))
    started = time.monotonic()
    run(client, tools, Trace())
    assert time.monotonic() - started < 0.75  # not 0.8 s one after the other


def test_mistakes_go_back_to_the_model(fake: tuple[FakeLLM, LLMClient]) -> None:
    llm, client = fake
    llm.script("test",
               Reply(tool_calls=[("rm_rf", {}), ("read_lines", {"path": "app.py"}),
                                 ("read_lines", "{not json")]),
               Reply(tool_calls=[("search", {"text": "open("})]),
               Reply(tool_calls=[("search", {"text": "open("})]),
               Reply({"verdict": "fine"}))
    trace = Trace()
    answer = run(client, review_tools({"app.py": SOURCE}, DIFF), trace)
    assert answer.verdict == "fine"
    assert [s.outcome for s in trace.steps] == ["unknown tool", "invalid arguments",
                                                "invalid arguments", "ok", "repeated"]
    errors = [m["content"] for m in llm.requests[1]["messages"] if m["role"] == "tool"]
    assert errors[0].startswith("Error: there is no tool named 'rm_rf'")
    assert "start: Field required" in errors[1]
    repeated = llm.requests[3]["messages"][-1]["content"]
    assert repeated.startswith("You already made this exact call")


def test_the_step_limit_forces_an_answer(fake: tuple[FakeLLM, LLMClient]) -> None:
    llm, client = fake
    llm.script("test", *[Reply(tool_calls=[("search", {"text": f"x{i}"})]) for i in range(2)],
               Reply({"verdict": "out of steps"}))
    trace = Trace()
    answer = run(client, review_tools({"app.py": SOURCE}, DIFF), trace, max_steps=2)
    assert answer.verdict == "out of steps" and trace.stopped == "step limit"
    assert "tools" not in llm.requests[-1]  # the last call offers no tools
    # The answer is asked for with its schema, through the client's one path (bounded).
    assert llm.requests[-1]["response_format"]["type"] == "json_schema"
    assert all("max_tokens" in r and r["temperature"] == 0 for r in llm.requests)


def test_review_tools_read_only_what_was_changed() -> None:
    tools = {t.name: t for t in review_tools({"app.py": SOURCE}, DIFF)}

    async def call(name: str, args: dict[str, object]) -> str:
        tool = tools[name]
        return await tool.run(tool.args.model_validate(args))

    assert asyncio.run(call("changed_files", {})) == "app.py"
    assert "app.py:5:" in asyncio.run(call("search", {"text": "open("}))
    assert "    6 + " in asyncio.run(call("file_diff", {"path": "app.py"}))
    with pytest.raises(LookupError):
        asyncio.run(call("read_lines", {"path": "/etc/passwd", "start": 1, "end": 3}))
