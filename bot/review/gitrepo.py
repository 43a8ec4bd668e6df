"""A throwaway git repository written from a mapping of files (the demo, the golden set)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from bot.errors import ConfigError

STAMP = "2026-01-01T00:00:00Z"


def git_runner(repo: Path, author: str = "reviewbot",
               email: str = "bot@example.com") -> Callable[..., str]:
    """`run(*args)`: git in `repo` with a fixed author and date (reproducible SHAs)."""
    git = shutil.which("git")
    if git is None:
        raise ConfigError("git is required")
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": email,
           "GIT_AUTHOR_DATE": STAMP, "GIT_COMMITTER_DATE": STAMP}

    def run(*args: str) -> str:
        out = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [git, "-C", str(repo), "-c", "commit.gpgsign=false", *args], check=True,
            capture_output=True, env=env, text=True, timeout=60)
        return out.stdout.strip()

    return run


def commit_tree(repo: Path, files: Mapping[str, str], message: str) -> str:
    """Write `files` into `repo` (initialised on first use), commit them, return the SHA."""
    run = git_runner(repo)
    if not (repo / ".git").exists():
        repo.mkdir(parents=True, exist_ok=True)
        run("init", "-q")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    run("add", "-A")
    run("commit", "-q", "--allow-empty", "-m", message)
    return run("rev-parse", "HEAD")
