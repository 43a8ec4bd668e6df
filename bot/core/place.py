"""Where each finding goes: an inline comment on a line GitHub accepts (with a suggestion
when a safe fix replaces exactly those lines), or the review body (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.diffmap import DiffMap, moved_lines
from bot.core.findings import Finding
from bot.core.inert import code_span, fence_for, inert
from bot.core.limits import shortened
from bot.core.markers import fingerprint_marker
from bot.core.plan import InlineComment
from bot.core.quote import blockquote
from bot.core.suggest import suggestion_for

SUGGESTION_BUDGET = 20_000


def tools_label(f: Finding) -> str:
    return inert(" · ".join([f"{f.tool} {f.rule}",
                             *(t.replace(":", " ") for t in f.also_reported_by)]))


def suggestion_block(code: str) -> str:
    """A suggestion fenced longer than any backtick run in the code (code cannot close it)."""
    fence = fence_for(code, shortest=3)
    return f"\n\n{fence}suggestion\n{code}\n{fence}"


def comment_body(f: Finding, suggestion: str | None = None) -> str:
    """A linter's message quotes the PR's code, a model's words may carry the PR's text:
    both are made inert (bot/core/inert.py); the fingerprint marker is the last line."""
    if suggestion is not None and len(suggestion) > SUGGESTION_BUDGET:
        suggestion = None  # a suggestion cut short would break the code it replaces
    fix = suggestion_block(suggestion) if suggestion is not None else ""
    message = shortened(f.message)
    if f.source == "model":
        rule = f" · by the rule in {code_span(f.instruction)}" if f.instruction else ""
        return (f"**{f.severity.value}** · {f.checker} (model, confidence "
                f"{f.confidence:.0%}{rule}):\n\n{blockquote(message)}{fix}\n\n"
                f"<sub>{tools_label(f)}</sub>\n{fingerprint_marker(f.fingerprint)}")
    return (f"**{f.severity.value}** · {f.checker}: {inert(message)}{fix}\n\n"
            f"<sub>{tools_label(f)}</sub>\n{fingerprint_marker(f.fingerprint)}")


def _anchor_with_suggestion(
    f: Finding, diff: DiffMap, source: str | None
) -> tuple[tuple[int, int | None] | None, str | None]:
    """Where the comment goes, and a suggestion when the fix replaces exactly the lines the
    comment covers (GitHub applies a suggestion to the commented lines)."""
    anchor = diff.anchor(f.path, f.line, f.end_line)
    if not f.fix or source is None:
        return anchor, None
    proposal = suggestion_for(source, f.fix)
    if proposal is None:
        return anchor, None
    span = diff.anchor(f.path, proposal.first_line, proposal.last_line)
    exact = (proposal.last_line, None if proposal.first_line == proposal.last_line
             else proposal.first_line)
    changed = diff.get(f.path)
    added = changed.added_lines if changed is not None else frozenset()
    if span == exact and all(n in added
                             for n in range(proposal.first_line, proposal.last_line + 1)):
        return span, proposal.text
    return anchor, None


def place_comments(
    findings: Sequence[Finding], diff: DiffMap, *, limit: int, already_posted: frozenset[str],
    sources: Mapping[str, str] | None = None, include_advice: bool = False,
) -> tuple[list[InlineComment], list[Finding]]:
    """Inline comments only for likely defects (advice too when the repository asks), only
    where GitHub accepts them, at most `limit`, never two for one concern on one line, and
    at most one per linter rule per file (twelve undefined names in one file are one thing
    to look at); the rest overflow into the review body and the check run. Fingerprints
    posted on an earlier push are not posted again."""
    inline: list[InlineComment] = []
    overflow: list[Finding] = []
    said: set[tuple[str, int, str]] = set()
    rules_said: set[tuple[str, str]] = set()
    moved = moved_lines(diff)  # lines moved unchanged: nothing on them is new
    for f in findings:
        if f.fingerprint in already_posted:
            continue
        if f.dismissed or f.quiet:  # people said no, or keep saying no to its rule
            overflow.append(f)
            continue
        anchor, suggestion = _anchor_with_suggestion(f, diff, (sources or {}).get(f.path))
        concern = f.concern or f"{f.tool}:{f.rule}"
        rule = (f.path, f"{f.tool}:{f.rule}")
        if (anchor is None or len(inline) >= limit or (f.advice and not include_advice)
                or (f.path, anchor[0], concern) in said
                or (f.source != "model" and rule in rules_said)
                or f.line in moved.get(f.path, frozenset())):
            overflow.append(f)
            continue
        line, start = anchor
        said.add((f.path, line, concern))
        rules_said.add(rule)
        inline.append(InlineComment(path=f.path, line=line, start_line=start,
                                    body=comment_body(f, suggestion), fingerprint=f.fingerprint))
    return inline, overflow
