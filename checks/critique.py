"""A checker's LLM half: the model reads the change and answers with findings.

The change goes to the model as numbered lines inside untrusted-data markers; the answer is
a validated `Critique`. Each model finding must sit on a changed line: one on an unchanged
line of a hunk moves to the nearest added line of that hunk, anything else is dropped with
the reason. Low-confidence findings are dropped too (the threshold is configurable).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from bot.core.bounds import Confidence, clip, cut
from bot.core.change_view import render_change
from bot.core.diffmap import DiffMap, FileDiff
from bot.core.findings import Finding, Severity
from bot.core.instructions import Instruction, for_path, rules_message
from bot.core.repo_config import ModelChoice
from bot.core.reports import CritiqueReport
from bot.core.untrusted import wrap
from bot.core.usage import Ledger
from bot.errors import ModelError
from bot.llm.client import ModelSession, Question
from bot.llm.prompts import PROMPT_VERSION, critique_prompt

MAX_CHANGE_CHARS = 60_000  # per file; a larger change is not sent (and the review says so)
FAST_CHECKERS = ("style", "performance")


class ModelFinding(BaseModel):
    path: str
    line: int
    severity: Literal["error", "warning", "note"]
    title: Annotated[str, AfterValidator(clip(300))]
    scenario: Annotated[str, AfterValidator(clip(2000))]
    confidence: Confidence
    # The file of the maintainers' rule this finding applies, when one does ("" if none).
    rule_file: Annotated[str, AfterValidator(clip(200))] = ""


class Critique(BaseModel):
    # At most 20 findings a critique: the rest are cut (bot/core/bounds.py says why the
    # schema the model is sent carries no bounds).
    findings: Annotated[list[ModelFinding], AfterValidator(cut(20))] = Field(
        default_factory=list)


@dataclass(frozen=True)
class CritiqueLimits:
    """What the critiques of one review may do: the confidence a finding needs, the money
    and input tokens they may spend, the files they read, the calls in flight at once."""

    min_confidence: float = 0.6
    budget_usd: float | None = None  # what this review may still spend; None: no cap
    token_budget: int | None = None  # input tokens for this PR (the aggregator reduces)
    models: ModelChoice = field(default_factory=ModelChoice)
    max_files: int = 20
    concurrency: int = 40
    language: str | None = None  # the repository's `language:` (None: English)


@dataclass
class Critic:
    """A checker's LLM half, for every checker of one review. Each checker critiques each
    file on its own (so an unchanged file of a re-reviewed PR is answered from the cache),
    files in priority order, at most `max_files`, at most `concurrency` calls at once, and
    no new call once the budget is spent."""

    model: ModelSession
    diff: DiffMap
    sources: Mapping[str, str]
    limits: CritiqueLimits = field(default_factory=CritiqueLimits)
    # The maintainers' rules (default branch), each given with the files it applies to.
    instructions: tuple[Instruction, ...] = ()
    dropped: list[Finding] = field(default_factory=list)
    not_read: dict[str, str] = field(default_factory=dict)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    read: set[str] = field(default_factory=set)
    instructed: set[str] = field(default_factory=set)  # files whose prompts had rules
    _reserved_tokens: int = 0
    _slots: asyncio.Semaphore | None = None
    _reserved: float = 0.0
    _changes: dict[str, tuple[str, bool]] = field(default_factory=dict)
    _tasks: dict[str, asyncio.Future[list[Finding]]] = field(default_factory=dict)

    @property
    def ledger(self) -> Ledger:
        return self.model.ledger

    def model_for(self, checker: str) -> str:
        """The operator's routing, or the repository's choice when the operator offers that
        model (configured or priced: an unknown model could not be budgeted)."""
        client = self.model.client
        fast = checker in FAST_CHECKERS
        chosen = self.limits.models.fast if fast else self.limits.models.strong
        if chosen is not None and chosen in client.offered():
            return chosen
        return client.fast_model if fast else client.model

    def files(self) -> list[str]:
        return prioritised([p for p in self.sources if self.diff.get(p) is not None],
                           self.diff)

    def critique(self, checker: str) -> asyncio.Future[list[Finding]]:
        """Every file's findings, asked once per review however often awaited (the checker
        and the aggregator's verification wait for the same answer); ModelError only when
        every call failed."""
        if checker not in self._tasks:
            self._tasks[checker] = asyncio.ensure_future(self._critique(checker))
        return self._tasks[checker]

    def report(self) -> CritiqueReport:
        return CritiqueReport(files=tuple(self.files()), read=frozenset(self.read),
                              not_read=dict(self.not_read), skipped=tuple(self.skipped),
                              dropped=tuple(self.dropped), ledger=self.ledger)

    async def _critique(self, checker: str) -> list[Finding]:
        files, limit = self.files(), self.limits.max_files
        for path in files[limit:]:
            self.not_read.setdefault(path, f"over the {limit}-file limit")
        results = await asyncio.gather(*(self._file(checker, p) for p in files[:limit]),
                                       return_exceptions=True)
        errors = [r for r in results if isinstance(r, ModelError)]
        others = [r for r in results if isinstance(r, BaseException)
                  and not isinstance(r, ModelError)]
        if others:
            raise others[0]
        if errors and len(errors) == len(results):
            raise errors[0]
        return [f for r in results if isinstance(r, list) for f in r]

    def _skip(self, checker: str, path: str, why: str) -> None:
        self.not_read.setdefault(path, why)
        self.skipped.append((checker, path, why))

    def _change_of(self, path: str) -> tuple[str, bool]:
        """A file's change as the model reads it, rendered once for the four checkers."""
        if path not in self._changes:
            self._changes[path] = render_change(self.diff, {path: self.sources[path]},
                                                MAX_CHANGE_CHARS)
        return self._changes[path]

    async def _file(self, checker: str, path: str) -> list[Finding]:
        given = for_path(self.instructions, path)  # the maintainers' rules for this file
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limits.concurrency)
        async with self._slots:
            change, complete = self._change_of(path)
            if not complete or not change:
                self.not_read.setdefault(path, "its change is too large to send")
                return []
            model = self.model_for(checker)
            rules = rules_message(given)
            language = self.limits.language
            messages = [{"role": "system", "content": critique_prompt(checker)
                         + (f"\n\nWrite every title and scenario in {language}."
                            if language else "")
                         + (f"\n\n{rules}" if rules else "")},
                        {"role": "user", "content": wrap(change, "CHANGE")}]
            if rules:
                self.instructed.add(path)
            # Calls run concurrently: each reserves its cost and tokens first, so the budgets
            # hold for the calls in flight too, not only for those already answered.
            client, budget, token_budget = (self.model.client, self.limits.budget_usd,
                                            self.limits.token_budget)
            estimate = client.estimate_cost(model, messages, f"critique:{checker}")
            tokens = client.count_tokens(model, messages)
            if budget is not None and (
                    self.ledger.cost_usd + self._reserved + estimate > budget):
                self._skip(checker, path, "the model budget was reached")
                return []
            if token_budget is not None and (
                    self.ledger.prompt_tokens + self._reserved_tokens + tokens > token_budget):
                self._skip(checker, path, f"over the PR's {token_budget:,}-token budget")
                return []
            self._reserved += estimate
            self._reserved_tokens += tokens
            try:
                answer = await client.structured(
                    Question(f"critique:{checker}", model, messages, Critique, PROMPT_VERSION),
                    self.ledger, self.model.cache)
            finally:
                self._reserved -= estimate
                self._reserved_tokens -= tokens
            self.read.add(path)
        kept = []
        given_files = {i.path for i in given}
        for item in answer.findings:
            finding, reason = to_finding(checker, item, self.diff,
                                        self.limits.min_confidence)
            if item.rule_file.strip() in given_files:  # only a rule it was given for this file
                finding = replace(finding, instruction=item.rule_file.strip())
            if reason is None:
                kept.append(finding)
            else:
                self.dropped.append(finding.with_status("dropped", reason))
        return kept


TEST_OR_DOC = ("test", "tests", "docs", "doc", "examples")


def prioritised(paths: list[str], diff: DiffMap) -> list[str]:
    """Source before tests and docs, then the files with the most added lines."""
    def key(path: str) -> tuple[int, int, str]:
        parts = path.split("/")
        secondary = any(p in TEST_OR_DOC for p in parts[:-1]) or parts[-1].startswith(
            "test_") or not path.endswith((".py", ".pyi", ".js", ".ts", ".go", ".rs", ".java",
                                           ".rb", ".c", ".cpp", ".h"))
        f = diff.get(path)
        return (int(secondary), -(len(f.added_lines) if f else 0), path)
    return sorted(paths, key=key)


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
