"""The tool-calling loop (ReAct), written once for every agent that needs to look around.

The model may call read-only tools (their arguments validated by pydantic models); calls of
one step run concurrently, at most `MAX_CALLS_PER_STEP` of them; an unknown tool or invalid
arguments go back to the model as an error message, never a crash; the same call made again
(compared on its parsed arguments) gets an intervention message instead of a second run;
the tools' results are capped per conversation; a step limit, a wall-clock limit and the
model budget (checked before each step) end the loop, and the model must then answer
without tools. Every call goes through the client's one path (`LLMClient.chat`: output cap,
temperature, the response format and tool support learnt per server, the fallback model);
a server that refuses tools gets the question without them, said in the trace. The final
answer is validated against the schema, with one repair attempt.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from bot.core.agent_types import Step, Tool, Trace
from bot.core.usage import Ledger
from bot.errors import ModelError
from bot.llm.client import LLMClient, parse_answer
from bot.llm.wire import Chat, schema_instructions

T = TypeVar("T", bound=BaseModel)
MAX_RESULT_CHARS = 8000  # of one tool result
MAX_CONVERSATION_RESULT_CHARS = 40_000  # of all tool results in one conversation
MAX_CALLS_PER_STEP = 8


@dataclass(frozen=True)
class AgentTask(Generic[T]):
    """One agent conversation: what it is for (usage and logs), the model, the opening
    messages, the read-only tools it may call, the answer's schema, and its limits (what
    it may spend: None, no cap)."""

    purpose: str
    model: str
    messages: Sequence[dict[str, Any]]
    tools: Sequence[Tool]
    schema: type[T]
    max_steps: int = 6
    wall_seconds: float = 120.0
    budget_usd: float | None = None


@dataclass
class _Loop:
    task: AgentTask[Any]
    trace: Trace
    seen: set[tuple[str, str]]
    tools: dict[str, Tool]  # by name
    result_chars: int = 0


async def run_agent(client: LLMClient, task: AgentTask[T], ledger: Ledger, trace: Trace) -> T:
    """The model's answer as the task's schema, after at most `max_steps` rounds of tool
    calls (the last round offers no tools); every call is counted in `ledger`, every tool
    step in `trace`."""
    conversation: list[dict[str, Any]] = [*task.messages, schema_instructions(task.schema)]
    loop = _Loop(task, trace, set(), {t.name: t for t in task.tools})
    deadline = time.monotonic() + task.wall_seconds
    for step in range(task.max_steps + 1):
        stop = _why_stop(client, task, ledger, step, deadline)
        if stop:
            trace.stopped = trace.stopped or stop
        offered = [] if stop else list(task.tools)
        chat = Chat(task.purpose, task.model, conversation, task.schema, offered,
                    client.max_tokens_for(task.purpose))
        response = await client.chat_with_fallback(chat, ledger)
        if offered and not client.learnt(task.model).tools:
            trace.stopped = "the server does not take tools: answered from the excerpts"
        message = response.choices[0].message if response.choices else None
        if message is None:
            raise ModelError(f"{task.model}: an empty answer")
        calls = list(message.tool_calls or [])
        if not calls or stop or not client.learnt(task.model).tools:
            return await _final(client, task, conversation, message.content or "", ledger)
        conversation.append({"role": "assistant", "content": message.content or "",
                             "tool_calls": [c.model_dump() for c in calls]})
        results = await asyncio.gather(*(_run_one(c, loop, i) for i, c in enumerate(calls)))
        for call, result in zip(calls, results, strict=True):
            conversation.append({"role": "tool", "tool_call_id": call.id, "content": result})
    raise ModelError(f"{task.model}: the agent loop ended without an answer")


def _why_stop(client: LLMClient, task: AgentTask[Any], ledger: Ledger, step: int,
              deadline: float) -> str:
    """Why this step offers no tools ("": it does)."""
    if step == task.max_steps:
        return "step limit"
    if time.monotonic() >= deadline:
        return "wall-clock limit"
    if task.budget_usd is not None and ledger.cost_usd >= task.budget_usd:
        return "the model budget was reached"
    if not client.learnt(task.model).tools:
        return "the server does not take tools: answered from the excerpts"
    return ""


async def _final(client: LLMClient, task: AgentTask[T], conversation: list[dict[str, Any]],
                 text: str, ledger: Ledger) -> T:
    """The answer validated, with one repair attempt when it does not match the schema."""
    try:
        return parse_answer(text, task.schema)
    except ModelError as invalid:
        conversation += [{"role": "assistant", "content": text[:20_000]},
                         {"role": "user", "content": f"That answer is invalid: {invalid}. "
                          "Answer again with only a JSON object that matches the schema."}]
        repair = Chat(task.purpose + ":repair", task.model, conversation, task.schema, (),
                      client.max_tokens_for(task.purpose))
        response = await client.chat_with_fallback(repair, ledger)
        message = response.choices[0].message if response.choices else None
        return parse_answer((message.content if message else "") or "", task.schema)


def canonical(raw: str) -> str:
    """A call's arguments as compared for repeats: parsed and re-serialised (whitespace
    and key order do not make a call new)."""
    try:
        return json.dumps(json.loads(raw or "{}"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return raw


async def _run_one(call: Any, loop: _Loop, index: int) -> str:
    name, raw = call.function.name, call.function.arguments or "{}"
    tools = loop.tools
    started = time.perf_counter()
    outcome, result = "ok", ""
    tool = tools.get(name)
    key = (name, canonical(raw))
    if index >= MAX_CALLS_PER_STEP:
        outcome = "over the per-step limit"
        result = f"Error: at most {MAX_CALLS_PER_STEP} tool calls per step; this one was not run."
    elif loop.result_chars >= MAX_CONVERSATION_RESULT_CHARS:
        outcome = "over the results limit"
        result = "Error: the tools' results for this question are used up; answer now."
    elif tool is None:
        outcome = "unknown tool"
        result = f"Error: there is no tool named {name!r}. Tools: {', '.join(sorted(tools))}."
    elif key in loop.seen:
        outcome = "repeated"
        result = ("You already made this exact call and have its result above. Use it, try "
                  "something else, or answer now.")
    else:
        loop.seen.add(key)
        outcome, result = await _invoke(tool, raw)
        result = result[:MAX_RESULT_CHARS]
        loop.result_chars += len(result)
    loop.trace.steps.append(Step(name, raw[:500], time.perf_counter() - started, outcome))
    return result


async def _invoke(tool: Tool, raw: str) -> tuple[str, str]:
    try:
        args = tool.args.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors(include_input=False, include_url=False))
        return "invalid arguments", f"Error: invalid arguments for {tool.name}: {problems}"
    try:
        return "ok", await tool.run(args)
    except (OSError, ValueError, LookupError) as exc:
        return "failed", f"Error: {tool.name} failed: {type(exc).__name__}"
