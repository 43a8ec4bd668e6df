"""Which linters read which changed file: its kind, from its path and first line (pure).

Python goes to ruff, pylint and bandit; JavaScript and TypeScript to oxlint; shell scripts
(by suffix, or a shell shebang on a file without one) to shellcheck; GitHub workflows and
action definitions to zizmor (and actionlint); Dockerfiles to hadolint. Every text file is
scanned for secrets, and semgrep reads every file with its own language detection."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath

PYTHON_SUFFIXES = (".py", ".pyi")
JAVASCRIPT_SUFFIXES = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts")
SHELL_SUFFIXES = (".sh", ".bash")
# `#!/bin/sh`, `#!/usr/bin/env bash`, `#!/bin/dash -e`... (zsh and fish are other languages)
SHELL_SHEBANG = re.compile(rb"#![ \t]*(?:/usr)?(?:/local)?/bin/(?:env[ \t]+(?:-\S+[ \t]+)*)?"
                           rb"(?:sh|bash|dash|ksh)(?:\s|$)")
KINDS = ("python", "javascript", "shell", "workflow", "dockerfile")


def is_workflow(path: str) -> bool:
    """A workflow GitHub runs (only the top of `.github/workflows`), or an action's
    definition (`action.yml` anywhere)."""
    p = PurePosixPath(path)
    if p.name in ("action.yml", "action.yaml"):
        return True
    return str(p.parent) == ".github/workflows" and p.suffix in (".yml", ".yaml")


def is_dockerfile(path: str) -> bool:
    name = PurePosixPath(path).name
    return (name in ("Dockerfile", "Containerfile") or name.startswith("Dockerfile.")
            or name.endswith(".dockerfile"))


def file_kind(path: str, content: bytes) -> str | None:
    """The kind of one changed file, or None: none of the kind-specific linters reads it."""
    if path.endswith(PYTHON_SUFFIXES):
        return "python"
    if path.endswith(JAVASCRIPT_SUFFIXES):
        return "javascript"
    if is_workflow(path):
        return "workflow"
    if is_dockerfile(path):
        return "dockerfile"
    if path.endswith(SHELL_SUFFIXES):
        return "shell"
    if "." not in PurePosixPath(path).name and SHELL_SHEBANG.match(content[:200]):
        return "shell"
    return None


def files_by_kind(contents: Mapping[str, bytes]) -> dict[str, tuple[str, ...]]:
    """Every kind with its files, in path order (a kind without files is absent)."""
    out: dict[str, list[str]] = {}
    for path in sorted(contents):
        kind = file_kind(path, contents[path])
        if kind is not None:
            out.setdefault(kind, []).append(path)
    return {kind: tuple(paths) for kind, paths in out.items()}
