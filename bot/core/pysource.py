"""Parsing a PR's Python in-process (pure). A PR's file is hostile data: besides a syntax
error it can make the parser run out of stack (3,000 nested `lambda:` raise MemoryError,
deep brackets RecursionError). Any of these means "does not parse" for that file alone,
never a crashed review."""

from __future__ import annotations

import ast

PARSE_FAILURES = (SyntaxError, ValueError, RecursionError, MemoryError)


def parse_python(source: str) -> ast.Module | None:
    """The file's syntax tree, or None when it does not parse (for any reason)."""
    try:
        return ast.parse(source)
    except PARSE_FAILURES:
        return None
