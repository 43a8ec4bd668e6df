"""Inline suppressions (`# noqa`, `# nosec`) honoured across tools (pure)."""

from __future__ import annotations

import re

from bot.core.catalog import concerns_of_codes
from bot.core.findings import Finding

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?",
                   re.IGNORECASE)
_NOSEC = re.compile(r"#\s*nosec\b(?P<codes>(?:[\s,:]+B[0-9]{3})*)", re.IGNORECASE)
_PYLINT = re.compile(r"#\s*pylint:\s*disable\s*=\s*(?P<codes>[\w-]+(?:\s*,\s*[\w-]+)*)",
                     re.IGNORECASE)


def suppressed(f: Finding, source: str | None) -> bool:
    """Inline suppressions on the flagged line hold across tools: `# noqa` (all), `# noqa:
    F401` (that rule and the same concern from another tool), `# nosec` (security
    findings; `# nosec B602`: that concern), `# pylint: disable=unused-import` (that
    message and the same concern from ruff or bandit)."""
    if source is None:
        return False
    lines = source.splitlines()
    text = lines[f.line - 1] if 0 < f.line <= len(lines) else ""
    nosec = _NOSEC.search(text)
    if nosec is not None and f.checker == "security":
        codes = _codes(nosec.group("codes"))
        if not codes or f.rule in codes or _names_concern(f, codes, "bandit"):
            return True
    pylint = _PYLINT.search(text)
    if pylint is not None and _names_concern(f, _codes(pylint.group("codes")), "pylint"):
        return True
    match = _NOQA.search(text)
    if match is None:
        return False
    if not match.group("codes"):
        return True
    codes = {c.upper() for c in _codes(match.group("codes"))}
    return f.rule in codes or _names_concern(f, codes, "ruff")


def _codes(text: str | None) -> set[str]:
    return {c for c in re.split(r"[\s,:]+", text or "") if c}


def _names_concern(f: Finding, codes: set[str], tool: str) -> bool:
    return f.concern is not None and f.concern in concerns_of_codes(codes, tool)
