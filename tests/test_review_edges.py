"""Awkward changes reviewed for real: symlinks, mode-only changes, empty files, CRLF,
non-UTF-8 bytes, syntax errors, a missing final newline."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.review.local import request_from_git
from bot.review.pipeline import run_review
from tests.github_world import commit_files

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


async def test_file_names_git_would_quote_are_reviewed_unless_they_hold_controls(
        tmp_path: Path) -> None:
    repo = tmp_path / "names"
    commit_files(repo, {"README": "x\n"}, "base")
    names = ['quo"te.py', "café.py", "sp ace.py", "a`b`@team.py"]
    hostile = ["tab\there.py", "new\nline.py", "bidi\u202egnp.py"]
    commit_files(repo, dict.fromkeys([*names, *hostile],
                                     "import pickle\npickle.loads(b'')\n"), "head")

    plan = await run_review(request_from_git(repo, "HEAD~1", "HEAD"))
    # A control or invisible character cannot be shown faithfully: refused, visibly.
    assert plan.coverage.skipped == tuple(sorted((p, "unsafe path") for p in hostile))
    assert plan.coverage.files_reviewed == len(names)
    flagged = {f.path for f in plan.findings if f.concern == "pickle-untrusted"}
    assert flagged == set(names)
    assert "new\nline" not in plan.summary and "\u202e" not in plan.summary


async def test_a_huge_file_is_skipped_without_being_read(tmp_path: Path) -> None:
    import resource

    repo = tmp_path / "big"
    commit_files(repo, {"README": "x\n"}, "base")
    commit_files(repo, {"data.py": "x = 1  # padding padding padding padding\n" * 1_300_000,
                        "small.py": "import pickle\npickle.loads(b'')\n"}, "head")

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    request = request_from_git(repo, "HEAD~1", "HEAD")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert request.diff.files["data.py"].too_large
    assert "data.py" not in request.contents
    assert grown_mb < 60  # the 53 MB file was neither diffed nor read
    plan = await run_review(request)
    assert ("data.py", "diff too large") in plan.coverage.skipped
    assert any(f.path == "small.py" for f in plan.findings)


def test_a_patch_does_not_configure_its_review_nor_read_through_symlinks(
        tmp_path: Path) -> None:
    from bot.review.local import request_from_patch

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("TOKEN = 'hunter2'\n")
    repo = tmp_path / "work"
    (repo / ".github").mkdir(parents=True)
    (repo / ".github" / "reviewbot.yml").write_text("checkers: {security: {enabled: false}}\n")
    (repo / "lib").symlink_to(outside, target_is_directory=True)
    (repo / "app.py").write_text("x = 1\n")
    patch = tmp_path / "change.patch"
    patch.write_text(
        "diff --git a/.github/reviewbot.yml b/.github/reviewbot.yml\nnew file mode 100644\n"
        "--- /dev/null\n+++ b/.github/reviewbot.yml\n@@ -0,0 +1 @@\n"
        "+checkers: {security: {enabled: false}}\n"
        "diff --git a/lib/secret.py b/lib/secret.py\nnew file mode 100644\n"
        "--- /dev/null\n+++ b/lib/secret.py\n@@ -0,0 +1 @@\n+TOKEN = 'hunter2'\n"
        "diff --git a/app.py b/app.py\nnew file mode 100644\n"
        "--- /dev/null\n+++ b/app.py\n@@ -0,0 +1 @@\n+x = 1\n")
    request = request_from_patch(repo, patch)
    assert request.config.config.checker_enabled("security")  # the patch's own: not obeyed
    assert request.contents.get("lib/secret.py") is None  # through a symlinked folder
    assert request.contents["app.py"] == b"x = 1\n"
