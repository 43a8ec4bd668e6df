"""`reviewbot review` inputs from a local git range or a patch file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from bot.diffmap import DiffMap, parse_unified_diff
from bot.errors import ConfigError
from bot.repo_config import CONFIG_PATH, LoadedConfig, RepoConfig, parse_repo_config
from bot.review import ReviewRequest, files_to_fetch
from checks.linter_settings import LINTER_CONFIG_FILES

GIT_TIMEOUT = 120


def _run_git(repo: Path, args: tuple[str, ...]) -> subprocess.CompletedProcess[bytes]:
    exe = shutil.which("git")
    if exe is None:
        raise ConfigError("git is not installed")
    try:
        return subprocess.run(  # noqa: S603 - fixed argv, no shell
            [exe, "-C", str(repo), *args], capture_output=True, timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"git {' '.join(args)} failed: {exc}") from exc


def git(repo: Path, *args: str) -> bytes:
    proc = _run_git(repo, args)
    if proc.returncode != 0:
        raise ConfigError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def show(repo: Path, ref: str, path: str) -> bytes | None:
    """A file's content at `ref`, or None when it does not exist there."""
    proc = _run_git(repo, ("show", f"{ref}:{path}"))
    return proc.stdout if proc.returncode == 0 else None


def resolve(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()


def _config_at(repo: Path, ref: str) -> LoadedConfig:
    return parse_repo_config(
        (show(repo, ref, CONFIG_PATH) or b"").decode("utf-8", errors="replace") or None
    )


def request_from_git(repo: Path, base: str, head: str) -> ReviewRequest:
    """Like a PR: the diff from the merge base; settings from the base (a change cannot turn
    its own review off); contents at head."""
    base_sha, head_sha = resolve(repo, base), resolve(repo, head)
    text = git(repo, "diff", "--no-color", "--no-ext-diff", "-M", f"{base_sha}...{head_sha}")
    diff = parse_unified_diff(text.decode("utf-8", errors="replace"))
    loaded = _config_at(repo, base_sha)
    special = special_entries(repo, head_sha)
    contents = {p: show(repo, head_sha, p) for p in files_to_fetch(diff, loaded.config)
                if p not in special}
    linter = {n: c for n in LINTER_CONFIG_FILES if (c := show(repo, base_sha, n)) is not None}
    return ReviewRequest(base=base_sha, head=head_sha, diff=diff, contents=contents,
                         config=loaded, linter_configs=linter, unreviewable=special)


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
    cfg_file = repo / CONFIG_PATH
    loaded = parse_repo_config(cfg_file.read_text() if cfg_file.is_file() else None) \
        if repo.is_dir() else LoadedConfig(RepoConfig())
    contents: dict[str, bytes | None] = {}
    for p in files_to_fetch(diff, loaded.config):
        f = repo / p
        contents[p] = f.read_bytes() if f.is_file() and not f.is_symlink() else None
    # The working tree holds the patch's result: a configuration file the patch changes is
    # the change's own, reviewed but not obeyed (as on GitHub).
    linter = {n: (repo / n).read_bytes() for n in LINTER_CONFIG_FILES
              if (repo / n).is_file() and n not in diff.files}
    return ReviewRequest(base="(patch)", head=patch.name, diff=diff, contents=contents,
                         config=loaded, linter_configs=linter)
