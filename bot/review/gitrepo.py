"""A throwaway git repository written from a mapping of files (the demo, the golden set)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from bot.errors import ConfigError

STAMP = "2026-01-01T00:00:00Z"


def commit_tree(repo: Path, files: Mapping[str, str], message: str) -> str:
    """Write `files` into `repo` (initialised on first use), commit them, return the SHA."""
    git = shutil.which("git")
    if git is None:
        raise ConfigError("git is required")
    env = {**os.environ, "GIT_AUTHOR_NAME": "reviewbot", "GIT_AUTHOR_EMAIL": "bot@example.com",
           "GIT_COMMITTER_NAME": "reviewbot", "GIT_COMMITTER_EMAIL": "bot@example.com",
           "GIT_AUTHOR_DATE": STAMP, "GIT_COMMITTER_DATE": STAMP}

    def run(*args: str) -> str:
        out = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [git, "-C", str(repo), "-c", "commit.gpgsign=false", *args], check=True,
            capture_output=True, env=env, text=True, timeout=60)
        return out.stdout.strip()

    if not (repo / ".git").exists():
        repo.mkdir(parents=True, exist_ok=True)
        run("init", "-q")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    run("add", "-A")
    run("commit", "-q", "--allow-empty", "-m", message)
    return run("rev-parse", "HEAD")
