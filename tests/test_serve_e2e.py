"""The real `reviewbot serve` process, fed by `reviewbot replay`, as an operator runs it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from bot.store.engine import create_engine
from bot.store.tables import deliveries, installations, jobs
from tests.conftest import FIXTURES, SECRET

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "reviewbot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=60)


def test_serve_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_WEBHOOK_SECRET"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    result = cli("serve", "--port", str(free_port()), env=env)
    assert result.returncode == 2
    assert "GITHUB_WEBHOOK_SECRET is not set" in result.stderr


def test_replayed_deliveries_land_as_jobs_and_run(tmp_path: Path) -> None:
    port = free_port()
    db_url = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {**os.environ, "GITHUB_WEBHOOK_SECRET": SECRET, "DATABASE_URL": db_url,
           "REVIEWBOT_POLL_SECONDS": "0.05"}
    server = subprocess.Popen([str(BIN), "serve", "--port", str(port), "--workers", "1"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/api/github/webhooks"
        payload = FIXTURES / "webhooks" / "installation.created" / "payload.json"
        first = cli("replay", str(payload), "--event", "installation", "--url", url,
                    "--delivery", "e2e-1", env=env)
        again = cli("replay", str(payload), "--event", "installation", "--url", url,
                    "--delivery", "e2e-1", env=env)
        assert first.returncode == 0, first.stderr
        assert first.stdout.startswith("202") and '"duplicate":false' in first.stdout
        assert '"duplicate":true' in again.stdout
        wrong = cli("replay", str(payload), "--event", "installation", "--url", url,
                    env={**env, "GITHUB_WEBHOOK_SECRET": "not the secret"})
        assert wrong.returncode == 1 and wrong.stdout.startswith("401")

        engine = create_engine(db_url)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                state = conn.execute(sa.select(jobs.c.state)).scalar()
            if state == "done":
                break
            time.sleep(0.1)
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(deliveries)).scalar() == 1
            assert conn.execute(sa.select(sa.func.count()).select_from(jobs)).scalar() == 1
            assert conn.execute(sa.select(jobs.c.state)).scalar() == "done"
            assert conn.execute(sa.select(installations.c.id)).scalar() == 957387
        engine.dispose()
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    # uvicorn re-raises the signal once shutdown has completed.
    assert server.returncode in (0, -signal.SIGTERM), err
    assert "Application shutdown complete." in err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    accepted = [e for e in lines if e["msg"] == "delivery accepted"]
    assert accepted and accepted[0]["delivery_id"] == "e2e-1"
    assert any(e.get("job_id") for e in lines if e["msg"] == "job done")
    assert SECRET not in err


@pytest.mark.postgres
def test_db_upgrade_and_worker_cli_on_postgres(pg_url: str) -> None:
    from bot.core.delivery import parse_delivery
    from bot.handlers.table import build_router
    from bot.jobs.queue import JobQueue
    from bot.web.intake import record_delivery

    env = {**os.environ, "DATABASE_URL": pg_url, "REVIEWBOT_POLL_SECONDS": "0.05"}
    upgraded = cli("db", "upgrade", env=env)
    assert upgraded.returncode == 0 and upgraded.stdout.strip() == "0012", upgraded.stderr
    engine = create_engine(pg_url)
    body = (FIXTURES / "webhooks" / "installation.created" / "payload.json").read_bytes()
    delivery = parse_delivery({"x-github-event": "installation", "x-github-delivery": "w-1"},
                              body)
    record_delivery(engine, JobQueue(engine), delivery, outcome="queued",
                    specs=build_router().plan(delivery))
    worker = subprocess.Popen([str(BIN), "worker", "--concurrency", "2"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if JobQueue(engine).counts()["done"] == 1:
                break
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert '"msg": "worker stopped"' in err
    with engine.connect() as conn:
        assert conn.execute(sa.select(installations.c.id)).scalar() == 957387
    engine.dispose()


def test_settings_errors_never_echo_a_value(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    key.write_text("x")
    env = {**os.environ, "GITHUB_WEBHOOK_SECRET": "hook-secret-value-123",
           "OPENAI_API_KEY": "sk-test-abcdefghijklmnopqrstuvwxyz",
           "GITHUB_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretline\n",
           "GITHUB_PRIVATE_KEY_PATH": str(key)}
    both_keys = cli("serve", env=env)
    bad_number = cli("serve", env={**env, "REVIEWBOT_JOB_DEADLINE": "soon"})
    assert both_keys.returncode == bad_number.returncode == 2
    assert "not both" in both_keys.stderr
    assert "REVIEWBOT_JOB_DEADLINE" in bad_number.stderr
    for result in (both_keys, bad_number):
        for value in ("hook-secret", "sk-test", "MIIE", "abcdefghij", "soon"):
            assert value not in result.stderr + result.stdout
