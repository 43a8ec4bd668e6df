"""The App as an operator runs it: `reviewbot serve` (a real process, its own composition
root, App key from a file) against FakeGitHub served over HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.demo import build_demo_repo
from tests.conftest import SECRET
from tests.fakegithub import FakeGitHub
from tests.github_world import APP_ID, REPO, load_repo_into, make_world, pr_event
from tests.test_serve_e2e import free_port

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "reviewbot"


@pytest.fixture
def served_fake(sqlite_engine, tmp_path: Path) -> Iterator[tuple[FakeGitHub, str, str, str]]:  # type: ignore[no-untyped-def]
    world = make_world(sqlite_engine)  # only for its FakeGitHub and App key
    pem = world.private_key
    repo = tmp_path / "demo"
    base, head = build_demo_repo(repo)
    load_repo_into(world.fake, repo, base, head)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(world.fake.app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield world.fake, f"http://127.0.0.1:{port}", pem, head
    server.should_exit = True
    thread.join(10)


def test_serve_reviews_a_replayed_pull_request(served_fake, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake, api_url, pem, head = served_fake
    key = tmp_path / "app.pem"
    key.write_text(pem)
    port = free_port()
    env = {**os.environ, "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_APP_ID": str(APP_ID),
           "GITHUB_PRIVATE_KEY_PATH": str(key), "GITHUB_API_URL": api_url,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "REVIEWBOT_POLL_SECONDS": "0.05",
           "REVIEWBOT_APP_SLUG": "reviewbot"}
    server = subprocess.Popen([str(BIN), "serve", "--port", str(port), "--workers", "1"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        payload = tmp_path / "pr.json"
        payload.write_bytes(pr_event(7, head))
        sent = subprocess.run([str(BIN), "replay", str(payload), "--event", "pull_request",
                               "--url", f"{url}/api/github/webhooks"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert sent.stdout.startswith("202"), sent.stdout + sent.stderr
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any(
                r["status"] == "completed" for r in fake.check_runs.values()):
            time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    assert len(fake.reviews[(REPO, 7)]) == 1, err
    assert len(fake.check_runs) == 1
    assert len(fake.review_comments[(REPO, 7)]) == 7
    assert fake.refused == []
    assert pem.splitlines()[1] not in err  # the App key never reaches the logs
