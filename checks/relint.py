"""A suggestion is offered only if it re-lints clean: the file with a tool's fix applied is
linted again by ruff, as that file of the snapshot (same settings, same neighbours, so import
sorting and first-party detection judge it as they judged the original), and a fix that
makes ruff report anything the file did not already have (beyond the finding it fixes)
loses its suggestion; the comment stays. Runs as soon as ruff is done (the fixes are
ruff's), while the slower linters and the model are still at work."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace

from bot.core.findings import Finding
from bot.core.suggest import applied, suggestion_for
from bot.errors import ToolError
from checks.linters.workspace import ToolResult, Workspace

TextLinter = Callable[[Workspace, str, str], Awaitable[ToolResult]]
FixKey = tuple[str, int, str, str]  # path, line, rule, message
CONCURRENCY = 4


def fix_key(f: Finding) -> FixKey:
    return (f.path, f.line, f.rule, f.message)


async def unclean_fixes(before: ToolResult, *, sources: Mapping[str, str],
                        workspace: Workspace, ruff: TextLinter) -> set[FixKey]:
    """The fixes among ruff's findings that do not re-lint clean."""
    slots = asyncio.Semaphore(CONCURRENCY)

    async def clean(f: Finding) -> bool:
        source = sources.get(f.path)
        suggestion = suggestion_for(source, f.fix) if source is not None else None
        if source is None or suggestion is None:
            return True  # no suggestion will be offered anyway
        async with slots:
            try:
                after = await ruff(workspace, f.path, applied(source, suggestion))
            except ToolError:
                return False  # not verified, so not offered
        return not after.error and not new_findings(f, before, after)

    fixed = [f for f in before.findings if f.fix and f.path.endswith((".py", ".pyi"))]
    verdicts = await asyncio.gather(*(clean(f) for f in fixed))
    return {fix_key(f) for f, ok in zip(fixed, verdicts, strict=True) if not ok}


def without_fixes(findings: Sequence[Finding], unclean: set[FixKey]) -> list[Finding]:
    return [replace(f, fix=()) if f.fix and fix_key(f) in unclean else f for f in findings]


def new_findings(fixed: Finding, before: ToolResult, after: ToolResult) -> bool:
    """Whether ruff reports, in the fixed file, a rule more often than before the fix (the
    fixed finding's own rule counted once less)."""
    had = Counter(f.rule for f in before.findings if f.path == fixed.path)
    had[fixed.rule] -= 1
    has = Counter(f.rule for f in after.findings if f.path == fixed.path)
    return any(count > had[rule] for rule, count in has.items())
