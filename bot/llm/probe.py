"""What the configured endpoint can do, asked as reviewbot will use it: the models it
lists, a structured answer (and in which form the server took it), tool calling,
embeddings, and whether the models' prices are known (else no budget can be enforced)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import openai
from pydantic import BaseModel

from bot.core.agent_types import Tool, Trace
from bot.core.usage import Ledger
from bot.errors import ModelError
from bot.llm.agent import AgentTask, run_agent
from bot.llm.client import LLMClient, Question, describe
from bot.llm.embeddings import Embedder

PROBE_PROMPT = [{"role": "system", "content": "You answer health checks in JSON."},
                {"role": "user", "content": 'Reply with {"ok": true, "word": "ready"}.'}]


class Probe(BaseModel):
    ok: bool
    word: str = ""


class NoArgs(BaseModel):
    pass


@dataclass(frozen=True)
class Check:
    what: str
    ok: bool  # False: the model review cannot work as configured
    result: str
    seconds: float = 0.0
    warning: bool = False  # works, with a limit worth knowing


async def probe(llm: LLMClient, embedder: Embedder | None) -> list[Check]:
    checks = [await _models(llm)]
    for model in dict.fromkeys((llm.model, llm.fast_model)):
        checks.append(await _structured(llm, model))
        checks.append(_price(llm, model))
    checks.append(await _tools(llm))
    if embedder is not None:
        checks.append(await _embeddings(embedder))
    return checks


async def _models(llm: LLMClient) -> Check:
    started = time.perf_counter()
    try:
        listed = [m.id async for m in llm.sdk.models.list()]
    except openai.OpenAIError as exc:
        return Check("models listed", False, f"the endpoint failed: {describe(exc)}",
                     time.perf_counter() - started)
    missing = [m for m in dict.fromkeys((llm.model, llm.fast_model)) if m not in listed]
    shown = ", ".join(listed[:8]) + (f" (+{len(listed) - 8})" if len(listed) > 8 else "")
    return Check("models listed", True, shown + (f"; not listed: {', '.join(missing)} "
                                                 "(some servers serve any name)"
                                                 if missing else ""),
                 time.perf_counter() - started, warning=bool(missing))


async def _structured(llm: LLMClient, model: str) -> Check:
    started = time.perf_counter()
    try:
        await llm.structured(Question("doctor", model, PROBE_PROMPT, Probe), Ledger())
    except ModelError as exc:
        return Check(f"structured answer ({model})", False, str(exc),
                     time.perf_counter() - started)
    learnt = llm.learnt(model)
    extras = [] if learnt.temperature else ["no temperature"]
    if learnt.completion_param != "max_tokens":
        extras.append(learnt.completion_param)
    return Check(f"structured answer ({model})", True,
                 f"as {learnt.mode}" + (f" ({', '.join(extras)})" if extras else ""),
                 time.perf_counter() - started)


def _price(llm: LLMClient, model: str) -> Check:
    known = model in llm.prices
    return Check(f"price known ({model})", True,
                 "yes" if known else "no: its calls cost $0 in the ledger, so no budget "
                 "can be enforced (set REVIEWBOT_MODEL_PRICES)", warning=not known)


async def _tools(llm: LLMClient) -> Check:
    async def ping(_: NoArgs) -> str:
        return "pong"
    trace, started = Trace(), time.perf_counter()
    task = AgentTask("doctor", llm.model, [
        {"role": "system", "content": "Call the ping tool once, then answer in JSON."},
        {"role": "user", "content": 'Call ping, then reply {"ok": true, "word": "<result>"}.'}],
        [Tool("ping", "Answers pong.", NoArgs, ping)], Probe, max_steps=2, wall_seconds=60)
    try:
        await run_agent(llm, task, Ledger(), trace)
    except ModelError as exc:
        return Check("tool calling", True, f"failed ({exc}): the verifier reads excerpts only",
                     time.perf_counter() - started, warning=True)
    seconds = time.perf_counter() - started
    if not llm.learnt(llm.model).tools:
        return Check("tool calling", True, "refused by the server: the verifier reads "
                     "excerpts only", seconds, warning=True)
    if not trace.steps:
        return Check("tool calling", True, "offered, not used by the model", seconds,
                     warning=True)
    return Check("tool calling", True, f"yes ({len(trace.steps)} call(s))", seconds)


async def _embeddings(embedder: Embedder) -> Check:
    started = time.perf_counter()
    try:
        vectors = await embedder.embed(["reviewbot doctor", "a second text"])
    except ModelError as exc:
        return Check(f"embeddings ({embedder.model})", False, str(exc),
                     time.perf_counter() - started)
    one = "; one text per request" if embedder.batch == 1 else ""
    return Check(f"embeddings ({embedder.model})", True,
                 f"{len(vectors[0])} dimensions{one}", time.perf_counter() - started)
