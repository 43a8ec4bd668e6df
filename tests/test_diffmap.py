"""The diff map against golden fixtures, the four filter modes, and comment anchoring."""

from __future__ import annotations

import json

import pytest

from bot.core.diffmap import DiffMap, FilterMode, PullFile, from_pull_files, parse_unified_diff
from fixtures.diffs.regenerate import describe
from tests.conftest import FIXTURES

DIFFS = sorted((FIXTURES / "diffs").glob("*.diff"))


@pytest.mark.parametrize("patch", DIFFS, ids=[p.stem for p in DIFFS])
def test_golden(patch) -> None:  # type: ignore[no-untyped-def]
    expected = json.loads(patch.with_suffix(".expected.json").read_text())
    assert describe(parse_unified_diff(patch.read_text())) == expected


def two_hunks() -> DiffMap:
    return parse_unified_diff((FIXTURES / "diffs" / "two_hunks.diff").read_text())


@pytest.mark.parametrize(
    ("mode", "line", "expected"),
    [
        (FilterMode.ADDED, 2, True), (FilterMode.ADDED, 3, False),
        (FilterMode.DIFF_CONTEXT, 3, True), (FilterMode.DIFF_CONTEXT, 10, False),
        (FilterMode.FILE, 10, True), (FilterMode.NOFILTER, 10, True),
    ],
)
def test_filter_modes(mode: FilterMode, line: int, expected: bool) -> None:
    assert two_hunks().in_scope("m.py", line, None, mode) is expected


def test_unchanged_file_only_under_nofilter() -> None:
    diff = two_hunks()
    assert not diff.in_scope("other.py", 1, None, FilterMode.FILE)
    assert diff.in_scope("other.py", 1, None, FilterMode.NOFILTER)


def test_range_touching_an_added_line_is_in_scope() -> None:
    assert two_hunks().in_scope("m.py", 19, 21, FilterMode.ADDED)


def test_anchor_only_where_github_accepts_comments() -> None:
    diff = two_hunks()
    assert diff.anchor("m.py", 2, None) == (2, None)
    assert diff.anchor("m.py", 3, None) == (3, None)  # context line: accepted
    assert diff.anchor("m.py", 10, None) is None  # between hunks: would be a 422
    assert diff.anchor("m.py", 20, 23) == (23, 20)  # whole range in one hunk
    assert diff.anchor("m.py", 3, 21) == (21, None)  # spans hunks: last added line
    assert diff.anchor("nope.py", 1, None) is None


def test_removed_and_binary_files_take_no_comments() -> None:
    diff = parse_unified_diff((FIXTURES / "diffs" / "delete_binary_add.diff").read_text())
    assert diff.anchor("gone.py", 1, None) is None
    assert diff.anchor("logo.png", 1, None) is None
    assert not diff.in_scope("gone.py", 1, None, FilterMode.FILE)


def test_pull_files_from_github_api() -> None:
    diff = from_pull_files([
        PullFile("a.py", "modified", "@@ -1,2 +1,3 @@\n x\n+y\n z", changes=1),
        PullFile("img.png", "added", None, changes=0),
        PullFile("huge.py", "modified", None, changes=50000),
        PullFile("new/b.py", "renamed", None, previous_filename="old/b.py", changes=0),
        PullFile("gone.py", "removed", "@@ -1 +0,0 @@\n-x", changes=1),
    ])
    assert diff.files["a.py"].added_lines == {2}
    assert diff.files["a.py"].commentable_lines == {1, 2, 3}
    assert diff.files["img.png"].is_binary
    assert diff.files["huge.py"].too_large and not diff.files["huge.py"].is_binary
    assert not diff.files["new/b.py"].is_binary and diff.files["new/b.py"].old_path == "old/b.py"
    assert diff.files["gone.py"].status.value == "removed"


def test_garbage_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not a unified diff"):
        parse_unified_diff("--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n x\n")
