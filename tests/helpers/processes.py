"""Real processes for end-to-end tests: `reviewbot serve`, and FakeGitHub over HTTP."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette

BIN = Path(sys.executable).parent / "reviewbot"


def start_serve(port: int, env: dict[str, str], workers: int = 1) -> subprocess.Popen[str]:
    """`reviewbot serve` on 127.0.0.1:`port`, returned once /healthz answers."""
    proc = subprocess.Popen([str(BIN), "serve", "--port", str(port), "--workers", str(workers)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    return proc


@contextmanager
def served(app: Starlette, port: int) -> Iterator[str]:
    """An ASGI app (FakeGitHub) served over HTTP in a thread; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def replay_and_wait(port: int, payload: Path, env: dict[str, str],
                    done: Callable[[], bool], timeout: float = 120) -> None:
    """`reviewbot replay` one pull_request payload to the server, then wait until `done`."""
    sent = subprocess.run([str(BIN), "replay", str(payload), "--event", "pull_request",
                           "--url", f"http://127.0.0.1:{port}/api/github/webhooks"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert sent.stdout.startswith("202"), sent.stdout + sent.stderr
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not done():
        time.sleep(0.2)


def stop(proc: subprocess.Popen[str]) -> str:
    """SIGTERM, wait, and return what the process wrote to stderr."""
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    return err
