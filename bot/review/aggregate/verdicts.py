"""The aggregator's verdicts and what they do to the findings (pure). A model's finding
refuted or nitpicking is dropped with the reason, a minor one demoted, the rest stand. A
linter's finding about to go inline, refuted or a nitpick, loses its inline comment and
stays in the check run as advice, with the reason (a tool's report is a fact about the
syntax; whether it matters is what the verifier judges)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from bot.core.agent_types import Trace
from bot.core.bounds import Score, clip
from bot.core.findings import Finding, Severity
from bot.core.quote import defused

CONTEXT_LINES = 8


class Verdict(BaseModel):
    number: int
    keep: bool
    score: Score
    # The aggregator can only lower a finding, never raise it: "defect" leaves it as the
    # checker reported it, "minor" moves an error to the suggestions, "nitpick" drops it.
    # (A model obeying an injected instruction gains nothing by picking any of them.)
    impact: Literal["defect", "minor", "nitpick"] = "defect"
    reason: Annotated[str, AfterValidator(clip(500))]


class Verification(BaseModel):
    verdicts: list[Verdict] = Field(default_factory=list)


@dataclass
class Verified:
    kept: list[Finding]
    dropped: list[Finding] = field(default_factory=list)
    error: str | None = None
    trace: Trace = field(default_factory=Trace)  # the tool steps it took


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


REFUTED_LINTER = "refuted by the aggregator"


def judge_linter(f: Finding, verdict: Verdict, threshold: int) -> Finding:
    """A linter's inline candidate after the verdict: advice with the reason, or as it was."""
    why = defused(verdict.reason)
    if not verdict.keep or verdict.score < threshold:
        return f.with_status("demoted", f"{REFUTED_LINTER} (score {verdict.score}): {why}")
    if verdict.impact == "nitpick":
        return f.with_status("demoted", f"{REFUTED_LINTER} as a nitpick: {why}")
    return f


def refuted_linter(f: Finding) -> bool:
    return f.source != "model" and f.status == "demoted" \
        and f.status_reason.startswith(REFUTED_LINTER)


def judged(findings: Sequence[Finding], candidates: Sequence[Finding],
           answer: Verification, threshold: int) -> Verified:
    """`candidates` (the model's findings, numbered from 1 in the prompt) as the verdicts
    say; every other finding stands as reported."""
    verdicts = {v.number: v for v in answer.verdicts}
    by_id = {id(f): verdicts[i] for i, f in enumerate(candidates, 1) if i in verdicts}
    kept: list[Finding] = []
    dropped: list[Finding] = []
    for f in findings:
        verdict = by_id.get(id(f))
        if verdict is None:
            kept.append(f)  # a linter's, or no verdict: the finding stands as reported
            continue
        outcome = (judge if f.source == "model" else judge_linter)(f, verdict, threshold)
        (dropped if outcome.status == "dropped" else kept).append(outcome)
    return Verified(kept, dropped)


def apply_verdicts(findings: Sequence[Finding], verification: Verified) -> list[Finding]:
    """The checkers' findings as the aggregator judged them: refuted and nitpicked model
    findings out, demoted ones in their new place."""
    def key(f: Finding) -> tuple[str, str, int, str]:
        return (f.checker, f.path, f.line, f.message)
    refuted = {key(f) for f in verification.dropped}
    by_key = {key(f): f for f in verification.kept if f.status != "reported"}
    return [by_key.get(key(f), f) for f in findings
            if f.source != "model" or key(f) not in refuted]


def combined(first: Verified, second: Verified) -> Verified:
    """Two verifications of one review (the critiques', the linters') as one."""
    return Verified([*first.kept, *second.kept], [*first.dropped, *second.dropped],
                    error="; ".join(e for e in (first.error, second.error) if e) or None,
                    trace=Trace([*first.trace.steps, *second.trace.steps],
                                first.trace.stopped or second.trace.stopped))


def excerpt(source: str, line: int) -> str:
    lines = source.splitlines()
    first, last = max(1, line - CONTEXT_LINES), min(len(lines), line + CONTEXT_LINES)
    return "\n".join(f"{n:>5} | {lines[n - 1]}" for n in range(first, last + 1))
