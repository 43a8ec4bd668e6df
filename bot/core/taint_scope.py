"""Which files the taint rules analyse: one predicate, used by the semgrep pass that runs
them (checks/linters/tools.py) and by the tiers that let them supersede the pattern rules
(bot/review/aggregate/tiers.py). A pattern rule's finding is superseded only in a file the
taint rules really read; anywhere else it stands (pure).

Taint analysis costs ~10x a pattern rule per file, more in code full of objects named
`request` (an HTTP client library: its own requests are not untrusted input). Only files
that import a web framework's request-facing modules (flask, fastapi, django.http/
shortcuts/views, starlette's requests/responses, werkzeug's wrappers), or read argv, the
environment or input() (the taint rules' sources), are analysed (a framework's own
internals mostly are not: measured on a Django release, 104 s with every file importing
django, 80 s without).
"""

from __future__ import annotations

import re

# `[ \t]`, never `\s`, after `^`: `^\s*` runs across blank lines and made the search
# quadratic in them (a file of blank lines is the PR's to write).
UNTRUSTED_HINT = re.compile(
    rb"^[ \t]*(from|import)[ \t]+(flask|fastapi|django\.http|django\.shortcuts|"
    rb"django\.views|starlette\.(requests|responses|routing)|werkzeug\.(wrappers|utils))\b|"
    rb"^[ \t]*from[ \t]+(flask|fastapi|starlette)[ \t]+import|sys\.argv|os\.environ|getenv|"
    rb"\binput\(", re.MULTILINE)


def taint_analysed(data: bytes | str) -> bool:
    """Whether the taint rules analyse a file with this content."""
    raw = data.encode("utf-8", errors="replace") if isinstance(data, str) else data
    return UNTRUSTED_HINT.search(raw) is not None
