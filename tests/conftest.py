"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable) and a network guard."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.review.aggregate import evidence, measured
from bot.settings import Settings
from bot.store.engine import create_engine
from bot.store.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SECRET = "It's a Secret to Everybody"
PG_URL = os.environ.get(
    "REVIEWBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_PG = os.environ.get("REVIEWBOT_REQUIRE_POSTGRES") == "1"


def _loopback(address: Any) -> bool:
    if isinstance(address, tuple):
        host = address[0]
        if host in ("localhost",):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return True  # AF_UNIX sockets (e.g. PostgreSQL's) are local


@pytest.fixture(autouse=True)
def _no_outbound_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a non-loopback host is a test bug: fail loudly."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if not _loopback(address):
            raise RuntimeError(f"test tried to reach a real host: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


class _EveryRuleEarned(dict[str, tuple[tuple[int, int], tuple[int, int]]]):
    """A fix-rate table in which every rule has earned its inline comments (and lines never
    change by themselves)."""

    def get(self, label: str, default: Any = None) -> tuple[tuple[int, int], tuple[int, int]]:
        if label == evidence.BASELINE:
            return ((0, 1000), (0, 1000))
        return ((1000, 1000), (1000, 1000))


@pytest.fixture(autouse=True)
def _every_rule_earned(request: pytest.FixtureRequest,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Which rules have earned an inline comment is measured data (bench/fixrate, regenerated
    with `make rules`): the tests of everything else (placing, capping, silencing, posting)
    do not depend on it and run as if every rule had. The tests of the evidence itself
    (`@pytest.mark.measured_evidence`, tests/test_evidence.py) use the shipped table or their
    own. Reviews run in a subprocess (the App's process tests, `reviewbot` on the command
    line) always use the shipped table."""
    if request.node.get_closest_marker("measured_evidence") is None:
        monkeypatch.setattr(measured, "FIX_RATES", _EveryRuleEarned())


def make_settings(**env: Any) -> Settings:
    values: dict[str, Any] = {"GITHUB_WEBHOOK_SECRET": SECRET}
    values.update(env)
    return Settings(**values)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'reviewbot.db'}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = create_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _postgres_available() -> str | None:
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except sa.exc.OperationalError as exc:
        return str(exc).splitlines()[0]
    return None


_PG_PROBLEM: list[str | None] = []


def _pg_problem() -> str | None:
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_postgres_available())
    return _PG_PROBLEM[0]


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def pg_url() -> str:
    problem = _pg_problem()
    if problem is not None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but unreachable at {PG_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({problem}); set "
                    "REVIEWBOT_TEST_POSTGRES_URL to run these tests")
    reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = create_engine(pg_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    result: Engine = request.getfixturevalue(name)
    return result


def payload_bytes(name: str) -> bytes:
    return (FIXTURES / "webhooks" / name / "payload.json").read_bytes()
