"""The tool-calling loop (ReAct), written once for every agent that needs to look around.

The model may call read-only tools (their arguments validated by pydantic models); calls of
one step run concurrently; an unknown tool or invalid arguments go back to the model as an
error message, never a crash; the same call made again gets an intervention message instead
of a second run; a step limit and a wall-clock limit end the loop (then the model must
answer without tools); every step is traced (tool, arguments, latency). The final answer is
validated against the schema like any structured answer.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from bot.core.agent_types import Step, Tool, Trace
from bot.core.usage import Ledger
from bot.errors import ModelError
from bot.llm.client import LLMClient, parse_answer

T = TypeVar("T", bound=BaseModel)
MAX_RESULT_CHARS = 8000


@dataclass(frozen=True)
class AgentTask(Generic[T]):
    """One agent conversation: what it is for (usage and logs), the model, the opening
    messages, the read-only tools it may call, the answer's schema, and its limits."""

    purpose: str
    model: str
    messages: Sequence[dict[str, Any]]
    tools: Sequence[Tool]
    schema: type[T]
    max_steps: int = 6
    wall_seconds: float = 120.0


async def run_agent(client: LLMClient, task: AgentTask[T], ledger: Ledger, trace: Trace) -> T:
    """The model's answer as the task's schema, after at most `max_steps` rounds of tool
    calls (the last round offers no tools); every call is counted in `ledger`, every tool
    step in `trace`."""
    purpose, model, messages, tools, schema = (task.purpose, task.model, task.messages,
                                               task.tools, task.schema)
    max_steps, wall_seconds = task.max_steps, task.wall_seconds
    conversation: list[dict[str, Any]] = [*messages, {"role": "system", "content": (
        "When you have what you need, answer with one JSON object matching this JSON "
        f"Schema:\n{json.dumps(schema.model_json_schema())}")}]
    by_name = {t.name: t for t in tools}
    seen: set[tuple[str, str]] = set()
    deadline = time.monotonic() + wall_seconds
    for step in range(max_steps + 1):
        last = step == max_steps or time.monotonic() >= deadline
        if last and step < max_steps:
            trace.stopped = "wall-clock limit"
        elif last:
            trace.stopped = "step limit"
        response = await _call(client, purpose, model, conversation,
                               [] if last else tools, ledger)
        message = response.choices[0].message if response.choices else None
        if message is None:
            raise ModelError(f"{model}: an empty answer")
        calls = list(message.tool_calls or [])
        if not calls or last:
            return parse_answer(message.content or "", schema)
        conversation.append({"role": "assistant", "content": message.content or "",
                             "tool_calls": [c.model_dump() for c in calls]})
        results = await asyncio.gather(*(_run_one(c, by_name, seen, trace) for c in calls))
        for call, result in zip(calls, results, strict=True):
            conversation.append({"role": "tool", "tool_call_id": call.id,
                                 "content": result[:MAX_RESULT_CHARS]})
    raise ModelError(f"{model}: the agent loop ended without an answer")


async def _run_one(call: Any, tools: dict[str, Tool], seen: set[tuple[str, str]],
                   trace: Trace) -> str:
    name, raw = call.function.name, call.function.arguments or "{}"
    started = time.perf_counter()
    outcome, result = "ok", ""
    tool = tools.get(name)
    if tool is None:
        outcome = "unknown tool"
        result = f"Error: there is no tool named {name!r}. Tools: {', '.join(sorted(tools))}."
    elif (name, raw) in seen:
        outcome = "repeated"
        result = ("You already made this exact call and have its result above. Use it, try "
                  "something else, or answer now.")
    else:
        seen.add((name, raw))
        try:
            args = tool.args.model_validate_json(raw)
        except ValidationError as exc:
            outcome = "invalid arguments"
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                                 for e in exc.errors(include_input=False, include_url=False))
            result = f"Error: invalid arguments for {name}: {problems}"
        else:
            try:
                result = await tool.run(args)
            except (OSError, ValueError, LookupError) as exc:
                outcome = "failed"
                result = f"Error: {name} failed: {type(exc).__name__}"
    trace.steps.append(Step(name, raw[:500], time.perf_counter() - started, outcome))
    return result


async def _call(client: LLMClient, purpose: str, model: str, messages: list[dict[str, Any]],
                tools: Sequence[Tool], ledger: Ledger) -> ChatCompletion:
    request: dict[str, Any] = {"model": model, "messages": messages}
    if tools:
        request["tools"] = [t.spec() for t in tools]
    else:
        request["response_format"] = {"type": "json_object"}

    async def send() -> ChatCompletion:
        return cast(ChatCompletion, await client.sdk.chat.completions.create(**request))

    return await client.recorded(purpose, model, ledger, send)
