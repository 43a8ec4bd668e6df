"""The embedded demo: a two-commit git repository built from fixtures/demo/."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from bot.errors import ConfigError

DEMO_DIR = Path(__file__).resolve().parent.parent.parent / "fixtures" / "demo"


def build_demo_repo(target: Path, source: Path = DEMO_DIR) -> tuple[str, str]:
    """base/ becomes the first commit and head/ the second; returns their SHAs."""
    git = shutil.which("git")
    if git is None:
        raise ConfigError("git is required for the demo")
    if not (source / "head").is_dir():
        raise ConfigError(f"demo fixtures not found at {source} (run from a source checkout)")
    stamp = "2026-01-01T00:00:00Z"
    env = {**os.environ, "GIT_AUTHOR_NAME": "demo", "GIT_AUTHOR_EMAIL": "demo@example.com",
           "GIT_COMMITTER_NAME": "demo", "GIT_COMMITTER_EMAIL": "demo@example.com",
           "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}

    def run(*args: str) -> str:
        out = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [git, "-C", str(target), "-c", "commit.gpgsign=false", *args],
            check=True, capture_output=True, env=env, text=True, timeout=60,
        )
        return out.stdout.strip()

    target.mkdir(parents=True, exist_ok=True)
    run("init", "-q")
    shas = []
    for tree in ("base", "head"):
        for child in target.iterdir():
            if child.name != ".git":
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        shutil.copytree(source / tree, target, dirs_exist_ok=True)
        run("add", "-A")
        run("commit", "-q", "-m", f"demo {tree}")
        shas.append(run("rev-parse", "HEAD"))
    return shas[0], shas[1]
