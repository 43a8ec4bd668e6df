"""One finding per problem, and the order findings are shown in (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot.core.checkers import CHECKER_PRIORITY
from bot.core.findings import Finding


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


def _model_repeats_linter(a: Finding, b: Finding) -> bool:
    """A model finding of the same checker on lines a linter already flags: in practice the
    same problem seen twice (the model rediscovering a shell=True, say), so one comment."""
    sources = {a.source, b.source}
    return sources == {"model", "linter"} and a.checker == b.checker and _overlap(a, b)


def merge_duplicates(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per problem: same concern (or fingerprint) on overlapping lines of a file,
    or a model repeating a linter of its checker there. The merged finding keeps the most
    severe member's wording, names every tool, and keeps a model's words as its rationale."""
    merged: list[Finding] = []
    for f in sorted(findings, key=_merge_key):
        for i, kept in enumerate(merged):
            same = kept.path == f.path and (
                (kept.concern is not None and kept.concern == f.concern and _overlap(kept, f))
                or (kept.fingerprint and kept.fingerprint == f.fingerprint)
                or _model_repeats_linter(kept, f)
            )
            if same:
                if f.source == "model" and kept.source != "model" and not kept.rationale:
                    kept = replace(kept, rationale=f.message)
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
