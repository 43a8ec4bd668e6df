"""A suggestion is offered only if it re-lints clean: each file with a tool's fix applied is
linted again by ruff (one run for all of them, with the review's own settings), and a fix
that makes ruff report anything the file did not already have (beyond the finding it
fixes) loses its suggestion; the comment stays."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.core.findings import Finding
from bot.core.suggest import applied, suggestion_for
from checks.linters.workspace import Runner, ToolResult, Workspace

FOLDER = "relint"


async def relinted(findings: Sequence[Finding], *, sources: Mapping[str, str],
                   workspace: Workspace, ruff: Runner, before: ToolResult) -> list[Finding]:
    proposals: list[tuple[int, str, str]] = []  # (index in findings, variant path, text)
    for i, f in enumerate(findings):
        source = sources.get(f.path)
        if not f.fix or source is None or not f.path.endswith((".py", ".pyi")):
            continue
        suggestion = suggestion_for(source, f.fix)
        if suggestion is not None:
            proposals.append((i, f"{len(proposals)}/{f.path}", applied(source, suggestion)))
    if not proposals:
        return list(findings)
    root = workspace.home / FOLDER
    for _i, variant, text in proposals:
        (root / variant).parent.mkdir(parents=True, exist_ok=True)
        (root / variant).write_text(text)
    variants = tuple(v for _i, v, _t in proposals)
    after = await ruff(replace(workspace, root=root, python_files=variants, all_files=variants))
    if after.error:
        # Not verified, so not offered: the comments stay without their suggestions.
        return [replace(f, fix=()) if any(i == n for n, _v, _t in proposals) else f
                for i, f in enumerate(findings)]
    unclean = {n for n, variant, _t in proposals
               if new_findings(findings[n], before, after, variant)}
    return [replace(f, fix=()) if i in unclean else f for i, f in enumerate(findings)]


def new_findings(fixed: Finding, before: ToolResult, after: ToolResult, variant: str) -> bool:
    """Whether ruff reports, in the fixed file, a rule more often than before the fix (the
    fixed finding's own rule counted once less)."""
    had = Counter(f.rule for f in before.findings if f.path == fixed.path)
    had[fixed.rule] -= 1
    has = Counter(f.rule for f in after.findings if f.path == variant)
    return any(count > had[rule] for rule, count in has.items())
