"""The one `Finding` type that flows from every checker to the aggregator to the publisher."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value.lower())
        except ValueError as exc:
            raise ValueError(f"severity must be one of error, warning, note: {value!r}") from exc


@dataclass(frozen=True)
class Edit:
    """A text replacement a tool proposes (1-based rows and columns, end exclusive)."""

    row: int
    col: int
    end_row: int
    end_col: int
    content: str


@dataclass(frozen=True)
class Finding:
    checker: str  # bug | style | security | performance
    tool: str  # ruff | pylint | bandit | semgrep | llm, or "a+b" once merged
    rule: str
    severity: Severity
    path: str
    line: int
    message: str
    end_line: int | None = None
    concern: str | None = None  # shared key for the same problem seen by different tools
    fingerprint: str = ""
    also_reported_by: tuple[str, ...] = field(default=())
    fix: tuple[Edit, ...] = ()  # a safe automatic fix, offered as a GitHub suggestion
    source: str = "linter"  # linter | model
    confidence: float = 1.0  # a model's own estimate; linters are taken as certain
    rationale: str = ""  # why a model thinks so (shown by /explain)
    status: str = "reported"  # reported | dropped | demoted, set by the aggregator
    status_reason: str = ""
    # Advice (true, rarely worth a review comment): annotations and the summary's tally,
    # inline only when the repository opts in. Set by the selection (bot/review/aggregate/tiers.py).
    advice: bool = False
    tier_reason: str = ""  # why it is advice or a likely defect (the rule table, the evidence)
    cwe: str | None = None  # "CWE-89" when the tool says which weakness it is
    # People's decisions, set by the selection. `dismissed`: who with write access
    # dismissed it (👎, /ignore, a resolved thread): no longer inline, still annotated, not
    # counted in the check's conclusion. `quiet`: its rule is one this repository's feedback
    # keeps rejecting: no longer inline, still annotated and counted (a person decides).
    dismissed: str = ""
    quiet: str = ""
    # The maintainers' instruction file (bot/core/instructions.py) a model finding applies.
    instruction: str = ""

    @property
    def last_line(self) -> int:
        return self.end_line if self.end_line and self.end_line >= self.line else self.line

    def with_fingerprint(self, fingerprint: str) -> Finding:
        return replace(self, fingerprint=fingerprint)

    def with_status(self, status: str, reason: str) -> Finding:
        return replace(self, status=status, status_reason=reason)
