"""Finding fingerprints: stable when lines shift, different when the flagged code changes."""

from __future__ import annotations

import hashlib
import re

from bot.core.findings import Finding

_SPACE = re.compile(r"\s+")


def normalise_lines(lines: list[str]) -> str:
    return "\n".join(_SPACE.sub(" ", line).strip() for line in lines if line.strip())


def flagged_text(source: str | None, line: int, end_line: int | None) -> str:
    if source is None:
        return ""
    lines = source.splitlines()
    last = max(line, end_line or line)
    return normalise_lines(lines[max(0, line - 1) : last])


def fingerprint(finding: Finding, source: str | None) -> str:
    """concern (or tool:rule) + path + the flagged lines' normalised content.

    Using the concern means the same problem seen by two tools has one fingerprint, and line
    numbers are left out so an edit above the finding does not make it look new.
    """
    key = finding.concern or f"{finding.tool}:{finding.rule}"
    text = flagged_text(source, finding.line, finding.end_line)
    digest = hashlib.sha256(f"{key}\0{finding.path}\0{text}".encode()).hexdigest()
    return digest[:16]
