"""What a linter run gets (the snapshot, a home, the settings built from the default
branch) and what it gives back (pure data)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.findings import Finding
from checks.linters.settings import LinterSettings


@dataclass(frozen=True)
class ToolResult:
    tool: str
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    seconds: float = 0.0
    files: int = 0
    notes: tuple[str, ...] = ()  # repository settings the tool could not use, and why


@dataclass(frozen=True)
class Workspace:
    """A snapshot of the changed files at head, a writable home for the tools, and the
    configuration built from the default branch, kept outside the snapshot so that no
    file of the PR can stand in for it."""

    root: Path
    home: Path
    python_files: tuple[str, ...]
    all_files: tuple[str, ...]
    timeout: float = 120.0
    settings: LinterSettings = field(default_factory=LinterSettings)
    # The files of each kind (checks/linters/kinds.py) beyond Python: which tool reads what.
    by_kind: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def files_of(self, kind: str) -> tuple[str, ...]:
        return self.by_kind.get(kind, ())

    def config_file(self, name: str, text: str) -> Path:
        """Write one generated configuration file beside (never inside) the snapshot."""
        folder = self.home / "config"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_text(text)
        return path


Runner = Callable[[Workspace], Awaitable[ToolResult]]
