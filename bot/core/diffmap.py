"""Which lines of a change GitHub will accept comments on, and which findings to report.

Sans-I/O: built from unified diff text (a local `git diff`, or the per-file `patch` that
GitHub's PR files API returns). Filter modes follow reviewdog:

- `added`: findings on added or modified lines only (default);
- `diff_context`: findings on any line inside a hunk (added or context);
- `file`: findings anywhere in a changed file;
- `nofilter`: every finding, changed file or not.

Independently of the mode, a finding becomes an inline comment only where GitHub accepts one
(a RIGHT-side line inside a hunk); everything else goes to the review body and the check run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

MAX_PATCH_LINES = 20000  # a file's patch past this is treated as too large to map


class FilterMode(StrEnum):
    ADDED = "added"
    DIFF_CONTEXT = "diff_context"
    FILE = "file"
    NOFILTER = "nofilter"


class FileStatus(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    REMOVED = "removed"
    RENAMED = "renamed"


@dataclass(frozen=True)
class FileDiff:
    path: str  # path at head
    status: FileStatus
    old_path: str | None = None
    added_lines: frozenset[int] = frozenset()
    # RIGHT-side lines GitHub accepts comments on: added and context lines inside hunks.
    commentable_lines: frozenset[int] = frozenset()
    hunks: tuple[tuple[int, int], ...] = ()  # (first, last) RIGHT-side line of each hunk
    is_binary: bool = False
    too_large: bool = False
    # The added lines' text and the removed lines' text (stripped): what moved unchanged.
    added_text: tuple[tuple[int, str], ...] = ()
    removed_text: frozenset[str] = frozenset()
    removed_count: int = 0  # removed lines (removed_text is a set of their texts)
    headings: tuple[str, ...] = ()  # the hunks' section headers (`@@ ... @@ def foo():`)

    def hunk_of(self, line: int) -> int | None:
        for index, (first, last) in enumerate(self.hunks):
            if first <= line <= last:
                return index
        return None


@dataclass(frozen=True)
class DiffMap:
    files: Mapping[str, FileDiff] = field(default_factory=dict)

    def get(self, path: str) -> FileDiff | None:
        return self.files.get(path)

    def in_scope(self, path: str, line: int, end_line: int | None, mode: FilterMode) -> bool:
        """Whether a finding at these lines is reported at all under `mode`."""
        if mode is FilterMode.NOFILTER:
            return True
        f = self.files.get(path)
        if f is None or f.status is FileStatus.REMOVED:
            return False
        if mode is FilterMode.FILE:
            return True
        lines = range(line, max(line, end_line or line) + 1)
        pool = f.added_lines if mode is FilterMode.ADDED else f.commentable_lines
        return any(n in pool for n in lines)

    def anchor(self, path: str, line: int, end_line: int | None) -> tuple[int, int | None] | None:
        """Where an inline comment can go for a finding: (line, start_line or None), or None
        when GitHub would refuse it. Prefers the whole range within one hunk, else the last
        added line of the range, else any commentable line of it."""
        f = self.files.get(path)
        if f is None or f.status is FileStatus.REMOVED:
            return None
        last = max(line, end_line or line)
        lines = range(line, last + 1)
        if line in f.commentable_lines and last in f.commentable_lines and last > line:
            hunk = f.hunk_of(line)
            if hunk is not None and hunk == f.hunk_of(last):
                return (last, line)
        for candidates in (
            [n for n in reversed(lines) if n in f.added_lines],
            [n for n in reversed(lines) if n in f.commentable_lines],
        ):
            if candidates:
                return (candidates[0], None)
        return None


def _file_diff_from_patched(pf: object) -> FileDiff:
    from unidiff.patch import PatchedFile

    assert isinstance(pf, PatchedFile)
    path = _strip_prefix(pf.target_file) if not pf.is_removed_file else _strip_prefix(
        pf.source_file
    )
    old = _strip_prefix(pf.source_file)
    if pf.is_added_file:
        status = FileStatus.ADDED
    elif pf.is_removed_file:
        status = FileStatus.REMOVED
    elif pf.is_rename or (old and old != path):
        status = FileStatus.RENAMED
    else:
        status = FileStatus.MODIFIED
    added: set[int] = set()
    commentable: set[int] = set()
    hunks: list[tuple[int, int]] = []
    added_text: list[tuple[int, str]] = []
    removed_text: set[str] = set()
    removed_count = 0
    headings: list[str] = []
    total = 0
    for hunk in pf:
        total += len(hunk)
        if hunk.target_length:
            hunks.append((hunk.target_start, hunk.target_start + hunk.target_length - 1))
        if hunk.section_header and hunk.section_header.strip() not in headings:
            headings.append(hunk.section_header.strip()[:200])
        for ln in hunk:
            if ln.is_removed:
                removed_text.add(ln.value.strip())
                removed_count += 1
            if ln.target_line_no is None:
                continue
            commentable.add(ln.target_line_no)
            if ln.is_added:
                added.add(ln.target_line_no)
                added_text.append((ln.target_line_no, ln.value.strip()))
    return FileDiff(
        path=path,
        status=status,
        old_path=old if status is FileStatus.RENAMED else None,
        added_lines=frozenset(added),
        commentable_lines=frozenset(commentable),
        hunks=tuple(hunks),
        is_binary=bool(pf.is_binary_file),
        too_large=total > MAX_PATCH_LINES,
        added_text=tuple(added_text),
        removed_text=frozenset(removed_text),
        removed_count=removed_count,
        headings=tuple(headings),
    )


def _strip_prefix(name: str | None) -> str:
    if not name or name == "/dev/null":
        return ""
    for prefix in ("a/", "b/"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def parse_unified_diff(text: str) -> DiffMap:
    """A whole `git diff` (several files)."""
    try:
        patch = PatchSet(text)
    except UnidiffParseError as exc:
        raise ValueError(f"not a unified diff: {exc}") from exc
    files = [_file_diff_from_patched(pf) for pf in patch]
    return DiffMap({f.path: f for f in files})


@dataclass(frozen=True)
class PullFile:
    """One entry of GitHub's `GET /pulls/{n}/files` (only what the map needs)."""

    filename: str
    status: str  # added, removed, modified, renamed, copied, changed, unchanged
    patch: str | None
    previous_filename: str | None = None
    changes: int = 0


def from_pull_files(files: Iterable[PullFile]) -> DiffMap:
    """GitHub omits `patch` for binary files and for diffs too large to show."""
    out: dict[str, FileDiff] = {}
    for pf in files:
        status = {
            "added": FileStatus.ADDED,
            "removed": FileStatus.REMOVED,
            "renamed": FileStatus.RENAMED,
        }.get(pf.status, FileStatus.MODIFIED)
        if pf.patch is None:
            # No patch: binary (no line changes) or too large for GitHub to render; a pure
            # rename has neither.
            binary = pf.changes == 0 and status is not FileStatus.RENAMED
            out[pf.filename] = FileDiff(
                path=pf.filename, status=status, old_path=pf.previous_filename,
                is_binary=binary, too_large=not binary,
            )
            continue
        # Only the hunks are read; fixed names keep a name with a tab or a newline in it
        # from breaking the header lines.
        src = "/dev/null" if status is FileStatus.ADDED else "a/file"
        dst = "/dev/null" if status is FileStatus.REMOVED else "b/file"
        text = f"--- {src}\n+++ {dst}\n{pf.patch}\n"
        parsed = parse_unified_diff(text).files
        fd = next(iter(parsed.values()), None)
        if fd is None:
            out[pf.filename] = FileDiff(path=pf.filename, status=status)
            continue
        out[pf.filename] = FileDiff(
            path=pf.filename,
            status=status,
            old_path=pf.previous_filename,
            added_lines=fd.added_lines,
            commentable_lines=fd.commentable_lines,
            hunks=fd.hunks,
            too_large=fd.too_large,
            added_text=fd.added_text,
            removed_text=fd.removed_text,
            removed_count=fd.removed_count,
            headings=fd.headings,
        )
    return DiffMap(out)


MOVED_RUN = 3  # consecutive lines: a block, not a common line such as `return None`


def moved_lines(diff: DiffMap) -> dict[str, frozenset[int]]:
    """Per file, the added lines that only moved: their text was removed elsewhere in the
    same change (a block cut in one place and pasted in another, a file moved by delete and
    add), in runs of at least MOVED_RUN lines. Nothing on them is new."""
    removed = frozenset().union(*(f.removed_text for f in diff.files.values()))
    out: dict[str, frozenset[int]] = {}
    for path, f in diff.files.items():
        run: list[int] = []
        moved: set[int] = set()
        for number, text in [*f.added_text, (-1, "")]:
            same = bool(text) and text in removed and (not run or number == run[-1] + 1)
            if same:
                run.append(number)
                continue
            if len(run) >= MOVED_RUN:
                moved |= set(run)
            run = [number] if text and text in removed else []
        if moved:
            out[path] = frozenset(moved)
    return out
