"""From ranked findings to the one ReviewPlan that is posted, and printed locally (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
                   + f"{f.checker}: {f.tool} {f.rule}",
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


def build_plan(
    *,
    base: str,
    head: str,
    findings: Sequence[Finding],
    diff: DiffMap,
    config: RepoConfig,
    coverage: Coverage,
    reviewed_files: Sequence[str],
    tool_errors: Sequence[str] = (),
    config_error: str | None = None,
    settings_notes: Sequence[str] = (),
    already_posted: frozenset[str] = frozenset(),
    usage: Usage | None = None,
    calls: tuple[CallRecord, ...] = (),
    dropped: Sequence[Finding] = (),
    tool_steps: Sequence[dict[str, Any]] = (),
    llm_note: str = "Linters only (no LLM configured).",
    sources: Mapping[str, str] | None = None,
    seen: frozenset[str] | None = None,
) -> ReviewPlan:
    inline, _overflow = place_comments(findings, diff, limit=config.max_comments,
                                       already_posted=already_posted, sources=sources,
                                       include_advice=config.inline == "all")
    enabled = [c for c in CHECKERS if config.checker_enabled(c)]
    summary = fit_body(write_summary(SummaryInputs(
        head=head, findings=findings, inline=inline, coverage=coverage,
        enabled_checkers=enabled, reviewed_files=reviewed_files, tool_errors=tool_errors,
        config_error=config_error, llm_note=llm_note, settings_notes=settings_notes,
    )))
    has_error = any(f.severity is Severity.ERROR and not f.advice and not f.dismissed
                    for f in findings)
    event = "REQUEST_CHANGES" if config.request_changes and has_error else "COMMENT"
    conclusion = conclusion_for(findings, config.fail_on)
    errors = sum(f.severity is Severity.ERROR and not f.dismissed for f in findings)
    title = f"{len(findings)} finding(s), {errors} error(s)" if findings else "No findings"
    return ReviewPlan(
        base=base, head=head, event=event, summary=summary, comments=tuple(inline),
        findings=tuple(findings), coverage=coverage, conclusion=conclusion,
        annotations=tuple(annotations_for(findings)), usage=usage or Usage(),
        tool_errors=tuple(tool_errors), title=title, calls=calls, dropped=tuple(dropped),
        tool_steps=tuple(tool_steps), seen=seen,
    )
