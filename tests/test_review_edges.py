"""Awkward changes reviewed for real: symlinks, mode-only changes, empty files, CRLF,
non-UTF-8 bytes, syntax errors, a missing final newline."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.local import request_from_git
from bot.review import run_review

pytestmark = pytest.mark.slow


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                    *args], check=True, capture_output=True)


async def test_awkward_change(tmp_path: Path) -> None:
    repo = tmp_path / "edge"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "mode.py").write_bytes(b"a = 1\n")
    (repo / "crlf.py").write_bytes(b"x = 1\r\ny = 2\r\n")
    (repo / "latin.py").write_bytes(b"caf\xe9 = 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    (repo / "mode.py").chmod(0o755)
    (repo / "empty.py").write_bytes(b"")
    (repo / "link.py").symlink_to("mode.py")
    (repo / "crlf.py").write_bytes(b"x = 1\r\ny = eval(input())\r\n")
    (repo / "latin.py").write_bytes(b'caf\xe9 = 2\nimport pickle\npickle.loads(b"")\n')
    (repo / "broken.py").write_bytes(b"def f(:\n  pass\n")
    (repo / "nonl.py").write_bytes(b"no newline")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")

    plan = await run_review(request_from_git(repo, "HEAD~1", "HEAD"))
    assert plan.coverage.skipped == (("link.py", "symlink"),)
    assert plan.coverage.files_reviewed == 6
    found = {(f.path, f.line, f.concern or f.rule) for f in plan.findings}
    assert ("broken.py", 1, "syntax-error") in found
    assert ("latin.py", 1, "syntax-error") in found
    assert ("latin.py", 3, "pickle-untrusted") in found
    assert ("crlf.py", 2, "eval-untrusted") in found
    syntax = next(f for f in plan.findings if f.path == "broken.py")
    assert {syntax.tool, *(t.split(":")[0] for t in syntax.also_reported_by)} == {"pylint",
                                                                                  "ruff"}
    assert not any("reviewbot-" in f.message for f in plan.findings)  # no temp paths
    assert plan.tool_errors == ()
