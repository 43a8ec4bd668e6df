"""Inline suppressions (`# noqa`, `# nosec`) honoured across tools (pure)."""

from __future__ import annotations

import re

from bot.core.findings import Finding
from checks.linters.catalog import concerns_of_codes

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?",
                   re.IGNORECASE)
_NOSEC = re.compile(r"#\s*nosec\b", re.IGNORECASE)


def suppressed(f: Finding, source: str | None) -> bool:
    """Inline suppressions on the flagged line hold across tools: `# noqa` (all), `# noqa:
    F401` (that rule and the same concern from pylint), `# nosec` (security findings)."""
    if source is None:
        return False
    lines = source.splitlines()
    text = lines[f.line - 1] if 0 < f.line <= len(lines) else ""
    if f.checker == "security" and _NOSEC.search(text):
        return True
    match = _NOQA.search(text)
    if match is None:
        return False
    if not match.group("codes"):
        return True
    codes = {c.upper() for c in re.split(r"[\s,]+", match.group("codes")) if c}
    return f.rule in codes or (f.concern is not None and f.concern in concerns_of_codes(codes))
