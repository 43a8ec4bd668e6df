"""Each linter finding's tier: a likely defect (inline), advice (annotations only) or off
(not reported, with the reason). The rule table is bot/review/aggregate/rules.py; this module
adds what the table alone cannot know, read from the code around the finding (pure)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from bot.core.findings import Finding, Severity
from bot.core.repo_config import is_test_path
from bot.core.suggest import in_fallback_import, parsed
from bot.core.taint_scope import taint_analysed
from bot.review.aggregate.context import bound_after_raising_try, expression_kind, in_finalizer
from bot.review.aggregate.rules import DEFECT_CONCERNS, NOT_IN_TESTS, Tier, rule_tier

MUTATING_METHODS = {"append", "extend", "insert", "add", "update", "setdefault", "pop",
                    "popitem", "remove", "clear", "discard", "sort", "reverse"}
# What a weak hash or a non-cryptographic random number protects when it matters.
PROTECTS = re.compile(r"passw|passwd|pwd|token|secret|session|sign|auth|nonce|salt|otp|"
                      r"csrf|api_?key|credential|cookie|reset|verif|remember|login",
                      re.IGNORECASE)
WEAK_CRYPTO = {"weak-hash", "weak-random"}
# Concerns the taint rules (checks/taint/python-taint.yml) judge by following the data: in a
# file they analyse (bot/core/taint_scope.py), a pattern-only finding of one of them is
# superseded
# (bench/security: reporting them there as advice raised the false-positive rate from 0.29
# to 0.71 on our handler fixtures).
TAINT_CONCERNS = {"sql-injection", "shell-injection", "eval-untrusted", "exec-used",
                  "unsafe-yaml-load", "pickle-untrusted", "unsafe-deserialization",
                  "path-traversal", "xss", "ldap-injection", "xpath-injection",
                  "open-redirect", "xml-untrusted"}
UNUSED_IMPORT = "unused-import"
# pylint's argument checks: reliable on a plain function call, not on a method call, where
# the receiver is inferred (descriptors, mixins and metaclasses fool it).
CALL_CHECKS = {"E1120", "E1121", "E1123", "E1124"}
MAX_SCOPE_LINES = 200


def classify(f: Finding, source: str | None, enabled: frozenset[str] = frozenset()
             ) -> tuple[Tier, str]:
    """The finding's tier and why. `enabled`: rules the repository turned back on."""
    if f.source == "model":
        return "defect", "a model finding the aggregator kept"
    forced = {f.rule, f"{f.tool}:{f.rule}"} & enabled
    tier, why = _tier(f, source)
    if tier == "off" and forced:
        return "advice", "turned on by the repository (enable_rules)"
    return tier, why


def _tier(f: Finding, source: str | None) -> tuple[Tier, str]:
    if f.checker == "security" and f.concern in NOT_IN_TESTS and is_test_path(f.path):
        return "off", "a security rule not applied to test files"
    if f.concern == UNUSED_IMPORT and source is not None and in_fallback_import(source, f.line):
        return "off", "an import guarded by try/except ImportError is a feature probe"
    listed = rule_tier(f.tool, f.rule)
    if listed is not None and listed[0] == "off":
        return listed
    if (f.checker == "security" and not f.rule.startswith("taint-")
            and f.concern in TAINT_CONCERNS and source is not None and taint_analysed(source)):
        return "off", ("superseded by the taint rules, which found no request data reaching "
                       "this line")
    if f.concern in WEAK_CRYPTO:
        if source is None or not protects_something(source, f.line):
            return "off", "a weak hash or random number that protects no secret here"
        return "defect", "a weak hash or random number protecting a secret"
    if f.concern == "mutable-default-argument":
        if source is not None and default_mutated(source, f.line):
            return "defect", "the function mutates its shared default"
        return "advice", "a mutable default the function does not mutate"
    if f.concern == "pointless-statement" and source is not None:
        kind = expression_kind(source, f.line)
        if kind == "expected-to-raise":
            return "off", "an expression inside pytest.raises or assertRaises is what the test runs"
        if kind == "attribute" and is_test_path(f.path):
            return "off", "an attribute read in a test is deliberate (a property's effect)"
        if kind not in ("comparison", "attribute"):
            return "advice", "a useless expression, but not a missing assert or call"
    if f.tool == "pylint" and f.rule == "E0601" and source is not None \
            and bound_after_raising_try(source, f.line, f.message):
        return "off", "bound in the except of a try that always raises"
    if (f.tool, f.rule) == ("ruff", "B028") and source is not None \
            and in_finalizer(source, f.line):
        return "advice", "a finalizer's warning has no caller for stacklevel to point at"
    if f.tool == "pylint" and f.rule in CALL_CHECKS and "method call" in f.message:
        return "advice", "argument checks of a method call rest on inference of the receiver"
    if f.concern in DEFECT_CONCERNS:
        return "defect", f"{f.concern} is a likely defect"
    if listed is not None:
        return listed
    if f.tool == "semgrep" and f.rule.startswith("taint-"):
        return "defect", "request data reaches a dangerous sink"
    if f.severity is Severity.ERROR and f.tool in ("ruff", "pylint", "semgrep", "bandit"):
        return "defect", "an error-severity finding"
    return "advice", "not a likely defect by default"


def _lines(source: str) -> list[str]:
    return source.splitlines()


def default_mutated(source: str, line: int) -> bool:
    """Whether the function whose signature holds `line` mutates a parameter that has a
    mutable default (list, dict, set literal or call)."""
    tree = parsed(source)
    if tree is None:
        return False
    for fn in _functions(tree):
        body_start = fn.body[0].lineno if fn.body else fn.lineno
        if not fn.lineno <= line < max(body_start, fn.lineno + 1):
            continue
        params = _mutable_default_params(fn)
        return any(_mutates(node, params) for node in ast.walk(fn))
    return False


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _mutable_default_params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults,
                     strict=True))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
              if d is not None]
    mutable = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp, ast.Call)
    return {a.arg for a, d in pairs if isinstance(d, mutable)}


def _mutates(node: ast.AST, params: set[str]) -> bool:
    def named(expr: ast.expr) -> bool:
        return isinstance(expr, ast.Name) and expr.id in params
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return named(node.func.value) and node.func.attr in MUTATING_METHODS
    if isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
        targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
        return any(named(t.value) if isinstance(t, ast.Subscript | ast.Attribute)
                   else isinstance(node, ast.AugAssign) and named(t) for t in targets)
    return False


def protects_something(source: str, line: int) -> bool:
    """Whether the lines around `line`, or the enclosing function (its name or body), say
    what the hash or random value is for: a password, a token, a session id, a cookie, a
    signature... A checksum or a cache key protects nothing."""
    lines = _lines(source)
    around = "\n".join(lines[max(0, line - 3): line + 2])
    if PROTECTS.search(around):
        return True
    tree = parsed(source)
    if tree is None:
        return False
    enclosing = [fn for fn in _functions(tree) if fn.lineno <= line <= (fn.end_lineno or 0)]
    if not enclosing:
        return False
    fn = min(enclosing, key=lambda node: (node.end_lineno or 0) - node.lineno)
    body = "\n".join(lines[fn.lineno - 1: (fn.end_lineno or fn.lineno)][:MAX_SCOPE_LINES])
    return PROTECTS.search(body) is not None
