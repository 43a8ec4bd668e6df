"""POST /api/github/webhooks: every rejection stores nothing; accepted deliveries queue once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.handlers.table import build_router
from bot.jobs.routing import Router
from bot.store.tables import deliveries, jobs
from bot.web.app import WEBHOOK_PATH, create_app
from bot.web.replay import github_headers
from bot.web.signature import sign
from tests.conftest import SECRET, make_settings, payload_bytes

KEY = SECRET.encode()


def router_with_review() -> Router:
    return build_router()  # the real table: pull_request events queue a review


@pytest.fixture
async def client(sqlite_engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(REVIEWBOT_APP_SLUG="reviewbot", GITHUB_APP_ID=4242),
                     engine=sqlite_engine, router=router_with_review())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def count(engine: Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


async def post(client: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await client.post(WEBHOOK_PATH, content=body, headers=headers)


async def test_signed_pull_request_becomes_one_job(client: httpx.AsyncClient,
                                                   sqlite_engine: Engine) -> None:
    body = payload_bytes("pull_request.opened")
    r = await post(client, body, github_headers(KEY, body, "pull_request", "d-1"))
    assert r.status_code == 202, r.text
    assert r.json()["outcome"] == "queued" and len(r.json()["jobs"]) == 1
    with sqlite_engine.connect() as conn:
        job = conn.execute(sa.select(jobs)).one()
    assert job.kind == "review.pull_request" and job.delivery_id == "d-1"
    assert job.coalesce_key == "review:Codertocat/Hello-World#2"


async def test_redelivery_is_acknowledged_and_creates_nothing(client: httpx.AsyncClient,
                                                             sqlite_engine: Engine) -> None:
    body = payload_bytes("pull_request.opened")
    headers = github_headers(KEY, body, "pull_request", "same-id")
    first = await post(client, body, headers)
    second = await post(client, body, headers)
    assert first.status_code == second.status_code == 202
    assert second.json() == {"outcome": "duplicate", "duplicate": True, "jobs": []}
    assert count(sqlite_engine, deliveries) == 1
    assert count(sqlite_engine, jobs) == 1


def _bad_signature_cases() -> list[tuple[str, dict[str, str]]]:
    body = payload_bytes("pull_request.opened")
    good = github_headers(KEY, body, "pull_request", "d-bad")
    missing = {k: v for k, v in good.items() if k != "X-Hub-Signature-256"}
    wrong = {**good, "X-Hub-Signature-256": sign(b"another secret", body)}
    sha1_only = {**missing}
    return [("missing", missing), ("wrong secret", wrong), ("sha1 only", sha1_only)]


@pytest.mark.parametrize(("name", "headers"), _bad_signature_cases())
async def test_bad_signature_is_401_and_stores_nothing(
    client: httpx.AsyncClient, sqlite_engine: Engine, name: str, headers: dict[str, str]
) -> None:
    body = payload_bytes("pull_request.opened")
    r = await post(client, body, headers)
    assert r.status_code == 401, name
    assert count(sqlite_engine, deliveries) == 0 and count(sqlite_engine, jobs) == 0


async def test_tampered_body_is_401(client: httpx.AsyncClient, sqlite_engine: Engine) -> None:
    body = payload_bytes("pull_request.opened")
    headers = github_headers(KEY, body, "pull_request", "d-t")
    r = await post(client, body.replace(b"Codertocat", b"Mallory"), headers)
    assert r.status_code == 401
    assert count(sqlite_engine, deliveries) == 0


@pytest.mark.parametrize(
    ("body", "drop", "reason"),
    [
        (b"{not json", None, "not valid JSON"),
        (b"[1, 2]", None, "JSON object"),
        (b"\xff\xfe", None, "not UTF-8"),
        (b'{"action": 3}', None, "'action'"),
        (b"{}", "X-GitHub-Event", "X-GitHub-Event"),
        (b"{}", "X-GitHub-Delivery", "X-GitHub-Delivery"),
    ],
)
async def test_malformed_is_400_and_stores_nothing(
    client: httpx.AsyncClient, sqlite_engine: Engine, body: bytes, drop: str | None, reason: str
) -> None:
    headers = github_headers(KEY, body, "pull_request", "d-m")
    if drop:
        del headers[drop]
    r = await post(client, body, headers)
    assert r.status_code == 400
    assert reason in r.json()["error"]
    assert count(sqlite_engine, deliveries) == 0 and count(sqlite_engine, jobs) == 0


async def test_oversized_body_is_413_while_streaming(sqlite_engine: Engine) -> None:
    app = create_app(make_settings(REVIEWBOT_MAX_BODY=1024), engine=sqlite_engine,
                     router=build_router())
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        # No Content-Length: the limit must hold on the stream itself.
        for _ in range(1000):
            sent.append(1)
            yield b"x" * 512

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://t") as c:
        r = await c.post(WEBHOOK_PATH, content=chunks(),
                         headers={"X-GitHub-Event": "push", "X-GitHub-Delivery": "big"})
    assert r.status_code == 413
    assert count(sqlite_engine, deliveries) == 0


async def test_oversized_content_length_is_refused_up_front(client: httpx.AsyncClient,
                                                            sqlite_engine: Engine) -> None:
    body = b"x" * (25 * 1024 * 1024 + 1)
    r = await post(client, body, github_headers(KEY, body, "push", "huge"))
    assert r.status_code == 413
    assert count(sqlite_engine, deliveries) == 0


async def test_ping_is_answered(client: httpx.AsyncClient, sqlite_engine: Engine) -> None:
    body = payload_bytes("ping.default")
    r = await post(client, body, github_headers(KEY, body, "ping", "p-1"))
    assert r.status_code == 202 and r.json()["outcome"] == "pong"
    assert count(sqlite_engine, jobs) == 0


async def test_own_bot_events_are_ignored(client: httpx.AsyncClient,
                                          sqlite_engine: Engine) -> None:
    data = json.loads(payload_bytes("pull_request.synchronize"))
    data["sender"]["login"] = "reviewbot[bot]"
    body = json.dumps(data).encode()
    r = await post(client, body, github_headers(KEY, body, "pull_request", "own-1"))
    assert r.status_code == 202 and r.json()["outcome"] == "ignored_own"

    comment = json.loads(payload_bytes("issue_comment.created"))
    comment["comment"]["performed_via_github_app"] = {"id": 4242, "slug": "x"}
    body = json.dumps(comment).encode()
    r = await post(client, body, github_headers(KEY, body, "issue_comment", "own-2"))
    assert r.json()["outcome"] == "ignored_own"
    assert count(sqlite_engine, jobs) == 0


async def test_unknown_event_is_acknowledged_without_jobs(client: httpx.AsyncClient,
                                                          sqlite_engine: Engine) -> None:
    body = b'{"zen": "x"}'
    r = await post(client, body, github_headers(KEY, body, "watch", "u-1"))
    assert r.status_code == 202 and r.json()["outcome"] == "unrouted"
    assert count(sqlite_engine, deliveries) == 1 and count(sqlite_engine, jobs) == 0


async def test_push_on_same_pr_supersedes_pending_review(client: httpx.AsyncClient,
                                                         sqlite_engine: Engine) -> None:
    for n, name in enumerate(["pull_request.opened", "pull_request.synchronize"]):
        body = payload_bytes(name)
        r = await post(client, body, github_headers(KEY, body, "pull_request", f"s-{n}"))
        assert r.status_code == 202
    with sqlite_engine.connect() as conn:
        states = [s for (s,) in conn.execute(sa.select(jobs.c.state).order_by(jobs.c.id))]
    assert states == ["superseded", "pending"]


async def test_healthz_and_metrics(client: httpx.AsyncClient) -> None:
    body = payload_bytes("pull_request.opened")
    await post(client, body, github_headers(KEY, body, "pull_request", "m-1"))
    await post(client, b"{", github_headers(KEY, b"{", "pull_request", "m-2"))
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"ok": True, "database": "ok",
                             "jobs": {"pending": 1, "running": 0, "done": 0, "dead": 0,
                                      "superseded": 0},
                             "jobs_overdue": 0, "status": "ok"}
    text = (await client.get("/metrics")).text
    assert 'reviewbot_deliveries_total{event="pull_request",outcome="queued"} 1.0' in text
    assert 'reviewbot_rejected_requests_total{reason="malformed"} 1.0' in text
    assert 'reviewbot_jobs{state="pending"} 1.0' in text
    assert "reviewbot_ack_seconds_bucket" in text
    assert "reviewbot_job_duration_seconds" in text


async def test_healthz_reports_unreachable_database(sqlite_engine: Engine) -> None:
    broken = sa.create_engine("sqlite:////nonexistent-dir/x.db")
    app = create_app(make_settings(), engine=broken, router=build_router())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://t") as c:
        r = await c.get("/healthz")
        body = b"{}"
        post_r = await c.post(WEBHOOK_PATH, content=body,
                              headers=github_headers(KEY, body, "push", "x"))
    assert r.status_code == 503 and r.json()["ok"] is False
    assert post_r.status_code == 503  # not acknowledged, so GitHub can redeliver


def test_create_app_refuses_without_secret(sqlite_engine: Engine) -> None:
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match="GITHUB_WEBHOOK_SECRET"):
        create_app(make_settings(GITHUB_WEBHOOK_SECRET=""), engine=sqlite_engine,
                   router=build_router())
