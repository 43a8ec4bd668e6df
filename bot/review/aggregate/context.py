"""What the code around a finding says that the rule itself cannot see (pure): an
expression statement a test means (inside `pytest.raises`, an attribute read for its side
effect), a name bound in the `except` of a `try` that always raises, and a finalizer (whose
warnings have no caller to point at)."""

from __future__ import annotations

import ast
import re
from typing import Literal

from bot.core.suggest import parsed

RAISES_HELPERS = re.compile(r"^(raises|warns|deprecated_call|assertRaises\w*|assertWarns\w*)$")
ExpressionKind = Literal["expected-to-raise", "comparison", "attribute", "other", "unknown"]
NAME_IN_MESSAGE = re.compile(r"variable '([A-Za-z_]\w*)'")


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _raises_block(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether `node` sits inside `with pytest.raises(...)`, `self.assertRaises(...)`,
    `pytest.warns(...)` and the like: the statement is there to raise (or warn)."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                call = item.context_expr
                if isinstance(call, ast.Call):
                    func = call.func
                    name = func.attr if isinstance(func, ast.Attribute) else \
                        func.id if isinstance(func, ast.Name) else ""
                    if RAISES_HELPERS.match(name):
                        return True
    return False


def expression_kind(source: str, line: int) -> ExpressionKind:
    """What the expression statement starting on `line` is."""
    tree = parsed(source)
    if tree is None:
        return "unknown"
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Expr) and n.lineno == line]
    if not found:
        return "unknown"
    stmt = found[0]
    if _raises_block(stmt, _parents(tree)):
        return "expected-to-raise"
    value = stmt.value
    if isinstance(value, ast.Compare):
        return "comparison"
    if isinstance(value, ast.Attribute | ast.Subscript | ast.Name):
        return "attribute"
    return "other"


def bound_after_raising_try(source: str, line: int, message: str) -> bool:
    """pylint's "used before assignment" (E0601) on `line` for a name bound only in the
    `except` of a `try` whose body always raises, in the same function (or at module level):
    the handler always runs, so the name is always bound (pylint keeps this by design)."""
    match = NAME_IN_MESSAGE.search(message)
    tree = parsed(source)
    if match is None or tree is None:
        return False
    name = match.group(1)
    scope = _enclosing_function(tree, line)
    for node in ast.walk(scope):
        if not isinstance(node, ast.Try) or not node.body \
                or not isinstance(node.body[-1], ast.Raise) \
                or _enclosing_function(tree, node.lineno) is not scope:
            continue
        for handler in node.handlers:
            if handler.name == name or any(
                    isinstance(t, ast.Name) and t.id == name
                    for stmt in ast.walk(handler) if isinstance(stmt, ast.Assign)
                    for t in stmt.targets):
                return True
    return False


def _enclosing_function(tree: ast.Module, line: int) -> ast.AST:
    """The innermost function around `line`, or the module."""
    best: ast.AST = tree
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) \
                and node.lineno <= line <= (node.end_lineno or node.lineno) \
                and (best is tree or node.lineno >= getattr(best, "lineno", 0)):
            best = node
    return best


def in_finalizer(source: str, line: int) -> bool:
    """Whether `line` is inside a `__del__` method: the garbage collector calls it, so a
    warning's `stacklevel` has no caller to point at (a ResourceWarning there is the idiom)."""
    tree = parsed(source)
    if tree is None:
        return False
    scope = _enclosing_function(tree, line)
    return isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) and scope.name == "__del__"
