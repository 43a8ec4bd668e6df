"""`reviewbot review` as users run it: the demo, a git range, a patch file, the formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.review.demo import build_demo_repo
from fixtures.demo.regenerate import projection
from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "reviewbot"


def review(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), "review", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_demo_finds_every_planted_issue() -> None:
    result = review("--demo", "--format", "json")
    assert result.returncode == 0, result.stderr
    expected = json.loads((FIXTURES / "demo" / "demo.expected.json").read_text())
    assert projection(json.loads(result.stdout)) == expected
    checkers = {f[0] for f in expected["findings"]}
    assert checkers == {"bug", "style", "security", "performance"}


def test_git_range_patch_file_and_formats(tmp_path: Path) -> None:
    repo = tmp_path / "demo"
    base, head = build_demo_repo(repo)
    ranged = review("--repo", str(repo), "--base", base, "--head", head, "--format", "json")
    assert ranged.returncode == 0, ranged.stderr
    by_range = json.loads(ranged.stdout)

    patch = tmp_path / "change.patch"
    patch.write_bytes(subprocess.run(["git", "-C", str(repo), "diff", base, head],
                                     capture_output=True, check=True).stdout)
    patched = review("--repo", str(repo), "--diff", str(patch), "--format", "json")
    assert patched.returncode == 0, patched.stderr
    by_patch = json.loads(patched.stdout)
    assert [(f["rule"], f["line"]) for f in by_patch["findings"]] == \
        [(f["rule"], f["line"]) for f in by_range["findings"]]

    sarif = review("--repo", str(repo), "--base", base, "--format", "sarif", "--no-llm")
    assert json.loads(sarif.stdout)["runs"][0]["results"]
    markdown = review("--repo", str(repo), "--base", base, "--format", "markdown")
    assert "### Critical issues" in markdown.stdout and "### Inline comments" in markdown.stdout
    text = review("--repo", str(repo), "--base", base)
    assert "shop/orders.py:33: error: [security]" in text.stdout

    failing = review("--repo", str(repo), "--base", base, "--fail-on", "error")
    assert failing.returncode == 1
    clean = review("--repo", str(repo), "--base", head, "--head", head, "--fail-on", "note")
    assert clean.returncode == 0 and "no findings" in clean.stdout


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    bad = review("--repo", str(tmp_path), "--base", "nope")
    assert bad.returncode == 2 and "reviewbot:" in bad.stderr
    garbage = tmp_path / "x.patch"
    garbage.write_text("--- a/x\n+++ b/x\n@@ -1,9 +1,9 @@\n x\n")
    bad_patch = review("--repo", str(tmp_path), "--diff", str(garbage))
    assert bad_patch.returncode == 2 and "not a unified diff" in bad_patch.stderr
