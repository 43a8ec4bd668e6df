"""Turn a tool's safe fix into a GitHub suggestion: the new text of whole lines (pure)."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.findings import Edit
from bot.core.pysource import parse_python

MAX_SUGGESTION_LINES = 20


@dataclass(frozen=True)
class Suggestion:
    first_line: int
    last_line: int
    text: str  # replaces lines first_line..last_line; "" deletes them


def _offset(line_starts: list[int], row: int, col: int) -> int:
    return line_starts[row - 1] + col - 1


def suggestion_for(source: str, edits: Sequence[Edit]) -> Suggestion | None:
    """None when there is no edit, the edits overlap or reach outside the file, or the
    result would be too long to read as a suggestion."""
    if not edits:
        return None
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    ordered = sorted(edits, key=lambda e: (e.row, e.col))
    first, last = ordered[0].row, max(e.end_row for e in ordered)
    if first < 1 or last > len(lines) + 1:
        return None
    # An edit that ends at column 1 of the next row ends with the previous line.
    last = max(first, max((e.end_row - 1 if e.end_col == 1 and e.end_row > e.row else e.end_row)
                          for e in ordered))
    if last > len(lines):
        return None
    new, cursor = [], starts[first - 1]
    for edit in ordered:
        begin = _offset(starts, edit.row, edit.col)
        if begin < cursor:
            return None  # overlapping edits
        new.append(source[cursor:begin])
        new.append(edit.content)
        cursor = _offset(starts, edit.end_row, edit.end_col)
    region_end = starts[last]
    if cursor > region_end:
        return None
    new.append(source[cursor:region_end])
    text = "".join(new)
    if text.count("\n") > MAX_SUGGESTION_LINES:
        return None
    suggestion = Suggestion(first_line=first, last_line=last, text=text.removesuffix("\n"))
    if not still_parses(source, suggestion) or drops_fallback_import(source, suggestion):
        return None
    return suggestion


def still_parses(source: str, suggestion: Suggestion) -> bool:
    """Never offer a suggestion that breaks the file: the whole file with it applied must
    still parse (Python; a file that did not parse before is not judged)."""
    if parsed(source) is None:
        return True
    return parse_python(applied(source, suggestion)) is not None


def applied(source: str, suggestion: Suggestion) -> str:
    """The file as it would be after the maintainer commits the suggestion."""
    lines = source.splitlines(keepends=True)
    replacement = suggestion.text + "\n" if suggestion.text else ""
    return "".join([*lines[: suggestion.first_line - 1], replacement,
                    *lines[suggestion.last_line:]])


def drops_fallback_import(source: str, suggestion: Suggestion) -> bool:
    """Whether the suggestion removes an import that sits in a try/except ImportError: an
    optional dependency or a fallback, "unused" on purpose; deleting it breaks the other
    branch."""
    lines = source.splitlines()
    region = lines[suggestion.first_line - 1: suggestion.last_line]
    imports_before = sum(_IMPORT.match(line) is not None for line in region)
    imports_after = sum(_IMPORT.match(line) is not None
                        for line in suggestion.text.splitlines())
    if imports_after >= imports_before:
        return False
    return any(in_fallback_import(source, n)
               for n in range(suggestion.first_line, suggestion.last_line + 1))


_IMPORT = re.compile(r"\s*(from\s+\S+\s+)?import\s")


def in_fallback_import(source: str, line: int) -> bool:
    """Whether the import on `line` sits in a `try` whose handlers catch ImportError (or
    in such a handler): an optional dependency probe or a fallback, unused on purpose."""
    for node in _fallback_tries(source):
        if not isinstance(node, ast.Try) or not any(_catches_import_error(h.type)
                                                    for h in node.handlers):
            continue
        first = node.lineno
        last = node.end_lineno or node.lineno
        if first <= line <= last:
            return True
    return False


@functools.lru_cache(maxsize=64)
def parsed(source: str) -> ast.Module | None:
    """A file's syntax tree, parsed once however many findings in it ask (None: it does
    not parse). Callers must not change the tree."""
    return parse_python(source)


@functools.lru_cache(maxsize=64)
def _fallback_tries(source: str) -> tuple[ast.Try, ...]:
    """The file's `try` statements (found once per file)."""
    tree = parsed(source)
    return () if tree is None else tuple(
        node for node in ast.walk(tree) if isinstance(node, ast.Try))


def _catches_import_error(expr: ast.expr | None) -> bool:
    if expr is None:
        return True
    names = [e for e in (expr.elts if isinstance(expr, ast.Tuple) else [expr])]
    return any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError",
                                                     "Exception", "BaseException")
               for n in names)
