"""Linter JSON output -> `Finding`s (pure). Paths come back relative to the snapshot root."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from bot.core.catalog import concern_of, pylint_checker, ruff_checker
from bot.core.checkers import CHECKERS
from bot.core.findings import Edit, Finding, Severity
from bot.errors import ToolError


class ParseError(ToolError):
    """A tool printed something that is not its documented JSON."""


def load_json(text: str, tool: str) -> Any:
    try:
        return json.loads(text) if text.strip() else None
    except json.JSONDecodeError as exc:
        raise ParseError(f"{tool} printed invalid JSON: {exc}") from exc


def relative(path: str, root: str) -> str:
    """Tools print `./a.py`, `a.py` or an absolute path; findings use repo-relative paths."""
    p = PurePosixPath(path)
    if p.is_absolute():
        try:
            p = p.relative_to(root)
        except ValueError:
            return str(p)
    text = str(p)
    return text[2:] if text.startswith("./") else text


def clean(message: str, root: str) -> str:
    """Messages must not show the temp dir the snapshot lived in."""
    return message.replace(root.rstrip("/") + "/", "").strip()


def parse_ruff(text: str, root: str) -> list[Finding]:
    data = load_json(text, "ruff") or []
    if not isinstance(data, list):
        raise ParseError("ruff JSON must be a list")
    out = []
    for item in data:
        code = item.get("code") or "syntax-error"
        checker = ruff_checker(code)
        if code in ("syntax-error", "invalid-syntax", "F821") or code.startswith(("E9", "PLE")):
            severity = Severity.ERROR
        elif checker in ("bug", "security"):
            severity = Severity.WARNING
        else:
            severity = Severity.NOTE
        loc, end = item.get("location") or {}, item.get("end_location") or {}
        fix = item.get("fix") or {}
        edits = tuple(
            Edit(row=int(e["location"]["row"]), col=int(e["location"]["column"]),
                 end_row=int(e["end_location"]["row"]), end_col=int(e["end_location"]["column"]),
                 content=str(e.get("content", "")))
            for e in fix.get("edits") or []
        ) if fix.get("applicability") == "safe" else ()
        out.append(Finding(
            checker=checker, tool="ruff", rule=code, severity=severity,
            path=relative(item["filename"], root), line=int(loc.get("row") or 1),
            end_line=int(end["row"]) if end.get("row") else None,
            message=clean(str(item.get("message", "")), root), concern=concern_of("ruff", code),
            fix=edits,
        ))
    return out


def parse_pylint(text: str, root: str) -> list[Finding]:
    data = load_json(text, "pylint")
    messages = data.get("messages", []) if isinstance(data, Mapping) else data or []
    out = []
    for m in messages:
        mid, symbol = str(m.get("messageId", "")), str(m.get("symbol", ""))
        kind = mid[:1]
        if kind == "F":
            continue  # pylint failing on a file is not a finding (pylint_errors says so)
        severity = Severity.ERROR if kind == "E" else (
            Severity.WARNING if kind == "W" else Severity.NOTE)
        out.append(Finding(
            checker=pylint_checker(mid, symbol), tool="pylint", rule=mid,
            severity=severity, path=relative(str(m.get("path", "")), root),
            line=max(1, int(m.get("line") or 1)),
            end_line=int(m["endLine"]) if m.get("endLine") else None,
            message=f"{clean(str(m.get('message', '')), root)} ({symbol})",
            concern=concern_of("pylint", mid),
        ))
    return out


def _cwe(value: object) -> str | None:
    """`89`, `"CWE-89"`, `["CWE-89: SQL..."]` -> `"CWE-89"`."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return f"CWE-{int(value)}"
    if isinstance(value, str) and value.upper().startswith("CWE-"):
        number = value[4:].split(":", 1)[0].strip()
        return f"CWE-{number}" if number.isdigit() else None
    return None


_BANDIT_SEVERITY = {"HIGH": Severity.ERROR, "MEDIUM": Severity.WARNING, "LOW": Severity.NOTE}


def parse_bandit(text: str, root: str) -> list[Finding]:
    data = load_json(text, "bandit") or {}
    out = []
    for r in data.get("results", []):
        rule = str(r.get("test_id", ""))
        line_range = r.get("line_range") or [r.get("line_number", 1)]
        # bandit gives no end line; its line_range is the flagged statement's lines.
        end = max(line_range) if line_range else None
        out.append(Finding(
            checker="security", tool="bandit", rule=rule,
            severity=_BANDIT_SEVERITY.get(str(r.get("issue_severity")), Severity.WARNING),
            path=relative(str(r.get("filename", "")), root),
            line=int(r.get("line_number") or 1),
            end_line=int(end) if end else None,
            message=f"{clean(str(r.get('issue_text', '')), root)} ({r.get('test_name', rule)})",
            concern=concern_of("bandit", rule),
            cwe=_cwe((r.get("issue_cwe") or {}).get("id")),
        ))
    return out


_SEMGREP_SEVERITY = {"ERROR": Severity.ERROR, "WARNING": Severity.WARNING, "INFO": Severity.NOTE}


def semgrep_rule_id(check_id: str) -> str:
    """semgrep prefixes rule ids with the config folder (`tmp.rules.my-rule`)."""
    return check_id.rsplit(".", 1)[-1]


def parse_semgrep(text: str, root: str) -> list[Finding]:
    data = load_json(text, "semgrep") or {}
    out = []
    for r in data.get("results", []):
        rule = semgrep_rule_id(str(r.get("check_id", "")))
        extra = r.get("extra") or {}
        meta = extra.get("metadata") or {}
        checker = str(meta.get("checker", "security"))
        out.append(Finding(
            checker=checker if checker in CHECKERS else "security",
            tool="semgrep", rule=rule,
            severity=_SEMGREP_SEVERITY.get(str(extra.get("severity")), Severity.WARNING),
            path=relative(str(r.get("path", "")), root),
            line=int((r.get("start") or {}).get("line") or 1),
            end_line=int((r.get("end") or {}).get("line") or 0) or None,
            message=clean(str(extra.get("message", "")), root),
            concern=str(meta.get("concern") or concern_of("semgrep", rule)),
            cwe=_cwe(meta.get("cwe")),
        ))
    return out


# semgrep error types that mean a rule file could not be used (not a problem of a target).
SEMGREP_CONFIG_ERRORS = ("Rule parse error", "InvalidRuleSchemaError", "Invalid rule",
                         "Missing plugin", "Invalid YAML", "UnknownLanguage",
                         "Invalid pattern", "Pattern parse error")
_SAFE_TYPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-")


def _error_type(value: object) -> str:
    """semgrep's error type ("Syntax error", ["PartialParsing", ...]) as a short safe word;
    its message is never shown (it can quote the rule file or the code)."""
    first = value[0] if isinstance(value, list) and value else value
    text = str(first) if isinstance(first, str) else "error"
    return text[:40] if text and set(text) <= _SAFE_TYPE_CHARS else "error"


def semgrep_errors(text: str, root: str) -> list[str]:
    data = load_json(text, "semgrep") or {}
    out = []
    for e in data.get("errors", []):
        if not isinstance(e, Mapping) or e.get("level", "error") != "error":
            continue
        kind = _error_type(e.get("type"))
        path = e.get("path")
        where = f" in `{relative(str(path), root)}`" if isinstance(path, str) else ""
        out.append(f"{kind}{where}")
    return out


def semgrep_config_failed(error: str) -> bool:
    return any(kind in error for kind in SEMGREP_CONFIG_ERRORS)


def pylint_errors(text: str, root: str) -> list[str]:
    """Files pylint could not analyse (its fatal messages: astroid-error, parse-error,
    fatal): coverage, never findings. pylint's own text is not shown."""
    data = load_json(text, "pylint")
    messages = data.get("messages", []) if isinstance(data, Mapping) else data or []
    return [f"could not analyse `{relative(str(m.get('path', '')), root)}` "
            f"({m.get('symbol', 'fatal')})"
            for m in messages if str(m.get("messageId", "")).startswith("F")]


def bandit_errors(text: str, root: str) -> list[str]:
    """Files bandit could not analyse, except syntax errors: ruff and pylint report those
    as findings on the file itself. The reason is bandit's own text: not shown."""
    data = load_json(text, "bandit") or {}
    return [f"could not analyse `{relative(str(e.get('filename')), root)}`"
            for e in data.get("errors", [])
            if isinstance(e, Mapping) and "syntax error" not in str(e.get("reason"))]
