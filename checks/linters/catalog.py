"""Which checker owns a tool's rule, and which rules of different tools are the same concern.

Pure data and lookups. A concern key lets the aggregator merge, say, bandit B602 and our
semgrep shell rule on the same line into one finding naming both tools.
"""

from __future__ import annotations

# (tool, rule) -> concern. Rules not listed are their own concern ("tool:rule").
CONCERNS: dict[tuple[str, str], str] = {
    ("bandit", "B602"): "shell-injection",
    ("bandit", "B605"): "shell-injection",
    ("ruff", "S602"): "shell-injection",
    ("ruff", "S605"): "shell-injection",
    ("semgrep", "subprocess-shell-true"): "shell-injection",
    ("bandit", "B608"): "sql-injection",
    ("ruff", "S608"): "sql-injection",
    ("semgrep", "sql-built-by-string-formatting"): "sql-injection",
    ("bandit", "B506"): "unsafe-yaml-load",
    ("ruff", "S506"): "unsafe-yaml-load",
    ("semgrep", "yaml-load-without-safe-loader"): "unsafe-yaml-load",
    ("bandit", "B301"): "pickle-untrusted",
    ("ruff", "S301"): "pickle-untrusted",
    ("semgrep", "pickle-load-untrusted"): "pickle-untrusted",
    ("bandit", "B113"): "requests-without-timeout",
    ("ruff", "S113"): "requests-without-timeout",
    ("semgrep", "requests-without-timeout"): "requests-without-timeout",
    ("pylint", "W3101"): "requests-without-timeout",
    ("bandit", "B501"): "tls-verification-disabled",
    ("ruff", "S501"): "tls-verification-disabled",
    ("semgrep", "tls-verify-false"): "tls-verification-disabled",
    ("bandit", "B307"): "eval-untrusted",
    ("ruff", "S307"): "eval-untrusted",
    ("pylint", "W0123"): "eval-untrusted",
    ("ruff", "invalid-syntax"): "syntax-error",
    ("ruff", "syntax-error"): "syntax-error",
    ("ruff", "E902"): "syntax-error",
    ("pylint", "E0001"): "syntax-error",
    ("ruff", "F401"): "unused-import",
    ("pylint", "W0611"): "unused-import",
    ("ruff", "F841"): "unused-variable",
    ("pylint", "W0612"): "unused-variable",
    ("ruff", "B006"): "mutable-default-argument",
    ("pylint", "W0102"): "mutable-default-argument",
    ("ruff", "F821"): "undefined-name",
    ("pylint", "E0602"): "undefined-name",
    ("ruff", "E722"): "bare-except",
    ("pylint", "W0702"): "bare-except",
    ("ruff", "F811"): "redefined-unused-name",
    ("pylint", "E0102"): "redefined-unused-name",
    ("ruff", "PLE1142"): "await-outside-async",
    ("pylint", "E1142"): "await-outside-async",
    ("ruff", "B023"): "loop-variable-closure",
    ("pylint", "W0640"): "loop-variable-closure",
    ("ruff", "PERF401"): "manual-list-comprehension",
    ("ruff", "F632"): "is-literal",
    ("pylint", "R0123"): "is-literal",
    ("ruff", "E711"): "comparison-to-none",
    ("pylint", "C0121"): "comparison-to-none",
}


# Ruff rules reviewbot selects on top of the repository's own ruff configuration.
RUFF_SELECT = ("F", "E7", "E9", "E4", "B", "PLE", "PERF", "C4", "N8", "SIM1", "W6")
# Pylint messages that need the PR's dependencies installed (we never install them) or that
# ruff already covers faster; plus conventions and refactors, which ruff's style set covers.
PYLINT_DISABLE = (
    "import-error", "no-name-in-module", "no-member", "c-extension-no-member",
    "relative-beyond-top-level", "cyclic-import", "import-outside-toplevel",
    "fixme", "logging-fstring-interpolation", "C", "R",
    # Noisy in review comments: fire on callbacks, pytest fixtures, intentional designs.
    "unused-argument", "redefined-outer-name", "abstract-method", "protected-access",
    "attribute-defined-outside-init", "unnecessary-pass", "pointless-string-statement",
    # ruff's F811 covers redefinitions and understands typing.overload aliases.
    "function-redefined",
)
# Refactor/convention messages worth keeping: performance and correctness hints.
PYLINT_ENABLE = ("consider-using-dict-items", "use-a-generator", "consider-using-set-comprehension",
                 "consider-using-with", "literal-comparison")
BANDIT_SKIP = ("B101", "B404", "B603")  # assert, importing subprocess, subprocess w/o shell


def concerns_of_codes(codes: set[str]) -> set[str]:
    """The concerns that `# noqa: CODE` suppressions name (codes are ruff's)."""
    return {concern for (tool, rule), concern in CONCERNS.items()
            if tool == "ruff" and rule in codes}


def concern_of(tool: str, rule: str) -> str:
    return CONCERNS.get((tool, rule), f"{tool}:{rule}")


def ruff_checker(code: str) -> str:
    if code.startswith(("PERF", "C4")):
        return "performance"
    if code.startswith("S") and code[1:2].isdigit():  # S (bandit rules), not SIM
        return "security"
    if code.startswith(("F", "B", "PLE", "PLW", "E9", "E722", "ASYNC")) or code in (
        "E711", "E712", "E721", "invalid-syntax", "syntax-error",
    ):
        return "bug"
    return "style"


def pylint_checker(message_id: str, symbol: str) -> str:
    if symbol in ("consider-using-dict-items", "use-a-generator",
                  "consider-using-set-comprehension"):
        return "performance"
    if symbol in ("eval-used", "exec-used"):
        return "security"
    if message_id[:1] in ("E", "F", "W") or symbol in ("consider-using-with",
                                                         "literal-comparison"):
        return "bug"
    return "style"
