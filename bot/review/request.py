"""What a review is asked to look at, and which changed files it can read (pure): the
change, the head content of the files worth fetching, the settings from the default branch,
what was posted before and what people decided. Built from GitHub (remote.py) or from a
local git range or patch (local.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.diffmap import DiffMap, FileDiff, FileStatus
from bot.core.instructions import Instruction
from bot.core.repo_config import LoadedConfig, RepoConfig, is_code
from bot.review.aggregate.select import Decisions
from bot.review.snapshot import MAX_FILE_BYTES, UnsafePath, is_binary, safe_relpath
from checks.linters.kinds import is_dockerfile, is_workflow


@dataclass(frozen=True)
class ReviewRequest:
    base: str
    head: str
    diff: DiffMap
    contents: Mapping[str, bytes | None]  # head content of the files to review
    config: LoadedConfig = field(default_factory=lambda: LoadedConfig(RepoConfig()))
    # The linters' configuration files from the default branch (never the PR's).
    linter_configs: Mapping[str, bytes] = field(default_factory=dict)
    already_posted: frozenset[str] = frozenset()
    # What people with write access dismissed (no longer inline nor failing the check, still
    # annotated), and the rules this repository's feedback keeps rejecting.
    decisions: Decisions = field(default_factory=Decisions)
    # Paths known not to be reviewable whatever their content (symlinks, submodules).
    unreviewable: Mapping[str, str] = field(default_factory=dict)
    # The maintainers' instructions to reviewers, from the default branch (never the PR's).
    instructions: tuple[Instruction, ...] = ()


def _diff_problem(path: str, f: FileDiff, config: RepoConfig) -> str | None:
    """Why a changed file is not reviewed, judged from the diff and settings alone."""
    try:
        safe_relpath(path)
    except UnsafePath:
        return "unsafe path"
    if f.status is FileStatus.REMOVED:
        return "deleted"
    if (ignore := config.ignore_reason(path)) is not None:
        return ignore
    if f.is_binary:
        return "binary"
    if f.too_large:
        return "diff too large"
    return None


def review_order(diff: DiffMap) -> list[str]:
    """The order the file budget is spent in: code first, then what runs code (workflows,
    action definitions, Dockerfiles), then the rest; within each, the files with the most
    added lines, then by path (pure; deterministic)."""
    def key(path: str) -> tuple[int, int, str]:
        f = diff.files[path]
        return (_priority(path), -len(f.added_lines), path)
    return sorted(diff.files, key=key)


def _priority(path: str) -> int:
    if is_code(path):
        return 0
    return 1 if is_workflow(path) or is_dockerfile(path) else 2


def files_to_fetch(diff: DiffMap, config: RepoConfig) -> list[str]:
    """The changed files whose head content the review needs, at most `max_files` (pure)."""
    return [
        path for path in review_order(diff)
        if _diff_problem(path, diff.files[path], config) is None
    ][: config.max_files]


def split_reviewable(
    diff: DiffMap, config: RepoConfig, contents: Mapping[str, bytes | None],
    unreviewable: Mapping[str, str] | None = None,
) -> tuple[dict[str, bytes], list[tuple[str, str]]]:
    """Split the changed files into reviewable ones and skipped ones with a reason (pure)."""
    reviewable: dict[str, bytes] = {}
    skipped: list[tuple[str, str]] = []
    eligible = 0
    for path in review_order(diff):
        f = diff.files[path]
        content = contents.get(path)
        reason = (unreviewable or {}).get(path) or _diff_problem(path, f, config)
        if reason is None:
            eligible += 1
            reason = _content_problem(path, content, eligible, config.max_files)
        if reason is None and content is not None:
            reviewable[path] = content
        else:
            skipped.append((path, reason or "unknown"))
    return reviewable, sorted(skipped)


def _content_problem(path: str, content: bytes | None, rank: int, limit: int) -> str | None:
    if rank > limit:
        return f"over the {limit}-file limit"
    if content is None:
        return "content unavailable"
    if len(content) > MAX_FILE_BYTES:
        return "file too large"
    if is_binary(content):
        return "binary"
    try:
        safe_relpath(path)
    except UnsafePath:
        return "unsafe path"
    return None
