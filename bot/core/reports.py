"""What the producers hand the aggregator besides their findings (pure value types)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.core.findings import Finding
from bot.core.usage import Ledger

# Whether a model took part: turned off (--no-llm), no endpoint configured, nothing to
# read, or it ran.
ModelState = Literal["off", "unconfigured", "idle", "ran"]


@dataclass(frozen=True)
class CritiqueReport:
    """What the model did for the checkers, once they are done (the footer's account)."""

    files: tuple[str, ...]  # the changed files the model could have read
    read: frozenset[str]  # files at least one critique read
    not_read: Mapping[str, str]  # files the model did not read: why
    skipped: tuple[tuple[str, str, str], ...]  # (checker, path, why): critiques not asked
    dropped: tuple[Finding, ...]  # model findings not reported, each with its reason
    ledger: Ledger = field(default_factory=Ledger)  # every call, the aggregator's included


@dataclass(frozen=True)
class Produced:
    """The producers' output for one review: every finding in the reviewed files (unclean
    fixes already taken off), which tools failed, their settings notes, and the model's
    part (why it failed, per checker; what it did)."""

    findings: tuple[Finding, ...] = ()
    tool_errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    tool_versions: Mapping[str, str] = field(default_factory=dict)  # the linters that ran
    instructions_used: tuple[str, ...] = ()  # the maintainers' files the model was given
    narrative: str = ""  # the model's opening of the summary (aggregate/narrative.py)
    model_errors: Mapping[str, str] = field(default_factory=dict)
    model: ModelState = "unconfigured"
    critiques: CritiqueReport | None = None
