"""The deterministic aggregator: merge duplicates, rank, cap, place, summarise (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot import __version__
from bot.core.diffmap import DiffMap
from bot.core.findings import CHECKERS, Finding, Severity
from bot.core.fingerprint import fingerprint
from bot.core.plan import Annotation, Coverage, InlineComment, ReviewPlan, Usage
from bot.core.repo_config import RepoConfig
from bot.core.suggest import suggestion_for
from checks.linters.catalog import CHECKER_PRIORITY, concerns_of_codes

MARKER_RE = re.compile(r"<!-- reviewbot:review head=([0-9a-fA-F]+|\S+) version=(\S+) -->")
FP_MARKER_RE = re.compile(r"<!-- reviewbot:fp=([0-9a-f]+) -->")
MAX_SUMMARY_ITEMS = 40
MAX_ANNOTATIONS = 500


def review_marker(head: str) -> str:
    return f"<!-- reviewbot:review head={head} version={__version__} -->"


def rank_key(f: Finding) -> tuple[int, int, str, int, str]:
    return (-f.severity.rank, -CHECKER_PRIORITY.get(f.checker, 0), f.path, f.line, f.rule)


# When tools agree, the wording of the most specific one is kept: our own semgrep rules say
# what to do instead; pylint's inference beats ruff's syntax view.
TOOL_PREFERENCE = {"semgrep": 0, "pylint": 1, "bandit": 2, "ruff": 3}


def _merge_key(f: Finding) -> tuple[int, int, int, str, int, str]:
    return (-f.severity.rank, -CHECKER_PRIORITY.get(f.checker, 0),
            TOOL_PREFERENCE.get(f.tool, 9), f.path, f.line, f.rule)


def _overlap(a: Finding, b: Finding) -> bool:
    return a.line <= b.last_line and b.line <= a.last_line


def merge_duplicates(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per problem: same concern (or fingerprint) on overlapping lines of a file.
    The merged finding keeps the most severe member's wording and names every tool."""
    merged: list[Finding] = []
    for f in sorted(findings, key=_merge_key):
        for i, kept in enumerate(merged):
            same = kept.path == f.path and (
                (kept.concern is not None and kept.concern == f.concern and _overlap(kept, f))
                or (kept.fingerprint and kept.fingerprint == f.fingerprint)
            )
            if same:
                label = f"{f.tool}:{f.rule}"
                if label != f"{kept.tool}:{kept.rule}" and label not in kept.also_reported_by:
                    kept = replace(kept, also_reported_by=(*kept.also_reported_by, label))
                if not kept.fix and f.fix:
                    kept = replace(kept, fix=f.fix)  # keep the automatic fix of any member
                merged[i] = kept
                break
        else:
            merged.append(f)
    return merged


_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?",
                   re.IGNORECASE)
_NOSEC = re.compile(r"#\s*nosec\b", re.IGNORECASE)


def suppressed(f: Finding, source: str | None) -> bool:
    """Inline suppressions on the flagged line hold across tools: `# noqa` (all), `# noqa:
    F401` (that rule and the same concern from pylint), `# nosec` (security findings)."""
    if source is None:
        return False
    lines = source.splitlines()
    text = lines[f.line - 1] if 0 < f.line <= len(lines) else ""
    if f.checker == "security" and _NOSEC.search(text):
        return True
    match = _NOQA.search(text)
    if match is None:
        return False
    if not match.group("codes"):
        return True
    codes = {c.upper() for c in re.split(r"[\s,]+", match.group("codes")) if c}
    return f.rule in codes or (f.concern is not None and f.concern in concerns_of_codes(codes))


def select_findings(
    findings: Iterable[Finding],
    diff: DiffMap,
    config: RepoConfig,
    sources: Mapping[str, str],
) -> list[Finding]:
    """Fingerprint, drop what the configuration or the filter mode excludes, merge, rank."""
    kept = []
    for f in findings:
        if not config.checker_enabled(f.checker):
            continue
        if not config.rule_enabled(f.checker, f.tool, f.rule):
            continue
        if f.severity.rank < config.min_severity.rank:
            continue
        if not diff.in_scope(f.path, f.line, f.end_line, config.filter_mode):
            continue
        if suppressed(f, sources.get(f.path)):
            continue
        kept.append(f.with_fingerprint(fingerprint(f, sources.get(f.path))))
    return sorted(merge_duplicates(kept), key=rank_key)


def comment_body(f: Finding, suggestion: str | None = None) -> str:
    tools = " · ".join([f"{f.tool} {f.rule}", *(t.replace(":", " ") for t in f.also_reported_by)])
    fix = f"\n\n```suggestion\n{suggestion}\n```" if suggestion is not None else ""
    return (f"**{f.severity.value}** · {f.checker}: {f.message}{fix}\n\n<sub>{tools}</sub>\n"
            f"<!-- reviewbot:fp={f.fingerprint} -->")


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
    sources: Mapping[str, str] | None = None,
) -> tuple[list[InlineComment], list[Finding]]:
    """Inline comments only where GitHub accepts them, at most `limit`; the rest overflow
    into the review body. Fingerprints posted on an earlier push are not posted again."""
    inline: list[InlineComment] = []
    overflow: list[Finding] = []
    for f in findings:
        if f.fingerprint in already_posted:
            continue
        anchor, suggestion = _anchor_with_suggestion(f, diff, (sources or {}).get(f.path))
        if anchor is None or len(inline) >= limit:
            overflow.append(f)
            continue
        line, start = anchor
        inline.append(InlineComment(path=f.path, line=line, start_line=start,
                                    body=comment_body(f, suggestion), fingerprint=f.fingerprint))
    return inline, overflow


def _item(f: Finding) -> str:
    tools = ", ".join([f"{f.tool} {f.rule}", *(t.replace(":", " ") for t in f.also_reported_by)])
    return f"- `{f.path}:{f.line}` **{f.checker}**: {f.message} <sub>({tools})</sub>"


@dataclass(frozen=True)
class SummaryInputs:
    head: str
    findings: Sequence[Finding]
    inline: Sequence[InlineComment]
    overflow: Sequence[Finding]
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
    parts += ["", f"<sub>{s.coverage.line().capitalize()}. {s.llm_note}</sub>",
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


def annotations_for(findings: Sequence[Finding]) -> list[Annotation]:
    level = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.NOTE: "notice"}
    return [
        Annotation(path=f.path, start_line=f.line, end_line=f.last_line, level=level[f.severity],
                   title=f"{f.checker}: {f.tool} {f.rule}", message=f.message)
        for f in findings[:MAX_ANNOTATIONS]
    ]


def conclusion_for(findings: Sequence[Finding], fail_on: Severity | None) -> str:
    if fail_on is not None and any(f.severity.rank >= fail_on.rank for f in findings):
        return "failure"
    return "neutral" if findings and fail_on is None else "success"


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
    llm_note: str = "Linters only (no LLM configured).",
    sources: Mapping[str, str] | None = None,
) -> ReviewPlan:
    inline, overflow = place_comments(findings, diff, limit=config.max_comments,
                                      already_posted=already_posted, sources=sources)
    enabled = [c for c in CHECKERS if config.checker_enabled(c)]
    summary = write_summary(SummaryInputs(
        head=head, findings=findings, inline=inline, overflow=overflow, coverage=coverage,
        enabled_checkers=enabled, reviewed_files=reviewed_files, tool_errors=tool_errors,
        config_error=config_error, llm_note=llm_note, settings_notes=settings_notes,
    ))
    has_error = any(f.severity is Severity.ERROR for f in findings)
    event = "REQUEST_CHANGES" if config.request_changes and has_error else "COMMENT"
    conclusion = conclusion_for(findings, config.fail_on)
    errors = sum(f.severity is Severity.ERROR for f in findings)
    title = f"{len(findings)} finding(s), {errors} error(s)" if findings else "No findings"
    return ReviewPlan(
        base=base, head=head, event=event, summary=summary, comments=tuple(inline),
        findings=tuple(findings), coverage=coverage, conclusion=conclusion,
        annotations=tuple(annotations_for(findings)), usage=usage or Usage(),
        tool_errors=tuple(tool_errors), title=title,
    )

