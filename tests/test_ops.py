"""The operator's page: off unless configured, behind a constant-time password or token
check with failed logins limited and counted, the seeded store's figures on it (every text
escaped), the one write (retry a dead job) refused without the page's CSRF token, its
cookie and a same-origin request; and the page rendered by a real headless Chromium."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.handlers.table import build_router
from bot.web.app import create_app
from bot.web.ops import guard
from bot.web.ops.charts import bar_chart
from bot.web.ops.data import deliveries, jobs, llm_calls, review_runs
from tests.conftest import make_settings
from tests.helpers.processes import served
from tests.test_serve_e2e import free_port

PASSWORD = "ops-password-0123456789"
TOKEN = "ops-token-abcdefghijklmnop"
HOSTILE = "<script>alert(1)</script>"


def basic(password: str, user: str = "ops") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def seed(engine: Engine, now: float) -> None:
    """A few reviews, model calls, deliveries, done jobs and one dead job."""
    with engine.begin() as conn:
        conn.execute(deliveries.insert(), [
            {"delivery_id": f"d-{i}", "event": "pull_request", "action": "opened",
             "repository": f"octo/{HOSTILE}" if i == 0 else "octo/demo", "sender": "u",
             "outcome": "queued", "received_at": now - i * 60,
             "payload": '{"secret": "PAYLOAD-NEVER-SHOWN"}'} for i in range(3)])
        conn.execute(jobs.insert(), [
            {"kind": "review", "state": "done", "attempts": 1, "max_attempts": 5,
             "run_at": now - 600 + i, "created_at": now - 600 + i,
             "finished_at": now - 600 + i + 2.0 + i, "delivery_id": None}
            for i in range(5)])
        conn.execute(jobs.insert(), [{
            "kind": "review", "state": "dead", "attempts": 5, "max_attempts": 5,
            "run_at": now - 300, "created_at": now - 300, "finished_at": now - 200,
            "last_error": f"GitHubError: 502 {HOSTILE}", "coalesce_key": "review:octo/demo#9",
            "delivery_id": None}])
        conn.execute(review_runs.insert(), [
            {"repository": "octo/demo", "number": 7, "head_sha": "a" * 40, "findings": 4,
             "fingerprints": "f1 f2", "check_completed": True, "conclusion": "failure",
             "created_at": now - 100,
             "updated_at": now - 100},
            {"repository": "octo/demo", "number": 8, "head_sha": "b" * 40, "findings": 0,
             "fingerprints": "", "check_completed": False, "conclusion": None,
             "created_at": now - 3 * 86_400,
             "updated_at": now - 3 * 86_400}])
        conn.execute(llm_calls.insert(), [
            {"repository": "octo/demo", "number": 7, "head_sha": "a" * 40, "purpose": "critique",
             "model": "m", "prompt_tokens": 10, "completion_tokens": 5, "cost_usd": 0.125,
             "ok": True, "cache_hit": False, "created_at": now - 90 - i} for i in range(2)])


@pytest.fixture
async def ops(sqlite_engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    seed(sqlite_engine, time.time())
    app = create_app(make_settings(REVIEWBOT_OPS_PASSWORD=PASSWORD, REVIEWBOT_OPS_TOKEN=TOKEN,
                                   REVIEWBOT_BUDGET_DAY_USD=1),
                     engine=sqlite_engine, router=build_router())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://ops.test") as client:
        yield client


async def test_the_page_is_off_unless_a_password_or_token_is_set(sqlite_engine: Engine) -> None:
    app = create_app(make_settings(), engine=sqlite_engine, router=build_router())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://ops.test") as client:
        assert (await client.get("/ops", headers=basic(""))).status_code == 404


async def test_credentials_are_required_and_failures_are_limited_and_counted(
        ops: httpx.AsyncClient) -> None:
    assert (await ops.get("/ops")).status_code == 401
    assert (await ops.get("/ops")).headers["www-authenticate"].startswith("Basic")
    assert (await ops.get("/ops", headers=basic(PASSWORD))).status_code == 200
    assert (await ops.get("/ops", headers={"Authorization": f"Bearer {TOKEN}"})).status_code \
        == 200
    assert (await ops.get("/ops", headers={"Authorization": f"Bearer {PASSWORD}"})) \
        .status_code == 401
    for _ in range(guard.MAX_FAILURES):
        await ops.get("/ops", headers=basic("wrong"))
    blocked = await ops.get("/ops", headers=basic(PASSWORD))  # even the right one, for a while
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    metrics = (await ops.get("/metrics")).text
    failures = re.search(r"^reviewbot_ops_login_failures_total (\S+)$", metrics, re.MULTILINE)
    # three failures first, then wrong passwords until the limit: then no more are read
    assert failures is not None and float(failures.group(1)) == guard.MAX_FAILURES


def test_credentials_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = guard.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)
    monkeypatch.setattr(guard.hmac, "compare_digest", spy)
    assert guard.credentials_ok(basic(PASSWORD)["Authorization"], PASSWORD, None)
    assert not guard.credentials_ok(f"Bearer {TOKEN}x", None, TOKEN)
    assert not guard.credentials_ok("Basic !!!notbase64", PASSWORD, None)
    assert compared == [(PASSWORD.encode(), PASSWORD.encode()),
                        (f"{TOKEN}x".encode(), TOKEN.encode())]


async def test_the_page_shows_the_store_escaped_and_never_a_payload(
        ops: httpx.AsyncClient) -> None:
    page = (await ops.get("/ops", headers=basic(PASSWORD))).text
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "PAYLOAD-NEVER-SHOWN" not in page and PASSWORD not in page and TOKEN not in page
    assert re.search(r'id="jobs-dead">jobs dead<b>1</b>', page)
    assert re.search(r'id="jobs-done">jobs done<b>5</b>', page)
    assert "$0.2500" in page  # today's model cost, and the review's
    assert "budget left today<b>$0.7500 of $1</b>" in page
    assert "octo/demo#7" in page and "https://github.com/octo/demo/pull/7" in page
    assert "<td>failure</td>" in page
    assert page.count("<svg") == 3 and 'aria-label="Reviews per day (30 days)"' in page
    assert "job latency 1 h (p50 / p95)<b>4.00 s / 5.80 s</b>5 jobs" in page
    assert '<meta http-equiv="refresh"' in page
    assert "retry</button>" in page


def test_a_chart_escapes_its_labels() -> None:
    svg = bar_chart("t<", [(HOSTILE, 1.0), ("b", 2.0)])
    assert HOSTILE not in svg and "&lt;script&gt;" in svg and svg.count("<rect") == 2


async def test_a_retry_needs_the_pages_token_cookie_and_origin(
        ops: httpx.AsyncClient, sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        dead = conn.execute(sa.select(jobs.c.id).where(jobs.c.state == "dead")).scalar_one()
    url = f"/ops/jobs/{dead}/retry"
    page = await ops.get("/ops", headers=basic(PASSWORD))
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token is not None
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    origin = {"Origin": "http://ops.test", **basic(PASSWORD)}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert (await ops.post(url, headers={**origin, **form}, content="csrf=")).status_code == 403
    assert (await ops.post(url, headers={**basic(PASSWORD), **form, "Origin": "http://evil.test"},
                           content=f"csrf={token.group(1)}")).status_code == 403
    assert (await ops.post(url, headers={**basic(PASSWORD), **form,
                                         "Referer": "http://evil.test/ops"},
                           content=f"csrf={token.group(1)}")).status_code == 403
    assert (await ops.post(url, headers={**form, "Origin": "http://ops.test"},
                           content=f"csrf={token.group(1)}")).status_code == 401
    ops.cookies.clear()  # the token is bound to the session it was made for
    assert (await ops.post(url, headers={**origin, **form},
                           content=f"csrf={token.group(1)}")).status_code == 403
    page = await ops.get("/ops", headers=basic(PASSWORD))
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token is not None
    done = await ops.post(url, headers={**origin, **form}, content=f"csrf={token.group(1)}")
    assert done.status_code == 303 and "retried" in done.headers["location"]
    with sqlite_engine.connect() as conn:
        state, attempts = conn.execute(sa.select(jobs.c.state, jobs.c.attempts)
                                       .where(jobs.c.id == dead)).one()
    assert (state, attempts) == ("pending", 0)
    again = await ops.post(url, headers={**origin, **form}, content=f"csrf={token.group(1)}")
    assert "not+a+dead+job" in again.headers["location"]


@pytest.mark.slow
def test_the_page_renders_in_a_real_headless_chromium(sqlite_engine: Engine,
                                                      tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("REVIEWBOT_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required here (REVIEWBOT_REQUIRE_BROWSER=1)")
        pytest.skip("Debian's chromium is not installed here (.ci/run installs it)")
    seed(sqlite_engine, time.time())
    app = create_app(make_settings(REVIEWBOT_OPS_PASSWORD=PASSWORD), engine=sqlite_engine,
                     router=build_router())
    with served(app, free_port()) as url:
        page = url.replace("http://", f"http://ops:{PASSWORD}@") + "/ops"
        common = [browser, "--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}"]
        shot = tmp_path / "ops.png"
        subprocess.run([*common, f"--screenshot={shot}", "--window-size=1200,1600", page],
                       capture_output=True, timeout=120, check=False)
        dom = subprocess.run([*common, "--dump-dom", page], capture_output=True, text=True,
                             timeout=120, check=False).stdout
    assert shot.exists() and shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "reviewbot" in dom and "operations" in dom
    assert dom.count("<svg") == 3 and "<rect" in dom and "<circle" in dom
    assert 'id="jobs-dead">jobs dead<b>1</b>' in dom and "octo/demo#7" in dom
    assert json.dumps(HOSTILE)[1:-1] not in dom.replace("&lt;", "")
