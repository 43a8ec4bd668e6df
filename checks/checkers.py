"""The four checker agents. Each combines its linters' findings (and, later, an LLM critique);
they run concurrently and share one run of each tool."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.findings import Finding
from checks.linters.tools import ToolResult, ToolSession, Workspace

CHECKER_TOOLS: dict[str, tuple[str, ...]] = {
    "bug": ("ruff", "pylint"),
    "style": ("ruff",),
    "security": ("bandit", "semgrep", "ruff"),
    "performance": ("semgrep", "ruff", "pylint"),
}


@dataclass(frozen=True)
class CheckerResult:
    checker: str
    findings: tuple[Finding, ...]
    tools: tuple[str, ...]


async def run_checker(name: str, session: ToolSession) -> CheckerResult:
    tools = CHECKER_TOOLS[name]
    results = await asyncio.gather(*(session.result(t) for t in tools))
    findings = tuple(f for r in results for f in r.findings if f.checker == name)
    return CheckerResult(name, findings, tools)


async def run_checkers(
    workspace: Workspace, enabled: Sequence[str], session: ToolSession | None = None
) -> tuple[list[CheckerResult], list[ToolResult]]:
    session = session or ToolSession(workspace)
    # Start every tool at once so they overlap instead of queueing behind one checker.
    session.start(sorted({t for name in enabled for t in CHECKER_TOOLS[name]}))
    checker_results = await asyncio.gather(*(run_checker(n, session) for n in enabled))
    return list(checker_results), session.results()
