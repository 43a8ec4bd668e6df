"""Recorded linter output for the demo (fixtures/tools/, `python -m fixtures.tools.regenerate`)
served through the review's `runners` seam: tests of posting, retries and idempotency run
the real pipeline without spending seconds on four real linters each time."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.findings import Finding
from checks.linters import parsers
from checks.linters.workspace import Runner, ToolResult, Workspace
from tests.conftest import FIXTURES

TOOLS = FIXTURES / "tools"
ROOT = "/snapshot"  # the snapshot root the recordings were made in
PARSERS: dict[str, Callable[[str, str], list[Finding]]] = {
    "ruff": parsers.parse_ruff, "pylint": parsers.parse_pylint,
    "bandit": parsers.parse_bandit, "semgrep": parsers.parse_semgrep,
}


def recorded_runners() -> dict[str, Runner]:
    def runner(tool: str) -> Runner:
        async def run(ws: Workspace) -> ToolResult:
            found = PARSERS[tool]((TOOLS / f"{tool}.json").read_text(), ROOT)
            files = set(ws.all_files)
            return ToolResult(tool, tuple(f for f in found if f.path in files),
                              files=len(ws.all_files))
        return run
    return {tool: runner(tool) for tool in PARSERS}
