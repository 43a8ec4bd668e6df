"""The final guard on every text the bot posts: known secret values and anything shaped like
a credential are masked (pure).

Upstream the rule is that no tool output or configuration reaches a post unsanitised; this is
the belt to those braces, so a mistake there still leaks nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MASK = "***"
MIN_SECRET_CHARS = 6  # shorter values would mask ordinary words
MIN_SECRET_LINE_CHARS = 16  # a line of a multi-line secret (a PEM key) is masked on its own

CREDENTIAL_PATTERNS = (
    # GitHub tokens: installation (ghs_), personal (ghp_, github_pat_), OAuth, user, refresh.
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{16,255}\b"),
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,255}\b"),
    # OpenAI-style API keys (sk-..., sk-proj-...).
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),
    # PEM private keys, whole or cut off at the end.
    re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----"
               r"|\Z)", re.DOTALL),
)


class SecretMask:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values: set[str] = set()
        for secret in secrets:
            if len(secret) >= MIN_SECRET_CHARS:
                values.add(secret)
            values |= {line.strip() for line in secret.splitlines()
                       if len(line.strip()) >= MIN_SECRET_LINE_CHARS}
        # Longest first, so a secret containing another is masked whole.
        self._values = sorted(values, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._values:
            if secret in value:
                value = value.replace(secret, MASK)
        for pattern in CREDENTIAL_PATTERNS:
            value = pattern.sub(MASK, value)
        return value

    def json(self, value: Any) -> Any:
        """Every string in a JSON-like structure (keys included) masked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.json(k): self.json(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.json(v) for v in value]
        return value
