"""Run a linter as a subprocess: a clean environment, a timeout, and nothing from the PR run.

The environment is built from scratch so no secret (App key, LLM key) reaches a linter.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ToolError


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


async def run_tool(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    ok_codes: Sequence[int],
) -> ToolOutput:
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError as exc:
        proc.kill()
        await proc.wait()
        raise ToolError(f"{Path(argv[0]).name} timed out after {timeout:.0f} s") from exc
    except asyncio.CancelledError:
        proc.kill()
        await proc.wait()
        raise
    code = proc.returncode if proc.returncode is not None else -1
    if code not in ok_codes:
        tail = err.decode(errors="replace").strip().splitlines()[-3:]
        raise ToolError(f"{Path(argv[0]).name} exited with {code}: {' | '.join(tail)}")
    return ToolOutput(code, out.decode(errors="replace"), err.decode(errors="replace"),
                      time.perf_counter() - started)
