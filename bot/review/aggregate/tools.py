"""The read-only tools an agent may call during a review: over the snapshot's files at head
and the diff, nothing else (no network, no writes, nothing executed)."""

from __future__ import annotations

import ast
from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

from pydantic import BaseModel, Field

from bot.core.agent_types import Tool
from bot.core.change_view import render_change
from bot.core.diffmap import DiffMap
from bot.core.findings import Finding
from bot.core.pysource import parse_python

MAX_LINES = 200
MAX_HITS = 50


class ReadLines(BaseModel):
    path: str
    start: int = Field(ge=1)
    end: int = Field(ge=1)


class Search(BaseModel):
    text: str = Field(min_length=2, max_length=200)


class FileOnly(BaseModel):
    path: str


class LineOf(BaseModel):
    path: str
    line: int = Field(ge=1)


class NoArgs(BaseModel):
    pass


class LinterOn(BaseModel):
    path: str
    linter: Literal["ruff", "pylint", "bandit", "semgrep"] | None = None  # None: all of them


# A linter's findings in one file (None: every linter's), from the review's own run of it.
LinterFindings = Callable[[str, str | None], Awaitable[list[Finding]]]


def review_tools(sources: Mapping[str, str], diff: DiffMap,
                 linter_findings: LinterFindings | None = None) -> list[Tool]:
    def lines_of(path: str) -> list[str]:
        if path not in sources:
            raise LookupError(path)
        return sources[path].splitlines()

    async def read_lines(a: ReadLines) -> str:
        lines = lines_of(a.path)
        end = min(a.end, a.start + MAX_LINES - 1, len(lines))
        return "\n".join(f"{n:>5} | {lines[n - 1]}" for n in range(a.start, end + 1)) or \
            "(no such lines)"

    async def search(a: Search) -> str:
        hits = [f"{p}:{n}: {line.strip()[:200]}" for p in sorted(sources)
                for n, line in enumerate(sources[p].splitlines(), 1) if a.text in line]
        return "\n".join(hits[:MAX_HITS]) or "(no match)"

    async def file_diff(a: FileOnly) -> str:
        lines_of(a.path)
        text, _ = render_change(diff, {a.path: sources[a.path]}, 60_000)
        return text or "(no change)"

    async def enclosing_function(a: LineOf) -> str:
        lines = lines_of(a.path)
        tree = parse_python(sources[a.path])
        if tree is None:
            return "(the file does not parse)"
        best: ast.AST | None = None
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                end = node.end_lineno or node.lineno
                if node.lineno <= a.line <= end and (
                        best is None or node.lineno >= getattr(best, "lineno", 0)):
                    best = node
        if best is None:
            return "(the line is at module level)"
        first, last = getattr(best, "lineno", 1), getattr(best, "end_lineno", None) or 1
        last = min(last, first + MAX_LINES - 1)
        return "\n".join(f"{n:>5} | {lines[n - 1]}" for n in range(first, last + 1))

    async def changed_files(_a: NoArgs) -> str:
        return "\n".join(sorted(sources)) or "(none)"

    async def linters(a: LinterOn) -> str:
        lines_of(a.path)
        assert linter_findings is not None
        found = await linter_findings(a.path, a.linter)
        return "\n".join(f"{f.path}:{f.line}: {f.tool} {f.rule} ({f.checker}): {f.message}"
                         for f in sorted(found, key=lambda f: (f.line, f.tool))[:MAX_HITS]) \
            or f"({a.linter or 'the linters'} report nothing in this file)"

    return [
        Tool("read_lines", "Lines start..end of a changed file at head (at most 200).",
             ReadLines, read_lines),
        Tool("search", "Lines of the changed files containing a text.", Search, search),
        Tool("file_diff", "The change of one file: numbered lines, + on added lines.",
             FileOnly, file_diff),
        Tool("enclosing_function", "The whole function or class around a line.", LineOf,
             enclosing_function),
        Tool("changed_files", "The changed files that are reviewed.", NoArgs, changed_files),
        *([Tool("run_linter", "What one linter (ruff, pylint, bandit or semgrep; all four if "
                "none is named) reports in one changed file.", LinterOn, linters)]
          if linter_findings else []),
    ]
