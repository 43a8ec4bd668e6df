"""The aggregator agent's verification step: every model finding is put to the strong model
once more, which tries to refute it against the code (shown around each line, and more
through the read-only review tools when it needs to look); below the score threshold it is
dropped, with the reason (verdicts.py). The linters' findings about to go inline are put to
it too, in a second conversation once the linters are done: a refuted one goes to the check
run with the reason. If a call fails, the deterministic selection stands and the review
says so.

The aggregator's one conversation with the model: it goes through the client it is handed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.agent_types import Tool, Trace
from bot.core.findings import Finding
from bot.core.instructions import Instruction, for_paths, rules_message
from bot.core.quote import defused
from bot.core.untrusted import wrap
from bot.errors import ModelError
from bot.llm.agent import AgentTask, run_agent
from bot.llm.client import ModelSession, cache_key
from bot.llm.prompts import load
from bot.review.aggregate.verdicts import Verification, Verified, excerpt, judged

VERIFY_VERSION = "verify-3"
MAX_STEPS = 3  # tool rounds before the verifier must answer


@dataclass(frozen=True)
class Evidence:
    """What the verifier may look at: the reviewed files at head, and its read-only tools."""

    sources: Mapping[str, str]
    tools: Sequence[Tool] = ()
    instructions: Sequence[Instruction] = ()  # the maintainers' rules (default branch)


async def verify(findings: Sequence[Finding], model: ModelSession, evidence: Evidence,
                 threshold: int, candidates: Sequence[Finding] | None = None,
                 model_name: str | None = None) -> Verified:
    """`candidates`: the findings put to the verifier (default: the model's), all of one
    source; the others stand as they are. `model_name`: the strong model the repository
    chose among those offered (default: the operator's)."""
    trace = Trace()
    if candidates is None:
        candidates = [f for f in findings if f.source == "model"]
    if not candidates:
        return Verified(list(findings))
    of_linters = candidates[0].source != "model"
    blocks = [f"Finding {i}: {f.path}:{f.line} ({f.checker}, {f.severity.value}"
              f"{f', {f.tool} {f.rule}' if of_linters else ''})\n"
              f"{defused(f.message)}\n{excerpt(evidence.sources.get(f.path, ''), f.line)}"
              for i, f in enumerate(candidates, 1)]
    rules = rules_message(for_paths(evidence.instructions, (f.path for f in candidates)))
    messages = [{"role": "system", "content": load("verify-linters" if of_linters else "verify")
                 + (f"\n\n{rules}" if rules else "")},
                {"role": "user", "content": wrap("\n\n".join(blocks))}]
    try:
        answer = await _answer(model, model_name or model.client.model, messages,
                               evidence.tools, trace)
    except ModelError as exc:
        return Verified(list(findings), error=str(exc), trace=trace)
    verdict = judged(findings, candidates, answer, threshold)
    verdict.trace = trace
    return verdict


async def _answer(model: ModelSession, name: str, messages: list[dict[str, str]],
                  tools: Sequence[Tool], trace: Trace) -> Verification:
    """The verification, looking at the code with the read-only tools when it needs to.
    An answer reached without a tool call is cached like any other; one that needed tools
    is not (what it saw is not part of the key)."""
    client, ledger, cache = model.client, model.ledger, model.cache
    key = cache_key(name, VERIFY_VERSION, Verification, messages)
    cached = await client.from_cache(cache, key, "aggregate:verify", name, Verification, ledger)
    if cached is not None:
        return cached
    answer = await run_agent(client, AgentTask("aggregate:verify", name, messages, tools,
                                               Verification, max_steps=MAX_STEPS,
                                               budget_usd=model.budget_usd), ledger, trace)
    if not trace.steps:
        await client.to_cache(cache, key, name, answer)
    return answer
