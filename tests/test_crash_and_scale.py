"""Real worker processes: SIGKILL mid-job on SQLite and PostgreSQL; 500 jobs over two
processes on PostgreSQL, each run exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.jobs.queue import DONE, JobQueue
from bot.jobs.routing import JobSpec
from bot.store.tables import jobs
from tests.helpers.run_worker import test_runs

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def spawn(url: str, name: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.run_worker", "--url", url, "--name", name, *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def runs(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("test_runs"):
            return []
        rows = conn.execute(sa.text("SELECT job_id, event, worker FROM test_runs ORDER BY id"))
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _crash_recovery(engine: Engine, url: str) -> None:
    test_runs.create(engine, checkfirst=True)
    job_id = JobQueue(engine).enqueue(JobSpec("test.record", args={"hang_first": True}))
    victim = spawn(url, "victim", "--lease", "1")
    try:
        wait_for(lambda: any(e == "start" for _, e, _ in runs(engine)), 30, "the job to start")
        victim.send_signal(signal.SIGKILL)
    finally:
        if victim.poll() is None:
            victim.kill()
        victim.communicate(timeout=10)
    assert victim.returncode == -signal.SIGKILL
    rescuer = spawn(url, "rescuer", "--lease", "1", "--exit-when-idle", "0.5")
    try:
        _, err = rescuer.communicate(timeout=60)
    finally:
        if rescuer.poll() is None:
            rescuer.kill()
            rescuer.communicate()
    assert rescuer.returncode == 0, err
    events = runs(engine)
    assert [(e, w) for _, e, w in events] == [
        ("start", "victim"), ("start", "rescuer"), ("end", "rescuer")
    ]
    with engine.connect() as conn:
        row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).one()
    assert row.state == DONE and row.attempts == 2


def test_sigkilled_worker_job_completes_once_on_sqlite(sqlite_engine: Engine,
                                                        sqlite_url: str) -> None:
    _crash_recovery(sqlite_engine, sqlite_url)


@pytest.mark.postgres
def test_sigkilled_worker_job_completes_once_on_postgres(pg_engine: Engine,
                                                          pg_url: str) -> None:
    _crash_recovery(pg_engine, pg_url)


@pytest.mark.postgres
def test_two_worker_processes_drain_500_jobs_exactly_once(pg_engine: Engine,
                                                          pg_url: str) -> None:
    test_runs.create(pg_engine, checkfirst=True)  # before two processes race to create it
    queue = JobQueue(pg_engine)
    with pg_engine.begin() as conn:
        ids = queue.enqueue_in(conn, [JobSpec("test.record", args={"sleep": 0.002})] * 500)
    procs = [spawn(pg_url, f"w{i}", "--concurrency", "4", "--exit-when-idle", "1")
             for i in range(2)]
    try:
        for p in procs:
            _, err = p.communicate(timeout=240)
            assert p.returncode == 0, err
    finally:
        for p in procs:
            if p.poll() is None:  # never leave a worker behind when a check fails
                p.kill()
                p.communicate()
    events = runs(pg_engine)
    ends = [job for job, e, _ in events if e == "end"]
    starts = [job for job, e, _ in events if e == "start"]
    assert sorted(ends) == sorted(ids) and sorted(starts) == sorted(ids)  # each exactly once
    assert {w.split("-")[0] for _, _, w in events} == {"w0", "w1"}  # both processes worked
    assert queue.counts()[DONE] == 500
