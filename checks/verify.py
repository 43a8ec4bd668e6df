"""The aggregator agent's verification step: every model finding is put to the strong model
once more, which tries to refute it against the code; below the score threshold it is
dropped, with the reason. Linter findings pass as they are (they are not guesses). If the
call fails, the deterministic selection stands and the review says so."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from bot.core.findings import Finding
from bot.core.quote import defused
from bot.core.usage import Ledger
from bot.errors import ModelError
from bot.llm.client import AnswerCache, LLMClient
from bot.llm.prompts import load

CONTEXT_LINES = 8
VERIFY_VERSION = "verify-1"


class Verdict(BaseModel):
    number: int
    keep: bool
    score: int = Field(ge=0, le=10)
    reason: str = Field(max_length=500)


class Verification(BaseModel):
    verdicts: list[Verdict] = Field(default_factory=list)


@dataclass
class Verified:
    kept: list[Finding]
    dropped: list[Finding] = field(default_factory=list)
    error: str | None = None


async def verify(findings: Sequence[Finding], *, client: LLMClient, sources: Mapping[str, str],
                 ledger: Ledger, threshold: int, cache: AnswerCache | None = None) -> Verified:
    candidates = [f for f in findings if f.source == "model"]
    if not candidates:
        return Verified(list(findings))
    blocks = [f"Finding {i}: {f.path}:{f.line} ({f.checker}, {f.severity.value})\n"
              f"{defused(f.message)}\n{excerpt(sources.get(f.path, ''), f.line)}"
              for i, f in enumerate(candidates, 1)]
    messages = [{"role": "system", "content": load("verify")},
                {"role": "user", "content": "UNTRUSTED-BEGIN\n" + "\n\n".join(blocks)
                 + "\nUNTRUSTED-END"}]
    try:
        answer = await client.structured(purpose="aggregate:verify", model=client.model,
                                         messages=messages, schema=Verification,
                                         ledger=ledger, cache=cache, version=VERIFY_VERSION)
    except ModelError as exc:
        return Verified(list(findings), error=str(exc))
    verdicts = {v.number: v for v in answer.verdicts}
    refuted: dict[int, str] = {}
    for i, f in enumerate(candidates, 1):
        verdict = verdicts.get(i)
        if verdict is None:
            continue  # no verdict: the finding stands as reported
        if not verdict.keep or verdict.score < threshold:
            refuted[id(f)] = f"refuted by the aggregator (score {verdict.score}): " \
                             f"{defused(verdict.reason)}"
    kept = [f for f in findings if id(f) not in refuted]
    dropped = [f.with_status("dropped", refuted[id(f)]) for f in findings if id(f) in refuted]
    return Verified(kept, dropped)


def excerpt(source: str, line: int) -> str:
    lines = source.splitlines()
    first, last = max(1, line - CONTEXT_LINES), min(len(lines), line + CONTEXT_LINES)
    return "\n".join(f"{n:>5} | {lines[n - 1]}" for n in range(first, last + 1))
