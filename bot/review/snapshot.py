"""The changed files at the head SHA, written into a temp dir for the linters to read.

Nothing is imported or executed from it. Paths come from the PR, so each is validated: no
absolute paths, no `..`, nothing that resolves outside the directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from bot.core.inert import has_control_characters
from bot.errors import ReviewbotError

MAX_FILE_BYTES = 1_000_000


class UnsafePath(ReviewbotError):
    pass


def safe_relpath(path: str) -> str:
    if not path or "\0" in path or "\\" in path or has_control_characters(path):
        # A control or invisible character (a newline, a bidi override) could not be
        # shown faithfully and could break out of a prompt's or a comment's markup.
        raise UnsafePath(f"refusing path {path!r}")
    p = PurePosixPath(path)
    if p.is_absolute() or any(part in ("..", "") for part in p.parts) or str(p) == ".":
        raise UnsafePath(f"refusing path {path!r}")
    return str(p)


def is_binary(content: bytes) -> bool:
    return b"\0" in content[:8000]


def write_snapshot(root: Path, files: Mapping[str, bytes]) -> list[str]:
    """Write files under `root`; returns the paths written (validated, relative)."""
    root = root.resolve()
    written = []
    for raw_path, content in files.items():
        rel = safe_relpath(raw_path)
        target = (root / rel).resolve()
        if root != target and root not in target.parents:
            raise UnsafePath(f"refusing path {raw_path!r}: escapes the snapshot")
        target.parent.mkdir(parents=True, exist_ok=True)
        # Never follow a link: a file is always written fresh.
        if target.is_symlink():
            raise UnsafePath(f"refusing path {raw_path!r}: is a link")
        target.write_bytes(content)
        written.append(rel)
    return written
