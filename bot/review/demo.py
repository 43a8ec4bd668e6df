"""The embedded demo: a two-commit git repository built from fixtures/demo/."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.errors import ConfigError
from bot.review.gitrepo import git_runner

DEMO_DIR = Path(__file__).resolve().parent.parent.parent / "fixtures" / "demo"


def build_demo_repo(target: Path, source: Path = DEMO_DIR) -> tuple[str, str]:
    """base/ becomes the first commit and head/ the second; returns their SHAs."""
    if not (source / "head").is_dir():
        raise ConfigError(f"demo fixtures not found at {source} (run from a source checkout)")
    run = git_runner(target, author="demo", email="demo@example.com")
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
