"""The linters: how each is invoked once over all changed files, and its output parsed."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ToolError
from bot.findings import Finding
from checks import parsers
from checks.catalog import BANDIT_SKIP, PYLINT_DISABLE, PYLINT_ENABLE, RUFF_SELECT
from checks.pylint_env import link_pylint_env, repo_pylint_disables
from checks.runner import clean_env, find_executable, run_tool

RULES_DIR = Path(__file__).resolve().parent / "rules"
REPO_SEMGREP_CONFIGS = (".semgrep.yml", ".semgrep.yaml", ".semgrep")


@dataclass(frozen=True)
class ToolResult:
    tool: str
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    seconds: float = 0.0
    files: int = 0


@dataclass(frozen=True)
class Workspace:
    """A snapshot of the changed files at head, plus a writable home for the tools."""

    root: Path
    home: Path
    python_files: tuple[str, ...]
    all_files: tuple[str, ...]
    timeout: float = 120.0


Runner = Callable[[Workspace], Awaitable[ToolResult]]


async def run_ruff(ws: Workspace) -> ToolResult:
    if not ws.python_files:
        return ToolResult("ruff")
    # The repository's own ruff settings win, with our rules added; without any, ruff's
    # defaults (which change between ruff releases) are replaced by our selection.
    selection = (["--extend-select"] if _has_ruff_config(ws.root)
                 else ["--isolated", "--select"])
    argv = [find_executable("ruff"), "check", "--output-format", "json", "--no-cache",
            "--exit-zero", *selection, ",".join(RUFF_SELECT), "--", *ws.python_files]
    out = await run_tool(argv, cwd=ws.root, env=clean_env(ws.home), timeout=ws.timeout,
                         ok_codes=(0,))
    return ToolResult("ruff", tuple(parsers.parse_ruff(out.stdout, str(ws.root))),
                      seconds=out.seconds, files=len(ws.python_files))


PYLINT_RUNNER = Path(__file__).resolve().parent / "pylint_runner.py"


async def run_pylint(ws: Workspace) -> ToolResult:
    """pylint in an isolated interpreter (see pylint_runner.py), with our own rc file: the
    repository's disabled messages are honoured, nothing else from its settings."""
    if not ws.python_files:
        return ToolResult("pylint")
    env_dir = link_pylint_env(ws.home / "pylint-env")
    rcfile = ws.home / "pylintrc"
    disabled = [*PYLINT_DISABLE, *repo_pylint_disables(ws.root)]
    rcfile.write_text("[MAIN]\npersistent=no\n")
    argv = [sys.executable, "-I", "-S", str(PYLINT_RUNNER), str(env_dir),
            f"--rcfile={rcfile}", "--output-format=json2", "--score=n", "--jobs=1",
            f"--disable={','.join(disabled)}", f"--enable={','.join(PYLINT_ENABLE)}",
            "--", *ws.python_files]
    # pylint's exit status is a bit mask of message kinds; 32 means it could not run.
    out = await run_tool(argv, cwd=ws.root, env=clean_env(ws.home), timeout=ws.timeout,
                         ok_codes=tuple(range(32)))
    return ToolResult("pylint", tuple(parsers.parse_pylint(out.stdout, str(ws.root))),
                      seconds=out.seconds, files=len(ws.python_files))


async def run_bandit(ws: Workspace) -> ToolResult:
    if not ws.python_files:
        return ToolResult("bandit")
    argv = [find_executable("bandit"), "-f", "json", "-q", "--confidence-level", "medium",
            "--severity-level", "medium",
            "--skip", ",".join(BANDIT_SKIP)]
    if (ws.root / ".bandit").is_file():
        argv += ["--ini", ".bandit"]
    elif _has_bandit_section(ws.root / "pyproject.toml"):
        argv += ["-c", "pyproject.toml"]
    argv += ["--", *(f"./{p}" for p in ws.python_files)]
    out = await run_tool(argv, cwd=ws.root, env=clean_env(ws.home), timeout=ws.timeout,
                         ok_codes=(0, 1))
    errors = parsers.bandit_errors(out.stdout)
    return ToolResult("bandit", tuple(parsers.parse_bandit(out.stdout, str(ws.root))),
                      error="; ".join(errors) or None, seconds=out.seconds,
                      files=len(ws.python_files))


def _has_ruff_config(root: Path) -> bool:
    if (root / "ruff.toml").is_file() or (root / ".ruff.toml").is_file():
        return True
    pyproject = root / "pyproject.toml"
    return pyproject.is_file() and "[tool.ruff" in pyproject.read_text(errors="replace")


def _has_bandit_section(path: Path) -> bool:
    return path.is_file() and "[tool.bandit]" in path.read_text(errors="replace")


async def run_semgrep(ws: Workspace) -> ToolResult:
    if not ws.all_files:
        return ToolResult("semgrep")
    argv = [find_executable("semgrep"), "scan", "--json", "--metrics=off",
            "--disable-version-check", "--no-git-ignore", "--config", str(RULES_DIR)]
    for name in REPO_SEMGREP_CONFIGS:
        if (ws.root / name).exists():
            argv += ["--config", name]
    argv += ["--", *ws.all_files]
    env = clean_env(ws.home, {"SEMGREP_ENABLE_VERSION_CHECK": "0",
                              "SEMGREP_SEND_METRICS": "off"})
    out = await run_tool(argv, cwd=ws.root, env=env, timeout=ws.timeout, ok_codes=(0, 1))
    errors = parsers.semgrep_errors(out.stdout)
    return ToolResult("semgrep", tuple(parsers.parse_semgrep(out.stdout, str(ws.root))),
                      error="; ".join(errors) or None, seconds=out.seconds,
                      files=len(ws.all_files))


TOOLS: dict[str, Runner] = {
    "ruff": run_ruff, "pylint": run_pylint, "bandit": run_bandit, "semgrep": run_semgrep,
}


@dataclass
class ToolSession:
    """Runs each tool at most once per review, however many checkers ask for it."""

    workspace: Workspace
    runners: dict[str, Runner] = field(default_factory=lambda: dict(TOOLS))
    _tasks: dict[str, asyncio.Task[ToolResult]] = field(default_factory=dict)

    def start(self, names: Sequence[str]) -> None:
        for name in names:
            self._task(name)

    def _task(self, name: str) -> asyncio.Task[ToolResult]:
        if name not in self._tasks:
            self._tasks[name] = asyncio.create_task(self._safe(name))
        return self._tasks[name]

    async def result(self, name: str) -> ToolResult:
        return await self._task(name)

    async def _safe(self, name: str) -> ToolResult:
        try:
            return await self.runners[name](self.workspace)
        except (ToolError, parsers.ParseError, OSError) as exc:
            # A broken tool costs its findings, not the review: the summary says so.
            return ToolResult(name, error=str(exc))

    def results(self) -> list[ToolResult]:
        return [t.result() for t in self._tasks.values() if t.done()]
