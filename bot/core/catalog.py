"""Which checker owns a tool's rule, and which rules of different tools are the same concern.

Pure data and lookups. A concern key lets the aggregator merge, say, bandit B602 and our
semgrep shell rule on the same line into one finding naming both tools.
"""

from __future__ import annotations

# (tool, rule) -> concern. Rules not listed are their own concern ("tool:rule").
CONCERNS: dict[tuple[str, str], str] = {
    # One table of equivalences: a noqa for F403 written for ruff holds for pylint's
    # W0401 on that line too (and the two merge into one finding).
    ("ruff", "F403"): "wildcard-import",
    ("pylint", "W0401"): "wildcard-import",
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
    ("ruff", "E712"): "comparison-to-none",
    ("pylint", "C0121"): "comparison-to-none",
    # Pairs that produced two comments on one line (bench/precision and the list).
    ("ruff", "B904"): "raise-without-from",
    ("pylint", "W0707"): "raise-without-from",
    ("ruff", "B007"): "unused-variable",
    ("ruff", "C419"): "generator-in-any-all",
    ("pylint", "R1729"): "generator-in-any-all",
    ("ruff", "B015"): "pointless-statement",
    ("ruff", "B018"): "pointless-statement",
    ("pylint", "W0104"): "pointless-statement",
    ("pylint", "W0133"): "exception-not-raised",
    ("ruff", "PLW0133"): "exception-not-raised",
    ("pylint", "R1732"): "open-without-with",
    ("ruff", "SIM115"): "open-without-with",
    ("pylint", "W1514"): "unspecified-encoding",
    ("ruff", "PLW1514"): "unspecified-encoding",
    ("ruff", "W605"): "invalid-escape",
    ("pylint", "W1401"): "invalid-escape",
    ("ruff", "B012"): "return-in-finally",
    ("pylint", "W0150"): "return-in-finally",
    ("ruff", "F601"): "duplicate-key",
    ("pylint", "W0109"): "duplicate-key",
    ("ruff", "B033"): "duplicate-set-item",
    ("pylint", "W0130"): "duplicate-set-item",
    ("ruff", "B025"): "duplicate-except",
    ("pylint", "W0705"): "duplicate-except",
    ("ruff", "PLW0120"): "useless-else-on-loop",
    ("pylint", "W0120"): "useless-else-on-loop",
    ("ruff", "PLW0127"): "self-assigning-variable",
    ("pylint", "W0127"): "self-assigning-variable",
    ("ruff", "E721"): "type-comparison",
    ("pylint", "C0123"): "type-comparison",
    ("ruff", "F541"): "fstring-without-placeholders",
    ("pylint", "W1309"): "fstring-without-placeholders",
    ("ruff", "BLE001"): "broad-except",
    ("pylint", "W0718"): "broad-except",
    ("ruff", "A001"): "builtin-shadowing",
    ("ruff", "A002"): "builtin-shadowing",
    ("pylint", "W0622"): "builtin-shadowing",
    ("ruff", "PLW0602"): "global-not-assigned",
    ("pylint", "W0602"): "global-not-assigned",
    ("ruff", "B011"): "assert-false",
    ("ruff", "PLW0711"): "binary-op-exception",
    ("pylint", "W0711"): "binary-op-exception",
    # security, by CWE-level concern (bandit, ruff's S rules, our semgrep rules)
    ("bandit", "B102"): "exec-used",
    ("ruff", "S102"): "exec-used",
    ("pylint", "W0122"): "exec-used",
    ("bandit", "B105"): "hardcoded-password",
    ("bandit", "B106"): "hardcoded-password",
    ("bandit", "B107"): "hardcoded-password",
    ("ruff", "S105"): "hardcoded-password",
    ("ruff", "S106"): "hardcoded-password",
    ("ruff", "S107"): "hardcoded-password",
    ("bandit", "B311"): "weak-random",
    ("ruff", "S311"): "weak-random",
    ("bandit", "B108"): "insecure-temp-file",
    ("ruff", "S108"): "insecure-temp-file",
    ("bandit", "B101"): "assert-used",
    ("ruff", "S101"): "assert-used",
    ("bandit", "B303"): "weak-hash",
    ("bandit", "B324"): "weak-hash",
    ("ruff", "S324"): "weak-hash",
    ("bandit", "B104"): "bind-all-interfaces",
    ("bandit", "B302"): "pickle-untrusted",
    ("bandit", "B403"): "pickle-untrusted",
    ("ruff", "S302"): "pickle-untrusted",
    ("bandit", "B604"): "shell-injection",
    ("bandit", "B607"): "shell-injection",
    ("bandit", "B609"): "shell-injection",
    ("ruff", "S604"): "shell-injection",
    ("bandit", "B703"): "xss",
    ("bandit", "B308"): "xss",
    ("ruff", "S308"): "xss",
    ("bandit", "B310"): "url-open-scheme",
    ("bandit", "B701"): "template-autoescape",
    ("ruff", "S701"): "template-autoescape",
    **{("bandit", f"B{n}"): "xml-untrusted" for n in (*range(313, 321), *range(405, 412))},
    ("ruff", "S104"): "bind-all-interfaces",
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


# pylint's names for the messages that share a concern with another tool's rule, so that
# `# pylint: disable=unused-import` silences ruff's F401 on that line too.
PYLINT_SYMBOLS = {
    "C0121": "singleton-comparison", "C0123": "unidiomatic-typecheck",
    "E0001": "syntax-error", "E0102": "function-redefined", "E0602": "undefined-variable",
    "E1142": "await-outside-async", "R0123": "literal-comparison",
    "R1729": "use-a-generator", "R1732": "consider-using-with",
    "W0102": "dangerous-default-value", "W0104": "pointless-statement",
    "W0401": "wildcard-import",
    "W0109": "duplicate-key", "W0120": "useless-else-on-loop", "W0122": "exec-used",
    "W0123": "eval-used", "W0127": "self-assigning-variable", "W0130": "duplicate-value",
    "W0133": "pointless-exception-statement", "W0150": "lost-exception",
    "W0602": "global-variable-not-assigned", "W0611": "unused-import",
    "W0612": "unused-variable", "W0622": "redefined-builtin", "W0640": "cell-var-from-loop",
    "W0702": "bare-except", "W0705": "duplicate-except", "W0707": "raise-missing-from",
    "W0711": "binary-op-exception", "W0718": "broad-exception-caught",
    "W1309": "f-string-without-interpolation", "W1401": "anomalous-backslash-in-string",
    "W1514": "unspecified-encoding", "W3101": "missing-timeout",
}


def concerns_of_codes(codes: set[str], tool: str = "ruff") -> set[str]:
    """The concerns a suppression names: `# noqa: F401` (ruff codes), `# nosec B602`
    (bandit ids), `# pylint: disable=W0611` or `=unused-import` (pylint ids or names)."""
    if tool == "pylint":
        names = {code.lower() for code in codes}
        codes = {c.upper() for c in codes} | {i for i, name in PYLINT_SYMBOLS.items()
                                                if name in names}
    return {concern for (t, rule), concern in CONCERNS.items()
            if t == tool and rule in codes}


def concerns_ignored(codes: set[str]) -> set[str]:
    """The concerns a repository's ruff `ignore` entries (codes or prefixes, or ALL) cover."""
    def covered(rule: str) -> bool:
        return any(code == "ALL" or rule.startswith(code) for code in codes)
    return {concern for (t, rule), concern in CONCERNS.items() if t == "ruff" and covered(rule)}


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
