"""Each linter runs at most once per review, however many checkers ask for it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.findings import Finding
from bot.errors import ToolError
from checks.linters.tools import TOOLS
from checks.linters.workspace import Runner, ToolResult, Workspace

log = logging.getLogger(__name__)


@dataclass
class ToolSession:
    """Runs each tool at most once per review, however many checkers ask for it."""

    workspace: Workspace
    runners: dict[str, Runner] = field(default_factory=lambda: dict(TOOLS))
    # Tools the repository switched off (`tools:` in .github/reviewbot.yml): never started,
    # their results empty.
    switched_off: frozenset[str] = frozenset()
    _tasks: dict[str, asyncio.Task[ToolResult]] = field(default_factory=dict)

    def start(self, names: Sequence[str]) -> None:
        for name in names:
            if name not in self.switched_off:
                self._task(name)

    def _task(self, name: str) -> asyncio.Task[ToolResult]:
        if name not in self._tasks:
            self._tasks[name] = asyncio.create_task(self._safe(name))
        return self._tasks[name]

    async def result(self, name: str) -> ToolResult:
        if name in self.switched_off:
            return ToolResult(name)
        return await self._task(name)

    async def _safe(self, name: str) -> ToolResult:
        runner = self.runners.get(name)
        if runner is None:
            return ToolResult(name)  # not one of this session's tools (tests replay four)
        try:
            return await runner(self.workspace)
        except ToolError as exc:
            # A broken tool costs its findings, not the review: the summary says so.
            return ToolResult(name, error=str(exc))
        except OSError as exc:
            log.warning("linter could not start", extra={"tool": name, "error": repr(exc)})
            return ToolResult(name, error=f"{name} could not be started ({type(exc).__name__})")

    async def findings_in(self, path: str, tool: str | None = None) -> list[Finding]:
        """One tool's findings in one file (run now if no checker has started it; shared
        with the checkers if one has), or every started tool's; waits for those running."""
        if tool is not None and (tool not in self.runners or tool in self.switched_off):
            return []
        names = [tool] if tool is not None else list(self._tasks)
        results = await asyncio.gather(*(self._task(name) for name in names))
        return [f for r in results for f in r.findings if f.path == path]

    def results(self) -> list[ToolResult]:
        return [t.result() for t in self._tasks.values() if t.done()]
