"""The real `reviewbot serve` process against raw-socket clients that stall, trickle or flood:
each is cut off in time, bounded in memory and in log lines, and good deliveries still land."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.web.replay import github_headers
from tests.conftest import SECRET, payload_bytes
from tests.helpers.processes import start_serve
from tests.test_serve_e2e import free_port

pytestmark = pytest.mark.slow
PATH = "/api/github/webhooks"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    port = free_port()
    env = {**os.environ, "GITHUB_WEBHOOK_SECRET": SECRET,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
           "REVIEWBOT_HEADER_TIMEOUT": "1", "REVIEWBOT_BODY_TIMEOUT": "2",
           "REVIEWBOT_MAX_BODIES": "2"}
    proc = start_serve(port, env, workers=0)
    yield port, proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.settimeout(10)
    return sock


def read_until_closed(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and how long that took."""
    started, data = time.monotonic(), b""
    with sock:
        while chunk := sock.recv(4096):
            data += chunk
    return data, time.monotonic() - started


def stalled_body(port: int, declared: int = 1_000_000) -> socket.socket:
    sock = connect(port)
    sock.sendall(f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 f"X-GitHub-Event: push\r\nX-GitHub-Delivery: s-1\r\n"
                 f"Content-Length: {declared}\r\n\r\n{{\"a\": ".encode())
    return sock


def test_silent_and_trickling_clients_are_cut_off(
        server: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = server
    silent, partial, stalled = connect(port), connect(port), stalled_body(port)
    partial.sendall(f"POST {PATH} HTTP/1.1\r\nHost: x\r\n".encode())
    data, took = read_until_closed(silent)
    assert data == b"" and took < 5  # no request line within the header deadline
    data, took = read_until_closed(partial)
    assert data == b"" and took < 5  # headers never finished
    data, took = read_until_closed(stalled)
    assert data.startswith(b"HTTP/1.1 408") and took < 8  # the body never finished


def test_bodies_in_flight_are_capped_and_good_deliveries_still_land(
        server: tuple[int, subprocess.Popen[str]]) -> None:
    port, proc = server
    held = [stalled_body(port), stalled_body(port)]
    time.sleep(0.3)
    third = stalled_body(port, declared=10)
    data, _ = read_until_closed(third)
    assert data.startswith(b"HTTP/1.1 503")
    for sock in held:
        assert read_until_closed(sock)[0].startswith(b"HTTP/1.1 408")

    body = payload_bytes("ping.default")
    ok = httpx.post(f"http://127.0.0.1:{port}{PATH}", content=body, timeout=10,
                    headers=github_headers(SECRET.encode(), body, "ping", "good-1"))
    assert ok.status_code == 202

    with httpx.Client(timeout=10) as client:  # a flood of unsigned requests: barely logged
        for i in range(200):
            client.post(f"http://127.0.0.1:{port}{PATH}", content=b"{}",
                        headers={"X-GitHub-Event": "push", "X-GitHub-Delivery": f"f-{i}"})
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert err.count('"delivery rejected"') <= 12, err[-2000:]
    assert "Traceback" not in err and '"level": "error"' not in err
