"""Hostile or broken webhook clients, in process: nothing unverified becomes state, and one
bad delivery never fails its neighbours."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.core.delivery import Delivery
from bot.handlers.table import build_router
from bot.jobs.queue import JobQueue
from bot.store.tables import deliveries, jobs
from bot.web.app import WEBHOOK_PATH, create_app
from bot.web.intake import IntakeItem, IntakeResult, record_batch
from bot.web.replay import github_headers
from tests.conftest import SECRET, make_settings, payload_bytes

KEY = SECRET.encode()


@pytest.fixture
async def client(sqlite_engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(), engine=sqlite_engine, router=build_router())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as c:
        yield c


def rows(engine: Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


async def test_unsigned_requests_add_no_metric_series(client: httpx.AsyncClient) -> None:
    before = (await client.get("/metrics")).text
    for i in range(300):
        await client.post(WEBHOOK_PATH, content=b"{}",
                          headers={"X-GitHub-Event": f"evil_{i}_" + "x" * 200,
                                   "X-GitHub-Delivery": f"id-{i}"})
    after = (await client.get("/metrics")).text
    assert "evil_" not in after
    assert 'reviewbot_rejected_requests_total{reason="bad_signature"} 300.0' in after
    assert abs(len(after) - len(before)) < 64  # only counter values changed


async def test_signed_unknown_events_share_one_label(client: httpx.AsyncClient) -> None:
    for i in range(20):
        body = b"{}"
        r = await client.post(WEBHOOK_PATH, content=body,
                              headers=github_headers(KEY, body, f"made_up_{i}", f"u-{i}"))
        assert r.status_code == 202
    text = (await client.get("/metrics")).text
    assert "made_up" not in text
    assert 'reviewbot_deliveries_total{event="other",outcome="unrouted"} 20.0' in text


@pytest.mark.parametrize(("event", "delivery_id"), [
    ("pull_request\x00", "d-1"), ("pull_request", "d-1\r\nX-Evil: 1"), ("Pull_Request", "d-1"),
    ("pull_request", "dé-1"), ("pull_request", "x" * 200), ("pull\x1brequest", "d-1"),
])
async def test_odd_headers_are_400(client: httpx.AsyncClient, sqlite_engine: Engine,
                                   event: str, delivery_id: str) -> None:
    body = b"{}"
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery_id,
               "X-Hub-Signature-256": github_headers(KEY, body, "x", "y")["X-Hub-Signature-256"],
               "Content-Type": "application/json"}
    r = await client.post(WEBHOOK_PATH, content=body,
                          headers={k: v.encode("utf-8") for k, v in headers.items()})  # type: ignore[misc]
    assert r.status_code == 400
    assert rows(sqlite_engine, deliveries) == 0


def _undecodable_bodies() -> list[bytes]:
    pr = json.loads(payload_bytes("pull_request.opened"))
    lone = json.dumps({**pr, "action": "opened", "sender": {"login": "\ud800"}}).encode()
    huge = json.dumps({**pr, "installation": {"id": 2**70}}).encode()
    deep = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    digits = b'{"n": ' + b"9" * 5000 + b"}"
    return [lone, deep, digits, huge]


async def test_bad_deliveries_do_not_fail_their_neighbours(client: httpx.AsyncClient,
                                                          sqlite_engine: Engine) -> None:
    good_body = payload_bytes("pull_request.opened")
    bad_bodies = _undecodable_bodies()

    async def send(i: int) -> tuple[str, int]:
        if i % 10 == 3:
            body, kind = bad_bodies[(i // 10) % len(bad_bodies)], "bad"
        else:
            body, kind = good_body, "good"
        r = await client.post(WEBHOOK_PATH, content=body,
                              headers=github_headers(KEY, body, "pull_request", f"n-{i}"))
        return kind, r.status_code

    results = await asyncio.gather(*(send(i) for i in range(330)))
    assert {code for kind, code in results if kind == "good"} == {202}
    assert {code for kind, code in results if kind == "bad"} == {400}
    assert rows(sqlite_engine, deliveries) == sum(k == "good" for k, _ in results)


def test_a_row_the_driver_cannot_encode_fails_alone(sqlite_engine: Engine) -> None:
    """Parsing rejects such payloads first; the group commit is the second line."""
    queue = JobQueue(sqlite_engine)

    def item(delivery_id: str, action: str) -> IntakeItem:
        return IntakeItem(Delivery(delivery_id, "issues", action, {}, "{}"), "unrouted", ())

    results = record_batch(sqlite_engine, queue,
                           [item("a", "opened"), item("b", "\ud800"), item("c", "closed")])
    assert isinstance(results[0], IntakeResult) and isinstance(results[2], IntakeResult)
    assert isinstance(results[1], UnicodeEncodeError)
    assert rows(sqlite_engine, deliveries) == 2


async def test_payload_missing_what_its_route_needs_creates_no_job(
        client: httpx.AsyncClient, sqlite_engine: Engine) -> None:
    pr = json.loads(payload_bytes("pull_request.opened"))
    for i, broken in enumerate([
        {k: v for k, v in pr.items() if k != "pull_request"},
        {k: v for k, v in pr.items() if k != "installation"},
        {**pr, "pull_request": {**pr["pull_request"], "number": "7"}},
        {**pr, "repository": {"full_name": "../../etc"}},
    ]):
        body = json.dumps(broken).encode()
        r = await client.post(WEBHOOK_PATH, content=body,
                              headers=github_headers(KEY, body, "pull_request", f"p-{i}"))
        assert r.status_code == 202 and r.json()["outcome"] == "invalid", r.text
        assert r.json()["reason"]
    assert rows(sqlite_engine, jobs) == 0
    assert rows(sqlite_engine, deliveries) == 4  # recorded, with the outcome, for the record


async def test_unexpected_errors_are_logged_with_the_delivery_id(sqlite_engine: Engine) -> None:
    import logging

    from bot.obs.logs import JsonFormatter

    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))  # formatted at emit time, as in production

    handler = Capture()
    handler.setFormatter(JsonFormatter())
    logging.getLogger("bot.web.app").addHandler(handler)
    app = create_app(make_settings(), engine=sqlite_engine, router=build_router())

    async def broken(_item: IntakeItem) -> IntakeResult:
        raise RuntimeError("boom")

    app.state.reviewbot.committer.record = broken
    body = payload_bytes("pull_request.opened")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://t") as c:
        r = await c.post(WEBHOOK_PATH, content=body,
                         headers=github_headers(KEY, body, "pull_request", "trace-me"))
    logging.getLogger("bot.web.app").removeHandler(handler)
    assert r.status_code == 500
    entry = next(json.loads(line) for line in lines if '"delivery failed"' in line)
    assert entry["delivery_id"] == "trace-me" and "boom" in entry["exc"]


@pytest.mark.parametrize(("body", "ok"), [
    (b'{"a": {"b": [1, 9223372036854775807, -9223372036854775808]}}', True),
    (b'{"title": "12345678901234567890123"}', True),
    (b'{"a": {"b": [9223372036854775808]}}', False),
    (b'{"a": -9223372036854775809}', False),
    (b'{"a": "\\ud83d\\ude00"}', True),  # a valid pair is an emoji
    (b'{"a": ["\\udc00"]}', False),
])
def test_integers_and_surrogates_the_database_could_not_store(body: bytes, ok: bool) -> None:
    from bot.core.delivery import parse_delivery
    from bot.errors import MalformedDelivery

    headers = {"x-github-event": "issues", "x-github-delivery": "i-1"}
    if ok:
        parse_delivery(headers, body)
    else:
        with pytest.raises(MalformedDelivery):
            parse_delivery(headers, body)
