"""Run a linter as a subprocess: a clean environment, a timeout, and nothing from the PR run.

The environment is built from scratch so no secret (App key, LLM key) reaches a linter.
Each linter starts in its own session (process group) and the whole group is killed on
timeout, cancellation or exit: semgrep's `semgrep-core` otherwise outlives its parent.
A tool's raw stderr never leaves this module except into the server log: the error the
review shows is the tool's name, its exit status and a reason from a fixed list.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ToolError

log = logging.getLogger(__name__)
KILL_GRACE_SECONDS = 2.0
STDERR_LOG_CHARS = 2000


@dataclass(frozen=True)
class ToolOutput:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def find_executable(name: str) -> str:
    """Prefer the linter installed beside this interpreter (the venv), then PATH."""
    here = Path(sys.executable).parent
    found = shutil.which(name, path=os.pathsep.join([str(here), os.environ.get("PATH", "")]))
    if found is None:
        raise ToolError(f"{name} is not installed (pip install reviewbot brings it)")
    return found


def clean_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUTF8": "1",
        "NO_COLOR": "1",
    }
    env.update(extra or {})
    return env


async def kill_group(proc: asyncio.subprocess.Process, grace: float = KILL_GRACE_SECONDS) -> None:
    """SIGTERM the process group, SIGKILL it after `grace`, and reap the leader. The group
    id outlives its leader while any member lives, so stragglers are reached too."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    await proc.wait()
    # Drain and close the pipes (the writers are dead, so this returns at once).
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.communicate(), grace)


def _reap_stragglers(pid: int) -> None:
    """After a normal exit: children the tool left behind (none should) are killed."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


@dataclass(frozen=True)
class Exits:
    """A tool's exit statuses: those that mean it ran (findings or none), and what the
    others mean (said in the review's "Not every tool ran"; the rest is "internal error")."""

    ok: Sequence[int]
    reasons: Mapping[int, str] | None = None


async def run_tool(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    exits: Exits,
    stdin: bytes | None = None,
) -> ToolOutput:
    name = Path(argv[0]).name
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL if stdin is None else asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    except TimeoutError as exc:
        await kill_group(proc)
        raise ToolError(f"{name} timed out after {timeout:.0f} s") from exc
    except asyncio.CancelledError:
        await kill_group(proc)
        raise
    _reap_stragglers(proc.pid)
    code = proc.returncode if proc.returncode is not None else -1
    stderr = err.decode(errors="replace")
    if code not in exits.ok:
        # The detail (which may quote a configuration file) goes to the server log only.
        log.warning("linter failed", extra={"tool": name, "status": code,
                                            "stderr": stderr[-STDERR_LOG_CHARS:]})
        reason = (exits.reasons or {}).get(code, "internal error")
        raise ToolError(f"{name} exited with status {code} ({reason}; details in the "
                        "server log)", exit_status=code)
    return ToolOutput(code, out.decode(errors="replace"), stderr,
                      time.perf_counter() - started)
