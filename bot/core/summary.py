"""The review body: critical issues, suggestions, what looks good, coverage (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.findings import Finding, Severity
from bot.core.inert import code_span, inert
from bot.core.limits import shortened
from bot.core.markers import review_marker
from bot.core.plan import Coverage, InlineComment
from bot.core.quote import inline_quote

MAX_SUMMARY_ITEMS = 40
SUMMARY_MESSAGE_CHARS = 500


def _item(f: Finding) -> str:
    tools = inert(", ".join([f"{f.tool} {f.rule}",
                             *(t.replace(":", " ") for t in f.also_reported_by)]))
    text = shortened(f.message, SUMMARY_MESSAGE_CHARS)
    message = inline_quote(text) if f.source == "model" else inert(text)
    return f"- {code_span(f'{f.path}:{f.line}')} **{f.checker}**: {message} <sub>({tools})</sub>"


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
    walkthrough: str = ""  # what the change is (bot/review/walkthrough.py), already markdown
    instructions_used: Sequence[str] = ()  # the maintainers' instruction files the model read
    narrative: str = ""  # the model's opening (quoted, inert), already markdown


def write_summary(s: SummaryInputs) -> str:
    inline_fps = {c.fingerprint for c in s.inline}
    decided = [f for f in s.findings if f.dismissed or f.quiet]
    defects = [f for f in s.findings if not f.advice and not f.dismissed and not f.quiet]
    advice = [f for f in s.findings if f.advice and not f.dismissed and not f.quiet]
    # Critical issues are all named (rule and place, inline or not); of the rest, the body
    # lists what is not inline (inline comments speak for themselves).
    elsewhere = [f for f in defects if f.fingerprint not in inline_fps]
    critical = [f for f in defects if f.severity is Severity.ERROR]
    suggestions = [f for f in elsewhere if f.severity is not Severity.ERROR]
    inline_suggestions = sum(f.severity is not Severity.ERROR for f in defects
                             if f.fingerprint in inline_fps)
    parts = ["## reviewbot review", ""]
    if s.findings:
        parts.append(f"**{len(defects)} likely defect(s)**, {len(s.inline)} posted inline; "
                     f"{len(advice)} more finding(s) as advice in the check run.")
    else:
        parts.append("No findings on the changed lines.")
    if s.config_error:
        parts += ["", f"> **Configuration problem**: {s.config_error}. The defaults were used."]
    if s.narrative:
        parts += ["", s.narrative]
    if s.walkthrough:
        parts += ["", s.walkthrough]

    parts += ["", "### Critical issues"]
    parts += _listing(critical, inline_fps) or ["None."]
    parts += ["", "### Suggestions"]
    parts += _listing(suggestions)
    if inline_suggestions:
        parts.append(f"- {inline_suggestions} likely defect(s) of lower severity, posted "
                     "inline.")
    if advice:
        parts.append(f"- Advice, in the check run's annotations (inline with `inline: all` in "
                     f"`.github/reviewbot.yml`): {_tally(advice)}.")
    dismissed = [f for f in decided if f.dismissed]
    quiet = [f for f in decided if not f.dismissed]
    if dismissed:
        parts.append(f"- Dismissed by people with write access, kept as notices in the check "
                     f"run: {_tally(dismissed)}.")
    if quiet:
        parts.append(f"- Rules this repository's feedback keeps rejecting, in the check run "
                     f"(a maintainer can turn them off with `disabled_rules`): {_tally(quiet)}.")
    if not suggestions and not advice and not decided and not inline_suggestions:
        parts.append("None.")

    parts += ["", "### What looks good"]
    silent = [c for c in s.enabled_checkers if not any(f.checker == c for f in s.findings)]
    if silent:
        parts.append(f"- Nothing to report from the {', '.join(silent)} checker(s).")
    flagged = {f.path for f in s.findings}
    # "No findings" only where the linters looked (they read Python files).
    clean = [p for p in s.reviewed_files if p not in flagged and p.endswith((".py", ".pyi"))]
    if clean:
        shown = ", ".join(code_span(p) for p in clean[:15])
        more = f" and {len(clean) - 15} more" if len(clean) > 15 else ""
        parts.append(f"- No findings in {shown}{more}.")
    if not silent and not clean:
        parts.append("- Every reviewed file has something to look at; see above.")
    if s.tool_errors:
        parts += ["", "**Not every tool ran**: " + "; ".join(inert(e) for e in s.tool_errors)]
    if s.instructions_used:
        parts += ["", "**Maintainers' instructions applied** (from the default branch): "
                  + ", ".join(code_span(i) for i in s.instructions_used) + "."]
    if s.settings_notes:
        parts += ["", "**Repository linter settings not used** (from the default branch):"]
        # Written by reviewbot, every value from the repository already a code span.
        parts += [f"- {note}" for note in s.settings_notes[:MAX_SUMMARY_ITEMS]]
    parts += ["", f"<sub>{_sentence(s.coverage.markdown())}. {s.llm_note}</sub>",
              review_marker(s.head)]
    return "\n".join(parts)


def _listing(findings: Sequence[Finding], inline: frozenset[str] | set[str] = frozenset()
             ) -> list[str]:
    lines = [_item(f) + (" — posted inline" if f.fingerprint in inline else "")
             for f in findings[:MAX_SUMMARY_ITEMS]]
    if len(findings) > MAX_SUMMARY_ITEMS:
        lines.append(f"- … and {len(findings) - MAX_SUMMARY_ITEMS} more in the check run.")
    return lines


def _tally(findings: Sequence[Finding], top: int = 8) -> str:
    """`ruff B905 x4, pylint W1514 x3, …`: what kinds of advice, not each one again."""
    counts = Counter(f"{f.tool} {f.rule}" for f in findings)
    shown = ", ".join(f"{rule} x{n}" if n > 1 else rule for rule, n in counts.most_common(top))
    rest = len(counts) - top
    return shown + (f" and {rest} more rule(s)" if rest > 0 else "")


def _sentence(text: str) -> str:
    """Upper-case the first letter only (`str.capitalize` lower-cases the rest, paths too)."""
    return text[:1].upper() + text[1:]
