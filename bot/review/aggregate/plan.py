"""From ranked findings to the one ReviewPlan that is posted, and printed locally (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.checkers import CHECKERS
from bot.core.diffmap import DiffMap
from bot.core.findings import Finding, Severity
from bot.core.limits import fit_body
from bot.core.place import place_comments
from bot.core.plan import Annotation, Coverage, ReviewPlan, Usage
from bot.core.quote import inline_quote
from bot.core.repo_config import RepoConfig
from bot.core.summary import SummaryInputs, write_summary
from bot.core.usage import CallRecord

MAX_ANNOTATIONS = 500


def annotations_for(findings: Sequence[Finding]) -> list[Annotation]:
    level = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.NOTE: "notice"}
    # Advice never shows as a failure: only a likely defect may fail the check run.
    advice = {Severity.ERROR: "warning", Severity.WARNING: "notice", Severity.NOTE: "notice"}
    # A finding a person with write access dismissed stays visible, as a notice.
    return [
        Annotation(path=f.path, start_line=f.line, end_line=f.last_line,
                   level=("notice" if f.dismissed
                          else (advice if f.advice else level)[f.severity]),
                   title=("dismissed · " if f.dismissed else "")
                   + f"{f.checker}: {f.tool} {f.rule}"
                   + (f" (also {', '.join(r.replace(':', ' ', 1) for r in f.also_reported_by)})"
                      if f.also_reported_by else ""),
                   message=(inline_quote(f.message) if f.source == "model" else f.message)
                   + (f" ({f.dismissed})" if f.dismissed else ""))
        for f in findings[:MAX_ANNOTATIONS]
    ]


def conclusion_for(findings: Sequence[Finding], fail_on: Severity | None) -> str:
    """From the findings no person with write access dismissed: feedback from anyone else
    never reaches here, and nothing but a person's decision (or a fix) passes the check."""
    standing = [f for f in findings if not f.dismissed]
    if fail_on is not None and any(f.severity.rank >= fail_on.rank and not f.advice
                                   for f in standing):
        return "failure"
    return "neutral" if standing and fail_on is None else "success"


@dataclass(frozen=True)
class Reviewed:
    """What the review looked at: the change, the settings it obeyed, the files it read."""

    base: str
    head: str
    diff: DiffMap
    config: RepoConfig
    coverage: Coverage
    reviewed_files: Sequence[str]
    sources: Mapping[str, str] | None = None  # the reviewed files at head
    already_posted: frozenset[str] = frozenset()
    config_error: str | None = None
    walkthrough: str = ""  # what the change is (bot/review/walkthrough.py), markdown


@dataclass(frozen=True)
class Account:
    """What ran and what it cost: the summary's footer and the stored trace."""

    tool_errors: Sequence[str] = ()
    settings_notes: Sequence[str] = ()
    tool_versions: Mapping[str, str] = field(default_factory=dict)
    instructions_used: Sequence[str] = ()
    narrative: str = ""
    usage: Usage = field(default_factory=Usage)
    calls: tuple[CallRecord, ...] = ()
    dropped: Sequence[Finding] = ()  # findings not reported (models' and linters'), with why
    tool_steps: Sequence[dict[str, Any]] = ()
    llm_note: str = "Linters only (no LLM configured)."
    # Everything any tool or model found, reported or not; None when one failed.
    seen: frozenset[str] | None = None


def build_plan(reviewed: Reviewed, findings: Sequence[Finding],
               account: Account | None = None) -> ReviewPlan:
    """The review to post: inline comments placed, the summary, the event, the check run's
    conclusion and annotations, from the findings the selection kept (ranked)."""
    r, acc = reviewed, account or Account()
    config = r.config
    inline, _overflow = place_comments(findings, r.diff, limit=config.max_comments,
                                       already_posted=r.already_posted, sources=r.sources,
                                       include_advice=config.inline == "all")
    enabled = [c for c in CHECKERS if config.checker_enabled(c)]
    summary = fit_body(write_summary(SummaryInputs(
        head=r.head, findings=findings, inline=inline, coverage=r.coverage,
        enabled_checkers=enabled, reviewed_files=r.reviewed_files,
        tool_errors=acc.tool_errors, config_error=r.config_error, llm_note=acc.llm_note,
        settings_notes=acc.settings_notes,
        walkthrough=r.walkthrough,
        instructions_used=acc.instructions_used, narrative=acc.narrative,
    )))
    has_error = any(f.severity is Severity.ERROR and not f.advice and not f.dismissed
                    for f in findings)
    event = "REQUEST_CHANGES" if config.request_changes and has_error else "COMMENT"
    conclusion = conclusion_for(findings, config.fail_on)
    errors = sum(f.severity is Severity.ERROR and not f.dismissed for f in findings)
    title = f"{len(findings)} finding(s), {errors} error(s)" if findings else "No findings"
    return ReviewPlan(
        base=r.base, head=r.head, event=event, summary=summary, comments=tuple(inline),
        findings=tuple(findings), coverage=r.coverage, conclusion=conclusion,
        annotations=tuple(annotations_for(findings)), usage=acc.usage,
        tool_errors=tuple(acc.tool_errors), title=title, calls=acc.calls,
        dropped=tuple(acc.dropped), tool_steps=tuple(acc.tool_steps), seen=acc.seen,
        model_note=acc.llm_note, tool_versions=dict(acc.tool_versions),
    )
