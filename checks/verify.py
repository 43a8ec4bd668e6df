"""The aggregator agent's verification step: every model finding is put to the strong model
once more, which tries to refute it against the code (shown around each line, and more
through the read-only review tools when it needs to look); below the score threshold it is
dropped, with the reason. Linter findings pass as they are (they are not guesses). If the
call fails, the deterministic selection stands and the review says so."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from pydantic import BaseModel, Field

from bot.core.findings import Finding, Severity
from bot.core.quote import defused
from bot.core.untrusted import wrap
from bot.core.usage import Ledger
from bot.errors import ModelError
from bot.llm.agent import Tool, Trace, run_agent
from bot.llm.client import AnswerCache, LLMClient, cache_key
from bot.llm.prompts import load

CONTEXT_LINES = 8
VERIFY_VERSION = "verify-3"
MAX_STEPS = 3  # tool rounds before the verifier must answer


class Verdict(BaseModel):
    number: int
    keep: bool
    score: int = Field(ge=0, le=10)
    # The aggregator can only lower a finding, never raise it: "defect" leaves it as the
    # checker reported it, "minor" moves an error to the suggestions, "nitpick" drops it.
    # (A model obeying an injected instruction gains nothing by picking any of them.)
    impact: Literal["defect", "minor", "nitpick"] = "defect"
    reason: str = Field(max_length=500)


class Verification(BaseModel):
    verdicts: list[Verdict] = Field(default_factory=list)


@dataclass
class Verified:
    kept: list[Finding]
    dropped: list[Finding] = field(default_factory=list)
    error: str | None = None
    trace: Trace = field(default_factory=Trace)  # the tool steps it took


async def verify(findings: Sequence[Finding], *, client: LLMClient, sources: Mapping[str, str],
                 ledger: Ledger, threshold: int, cache: AnswerCache | None = None,
                 tools: Sequence[Tool] | None = None) -> Verified:
    trace = Trace()
    candidates = [f for f in findings if f.source == "model"]
    if not candidates:
        return Verified(list(findings))
    blocks = [f"Finding {i}: {f.path}:{f.line} ({f.checker}, {f.severity.value})\n"
              f"{defused(f.message)}\n{excerpt(sources.get(f.path, ''), f.line)}"
              for i, f in enumerate(candidates, 1)]
    messages = [{"role": "system", "content": load("verify")},
                {"role": "user", "content": wrap("\n\n".join(blocks))}]
    try:
        answer = await _answer(client, messages, ledger, cache, tools or [], trace)
    except ModelError as exc:
        return Verified(list(findings), error=str(exc), trace=trace)
    verdicts = {v.number: v for v in answer.verdicts}
    judged = {id(f): verdicts[i] for i, f in enumerate(candidates, 1) if i in verdicts}
    kept: list[Finding] = []
    dropped: list[Finding] = []
    for f in findings:
        verdict = judged.get(id(f))
        if verdict is None:
            kept.append(f)  # a linter's, or no verdict: the finding stands as reported
            continue
        outcome = judge(f, verdict, threshold)
        (dropped if outcome.status == "dropped" else kept).append(outcome)
    return Verified(kept, dropped, trace=trace)


def judge(f: Finding, verdict: Verdict, threshold: int) -> Finding:
    """One model finding after the aggregator's verdict: dropped, demoted, or as it was."""
    why = defused(verdict.reason)
    if not verdict.keep or verdict.score < threshold:
        return f.with_status("dropped", f"refuted by the aggregator (score {verdict.score}): "
                                        f"{why}")
    if verdict.impact == "nitpick":
        return f.with_status("dropped", f"a nitpick, per the aggregator: {why}")
    if verdict.impact == "minor" and f.severity is Severity.ERROR:
        return replace(f, severity=Severity.WARNING).with_status(
            "demoted", f"error demoted to a suggestion by the aggregator: {why}")
    return f


async def _answer(client: LLMClient, messages: list[dict[str, str]], ledger: Ledger,
                  cache: AnswerCache | None, tools: Sequence[Tool], trace: Trace
                  ) -> Verification:
    """The verification, looking at the code with the read-only tools when it needs to.
    An answer reached without a tool call is cached like any other; one that needed tools
    is not (what it saw is not part of the key)."""
    key = cache_key(client.model, VERIFY_VERSION, Verification, messages)
    cached = await client.from_cache(cache, key, "aggregate:verify", client.model, Verification,
                                     ledger)
    if cached is not None:
        return cached
    answer = await run_agent(client, purpose="aggregate:verify", model=client.model,
                             messages=messages, tools=tools, schema=Verification,
                             ledger=ledger, trace=trace, max_steps=MAX_STEPS)
    if not trace.steps:
        await client.to_cache(cache, key, client.model, answer)
    return answer


def excerpt(source: str, line: int) -> str:
    lines = source.splitlines()
    first, last = max(1, line - CONTEXT_LINES), min(len(lines), line + CONTEXT_LINES)
    return "\n".join(f"{n:>5} | {lines[n - 1]}" for n in range(first, last + 1))
