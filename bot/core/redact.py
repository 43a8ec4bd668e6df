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
    # What a PR may commit (the formats detect-secrets recognises): AWS access key ids and a
    # secret access key written beside its name, Slack, Stripe, Google, npm and PyPI tokens.
    re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
    re.compile(r"(?i)(aws_secret_access_key[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9/+=]{40}"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    re.compile(r"\b[rs]k_live_[0-9a-zA-Z]{20,}"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{35}"),
    re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"),
    re.compile(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}"),
)


def _masked(match: re.Match[str], keep_lines: bool = False) -> str:
    """The match masked; a group, when the pattern has one, is the name kept before it."""
    kept = match.group(1) if match.re.groups else ""
    return kept + MASK + ("\n" * match.group(0).count("\n") if keep_lines else "")


def credentials_masked(text: str) -> str:
    """`text` with everything shaped like a credential masked, its lines kept (a masked
    PEM key keeps its line count): what the model is shown of a PR's files, so that a
    committed key never reaches a model endpoint."""
    for pattern in CREDENTIAL_PATTERNS:
        text = pattern.sub(lambda m: _masked(m, keep_lines=True), text)
    return text


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
            value = pattern.sub(_masked, value)
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
