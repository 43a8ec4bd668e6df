"""The house rules a newcomer relies on, checked: rooms by capability, a pure core, no
cycles between rooms, small files."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
IO_LIBRARIES = {"sqlalchemy", "sqlmodel", "httpx", "githubkit", "subprocess", "starlette",
                "uvicorn", "openai", "anyio", "asyncio", "socket", "alembic", "psycopg"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_core_imports_no_io_library() -> None:
    for path in sorted((BOT / "core").glob("*.py")):
        roots = {name.split(".")[0] for name in imports_of(path)}
        assert not roots & IO_LIBRARIES, f"{path.name} imports {sorted(roots & IO_LIBRARIES)}"
        assert not {n for n in imports_of(path) if n.startswith("bot.")
                    and not n.startswith(("bot.core", "bot.errors"))}, path.name


def test_few_modules_directly_under_bot() -> None:
    modules = [p.name for p in BOT.glob("*.py")]
    assert len(modules) <= 8, modules


def test_no_file_over_400_lines() -> None:
    for folder in ("bot", "checks"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            lines = len(path.read_text().splitlines())
            assert lines <= 400, f"{path.relative_to(ROOT)} has {lines} lines"


def room_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "bot" and len(parts) > 2 else None


def test_no_import_cycle_between_rooms() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in BOT.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        here = room_of(module) if path.name != "__init__.py" else room_of(module + ".x")
        if here is None:
            continue
        for target in imports_of(path):
            there = room_of(target)
            if there is not None and there != here:
                edges[here].add(there)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in edges[start]:
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(room for room in list(edges) if reaches(room, room, {room}))
    assert not cycles, f"rooms in an import cycle: {cycles}; edges: {dict(edges)}"
