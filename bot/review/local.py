"""`reviewbot review` inputs from a local git range or a patch file."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bot.core.diffmap import DiffMap, PullFile, from_pull_files, parse_unified_diff
from bot.core.instructions import FOLDER, Instruction, instruction_paths, parse_instructions
from bot.core.repo_config import CONFIG_PATH, LoadedConfig, RepoConfig, parse_repo_config
from bot.errors import ConfigError
from bot.review.request import ReviewRequest, files_to_fetch
from bot.review.snapshot import MAX_FILE_BYTES, UnsafePath, safe_relpath
from checks.linters.settings import LINTER_CONFIG_FILES

GIT_TIMEOUT = 120


def _run_git(repo: Path, args: tuple[str, ...],
             stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    exe = shutil.which("git")
    if exe is None:
        raise ConfigError("git is not installed")
    try:
        return subprocess.run(  # noqa: S603 - fixed argv, no shell
            [exe, "-C", str(repo), *args], input=stdin, capture_output=True,
            timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"git {' '.join(args)} failed: {exc}") from exc


def git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    proc = _run_git(repo, args, stdin)
    if proc.returncode != 0:
        raise ConfigError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def show(repo: Path, ref: str, path: str, limit: int | None = None) -> bytes | None:
    """A file's content at `ref`, or None when it does not exist there (or, with `limit`,
    is larger: its size is asked first, so a huge file is never read)."""
    if limit is not None:
        size = _run_git(repo, ("cat-file", "-s", f"{ref}:{path}"))
        if size.returncode != 0 or int(size.stdout.strip() or 0) > limit:
            return None
    proc = _run_git(repo, ("show", f"{ref}:{path}"))
    return proc.stdout if proc.returncode == 0 else None


def resolve(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()


def instructions_at(repo: Path, ref: str) -> tuple[Instruction, ...]:
    """The maintainers' instructions as the base has them (a change cannot add its own)."""
    listed = _run_git(repo, ("ls-tree", "--name-only", f"{ref}:{FOLDER}"))
    names = listed.stdout.decode(errors="replace").splitlines() if listed.returncode == 0 \
        else []
    return parse_instructions({p: c for p in instruction_paths(names)
                               if (c := show(repo, ref, p, limit=MAX_FILE_BYTES)) is not None})


def _config_at(repo: Path, ref: str) -> LoadedConfig:
    return parse_repo_config(
        (show(repo, ref, CONFIG_PATH) or b"").decode("utf-8", errors="replace") or None
    )


def request_from_git(repo: Path, base: str, head: str) -> ReviewRequest:
    """Like a PR: the diff from the merge base; settings from the base (a change cannot turn
    its own review off); contents at head."""
    base_sha, head_sha = resolve(repo, base), resolve(repo, head)
    merge_base = git(repo, "merge-base", base_sha, head_sha).decode().strip()
    diff = DiffMap(from_pull_files(changed_files(repo, merge_base, head_sha)).files)
    loaded = _config_at(repo, base_sha)
    special = special_entries(repo, head_sha)
    contents = {p: show(repo, head_sha, p, limit=MAX_FILE_BYTES)
                for p in files_to_fetch(diff, loaded.config) if p not in special}
    linter = {n: c for n in LINTER_CONFIG_FILES if (c := show(repo, base_sha, n)) is not None}
    return ReviewRequest(base=base_sha, head=head_sha, diff=diff, contents=contents,
                         config=loaded, linter_configs=linter, unreviewable=special,
                         instructions=instructions_at(repo, base_sha))


@dataclass(frozen=True)
class RawChange:
    """One entry of `git diff --raw -z`: names exactly as stored (never quoted)."""

    status: str  # A, M, D, R, C, T
    path: str
    old_path: str | None
    new_blob: str


def parse_raw_z(data: bytes) -> list[RawChange]:
    """`:100644 100644 <old> <new> M\0path\0` (+ a second path for renames and copies)."""
    fields = data.split(b"\0")
    out: list[RawChange] = []
    i = 0
    while i < len(fields) and fields[i].startswith(b":"):
        meta = fields[i].decode().split()
        status = meta[4][0]
        if status in ("R", "C"):
            old, new = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old, new = fields[i + 1], fields[i + 1]
            i += 2
        out.append(RawChange(status, new.decode("utf-8", "surrogateescape"),
                             old.decode("utf-8", "surrogateescape") if status in ("R", "C")
                             else None, meta[3]))
    return out


def changed_files(repo: Path, base: str, head: str) -> list[PullFile]:
    """What GitHub's PR files API says of base..head, built from NUL-separated git output so
    that any file name (tabs, newlines, quotes, non-ASCII) survives. Files too large to
    review are never diffed, so their content is never held in memory."""
    changes = parse_raw_z(git(repo, "diff", "--raw", "-z", "-M", "--no-abbrev", base, head))
    sizes = blob_sizes(repo, [c.new_blob for c in changes if c.status != "D"])
    small = [c for c in changes if sizes.get(c.new_blob, 0) <= MAX_FILE_BYTES]
    patches = file_patches(repo, base, head, small)
    status_name = {"A": "added", "D": "removed", "R": "renamed", "C": "added"}
    out = []
    for change in changes:
        patch = patches.get(change.path)
        large = sizes.get(change.new_blob, 0) > MAX_FILE_BYTES
        binary = patch is not None and patch.binary
        hunks = None if (large or binary or patch is None) else patch.hunks
        out.append(PullFile(filename=change.path,
                            status=status_name.get(change.status, "modified"),
                            patch=hunks, previous_filename=change.old_path,
                            # GitHub's convention: no patch and no changes means binary
                            changes=0 if binary else (1 if large else patch.changes if patch
                                                      else 0)))
    return out


@dataclass(frozen=True)
class FilePatch:
    hunks: str  # from the first "@@" on, as GitHub's `patch` field
    changes: int
    binary: bool


def file_patches(repo: Path, base: str, head: str,
                 changes: list[RawChange]) -> dict[str, FilePatch]:
    """The patch of each change, by path. One `git diff` for all of them, split at its
    "diff --git" lines: git quotes names with newlines, so that line never occurs inside a
    name and every content line starts with a space, "+", "-" or "\\"."""
    if not changes:
        return {}
    chunks = _diff_chunks(repo, base, head, changes)
    if len(chunks) == len(changes):
        return {c.path: _file_patch(chunk) for c, chunk in zip(changes, chunks, strict=True)}
    # A change git prints as two patches (a file that became a symlink): one call each.
    return {c.path: _file_patch(_diff_chunks(repo, base, head, [c])[-1]) for c in changes}


def _diff_chunks(repo: Path, base: str, head: str, changes: list[RawChange]) -> list[str]:
    paths = sorted({p for c in changes for p in (c.path, c.old_path) if p is not None})
    text = git(repo, "diff", "--no-color", "--no-ext-diff", "-M", base, head, "--",
               *(f":(literal){p}" for p in paths)).decode("utf-8", errors="replace")
    return [c for c in re.split(r"^(?=diff --git )", text, flags=re.MULTILINE) if c] or [""]


def _file_patch(chunk: str) -> FilePatch:
    at = chunk.find("\n@@")
    hunks = chunk[at + 1:].rstrip("\n") if at >= 0 else ""
    changed = sum(1 for line in hunks.splitlines()
                  if line[:1] in "+-" and not line.startswith(("+++", "---")))
    binary = at < 0 and bool(re.search(r"^(Binary files |GIT binary patch)", chunk,
                                       flags=re.MULTILINE))
    return FilePatch(hunks, changed, binary)


def blob_sizes(repo: Path, blobs: list[str]) -> dict[str, int]:
    """Sizes of blobs by id, asked of git in one batch (nothing read)."""
    wanted = [b for b in dict.fromkeys(blobs) if b.strip("0")]
    if not wanted:
        return {}
    out = git(repo, "cat-file", "--batch-check=%(objectname) %(objectsize)",
              stdin="\n".join(wanted).encode())
    sizes = {}
    for line in out.decode().splitlines():
        name, _, size = line.partition(" ")
        if size.isdigit():
            sizes[name] = int(size)
    return sizes


def special_entries(repo: Path, ref: str) -> dict[str, str]:
    """Symlinks and submodules at `ref`: their "content" is a path or a commit, not code."""
    kinds = {"120000": "symlink", "160000": "submodule"}
    out = {}
    for row in git(repo, "ls-tree", "-r", "-z", ref).decode(errors="replace").split("\0"):
        meta, _, path = row.partition("\t")
        mode = meta.split(" ", 1)[0]
        if mode in kinds:
            out[path] = kinds[mode]
    return out


def inside(repo: Path, relpath: str) -> bytes | None:
    """A regular file's bytes when it really lies inside `repo`: no `..`, no symlink on the
    way (a symlinked folder could point anywhere on this machine), not too large."""
    try:
        safe = safe_relpath(relpath)
        root = repo.resolve()
        f = root / safe
        if f.resolve() != f or f.is_symlink() or not f.is_file():
            return None
        if f.stat().st_size > MAX_FILE_BYTES:
            return None
        return f.read_bytes()
    except (UnsafePath, OSError):
        return None


def request_from_patch(repo: Path, patch: Path) -> ReviewRequest:
    """A patch whose result is the working tree of `repo` (e.g. `git diff > x.patch`)."""
    try:
        text = patch.read_text(errors="replace")
    except OSError as exc:
        raise ConfigError(f"cannot read {patch}: {exc}") from exc
    try:
        diff: DiffMap = parse_unified_diff(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    # The working tree holds the patch's result: a configuration file the patch changes is
    # the change's own, reviewed but not obeyed (as on GitHub), reviewbot's own included.
    cfg = None if CONFIG_PATH in diff.files else inside(repo, CONFIG_PATH)
    loaded = parse_repo_config(cfg.decode("utf-8", "replace") if cfg is not None else None) \
        if repo.is_dir() else LoadedConfig(RepoConfig())
    contents: dict[str, bytes | None] = {
        p: inside(repo, p) for p in files_to_fetch(diff, loaded.config)}
    linter = {n: found for n in LINTER_CONFIG_FILES
              if n not in diff.files and (found := inside(repo, n)) is not None}
    return ReviewRequest(base="(patch)", head=patch.name, diff=diff, contents=contents,
                         config=loaded, linter_configs=linter)
