"""A checker's LLM half: the model reads the change and answers with findings.

The change goes to the model as numbered lines inside untrusted-data markers; the answer is
a validated `Critique`. Each model finding must sit on a changed line: one on an unchanged
line of a hunk moves to the nearest added line of that hunk, anything else is dropped with
the reason. Low-confidence findings are dropped too (the threshold is configurable).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from pydantic import BaseModel, Field

from bot.core.diffmap import DiffMap, FileDiff
from bot.core.findings import Finding, Severity
from bot.core.usage import Ledger
from bot.llm.client import LLMClient
from bot.llm.prompts import critique_prompt

MAX_CHANGE_CHARS = 60_000  # per critique; larger changes are cut (and the review says so)
FAST_CHECKERS = ("style", "performance")
BEGIN, END = "UNTRUSTED-CHANGE-BEGIN", "UNTRUSTED-CHANGE-END"


class ModelFinding(BaseModel):
    path: str
    line: int
    severity: Literal["error", "warning", "note"]
    title: str = Field(max_length=300)
    scenario: str = Field(max_length=2000)
    confidence: float = Field(ge=0, le=1)


class Critique(BaseModel):
    findings: list[ModelFinding] = Field(default_factory=list, max_length=20)


@dataclass
class Critic:
    """What the critiques of one review share: the client, the sources, the ledger."""

    client: LLMClient
    diff: DiffMap
    sources: Mapping[str, str]
    min_confidence: float = 0.6
    ledger: Ledger = field(default_factory=Ledger)
    dropped: list[Finding] = field(default_factory=list)
    truncated: bool = False

    def model_for(self, checker: str) -> str:
        return self.client.fast_model if checker in FAST_CHECKERS else self.client.model

    async def critique(self, checker: str) -> list[Finding]:
        change, complete = render_change(self.diff, self.sources, MAX_CHANGE_CHARS)
        self.truncated |= not complete
        messages = [{"role": "system", "content": critique_prompt(checker)},
                    {"role": "user", "content": f"{BEGIN}\n{change}\n{END}"}]
        answer = await self.client.structured(
            purpose=f"critique:{checker}", model=self.model_for(checker), messages=messages,
            schema=Critique, ledger=self.ledger)
        kept = []
        for item in answer.findings:
            finding, reason = to_finding(checker, item, self.diff, self.min_confidence)
            if reason is None:
                kept.append(finding)
            else:
                self.dropped.append(finding.with_status("dropped", reason))
        return kept


def render_change(diff: DiffMap, sources: Mapping[str, str],
                  limit: int) -> tuple[str, bool]:
    """Each hunk of each reviewed file as numbered lines at head, `+` on added lines."""
    parts: list[str] = []
    size = 0
    for path in sorted(sources):
        f = diff.get(path)
        if f is None:
            continue
        lines = sources[path].splitlines()
        block = [f"### {path}"]
        for first, last in f.hunks:
            block.append("@@")
            for n in range(first, min(last, len(lines)) + 1):
                mark = "+" if n in f.added_lines else " "
                block.append(f"{n:>5} {mark} {lines[n - 1]}")
        text = "\n".join(block)
        if size + len(text) > limit:
            return "\n\n".join(parts), False
        parts.append(text)
        size += len(text)
    return "\n\n".join(parts), True


def to_finding(checker: str, item: ModelFinding, diff: DiffMap,
               min_confidence: float) -> tuple[Finding, str | None]:
    """The model's finding as a `Finding` on a changed line, or with why it is dropped."""
    finding = Finding(checker=checker, tool="llm", rule=f"{checker}-critique",
                      severity=Severity(item.severity), path=item.path, line=item.line,
                      message=f"{item.title.strip()} {item.scenario.strip()}".strip(),
                      source="model", confidence=item.confidence,
                      rationale=item.scenario.strip())
    f = diff.get(item.path)
    if f is None:
        return finding, "names a file outside the change"
    line = anchor_line(f, item.line)
    if line is None:
        return finding, f"line {item.line} is outside the changed hunks"
    finding = replace(finding, line=line)
    if item.confidence < min_confidence:
        return finding, f"confidence {item.confidence:.2f} is below {min_confidence:.2f}"
    return finding, None


def anchor_line(f: FileDiff, line: int) -> int | None:
    """`line` if added; else the nearest added line of the same hunk; else None."""
    if line in f.added_lines:
        return line
    hunk = f.hunk_of(line)
    if hunk is None:
        return None
    first, last = f.hunks[hunk]
    candidates = [n for n in f.added_lines if first <= n <= last]
    return min(candidates, key=lambda n: (abs(n - line), n)) if candidates else None
