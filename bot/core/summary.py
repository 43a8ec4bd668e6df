"""The review body: critical issues, suggestions, what looks good, coverage (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.findings import Finding, Severity
from bot.core.markers import review_marker
from bot.core.plan import Coverage, InlineComment
from bot.core.quote import inline_quote

MAX_SUMMARY_ITEMS = 40


def _item(f: Finding) -> str:
    tools = ", ".join([f"{f.tool} {f.rule}", *(t.replace(":", " ") for t in f.also_reported_by)])
    message = inline_quote(f.message) if f.source == "model" else f.message
    return f"- `{f.path}:{f.line}` **{f.checker}**: {message} <sub>({tools})</sub>"


@dataclass(frozen=True)
class SummaryInputs:
    head: str
    findings: Sequence[Finding]
    inline: Sequence[InlineComment]
    coverage: Coverage
    enabled_checkers: Sequence[str]
    reviewed_files: Sequence[str]
    tool_errors: Sequence[str]
    config_error: str | None
    llm_note: str
    settings_notes: Sequence[str] = ()


def write_summary(s: SummaryInputs) -> str:
    inline_fps = {c.fingerprint for c in s.inline}
    critical = [f for f in s.findings if f.severity is Severity.ERROR]
    suggestions = [f for f in s.findings if f.severity is not Severity.ERROR]
    counts = {sev: sum(f.severity is sev for f in s.findings) for sev in Severity}
    parts = ["## reviewbot review", ""]
    if s.findings:
        parts.append(
            f"**{len(s.findings)} finding(s)**: {counts[Severity.ERROR]} error, "
            f"{counts[Severity.WARNING]} warning, {counts[Severity.NOTE]} note; "
            f"{len(s.inline)} posted inline."
        )
    else:
        parts.append("No findings on the changed lines.")
    if s.config_error:
        parts += ["", f"> **Configuration problem**: {s.config_error}. The defaults were used."]

    parts += ["", "### Critical issues"]
    parts += _listing(critical, inline_fps) or ["None."]
    parts += ["", "### Suggestions"]
    parts += _listing(suggestions, inline_fps) or ["None."]

    parts += ["", "### What looks good"]
    quiet = [c for c in s.enabled_checkers if not any(f.checker == c for f in s.findings)]
    if quiet:
        parts.append(f"- Nothing to report from the {', '.join(quiet)} checker(s).")
    flagged = {f.path for f in s.findings}
    clean = [p for p in s.reviewed_files if p not in flagged]
    if clean:
        shown = ", ".join(f"`{p}`" for p in clean[:15])
        more = f" and {len(clean) - 15} more" if len(clean) > 15 else ""
        parts.append(f"- No findings in {shown}{more}.")
    if not quiet and not clean:
        parts.append("- Every reviewed file has something to look at; see above.")
    if s.tool_errors:
        parts += ["", "**Not every tool ran**: " + "; ".join(s.tool_errors)]
    if s.settings_notes:
        parts += ["", "**Repository linter settings not used** (from the default branch):"]
        parts += [f"- {note}" for note in s.settings_notes[:MAX_SUMMARY_ITEMS]]
    parts += ["", f"<sub>{_sentence(s.coverage.line())}. {s.llm_note}</sub>",
              review_marker(s.head)]
    return "\n".join(parts)


def _listing(findings: Sequence[Finding], inline_fps: set[str]) -> list[str]:
    lines = []
    for f in findings[:MAX_SUMMARY_ITEMS]:
        where = "" if f.fingerprint in inline_fps else " *(not inline)*"
        lines.append(_item(f) + where)
    if len(findings) > MAX_SUMMARY_ITEMS:
        lines.append(f"- … and {len(findings) - MAX_SUMMARY_ITEMS} more in the check run.")
    return lines




def _sentence(text: str) -> str:
    """Upper-case the first letter only (`str.capitalize` lower-cases the rest, paths too)."""
    return text[:1].upper() + text[1:]
