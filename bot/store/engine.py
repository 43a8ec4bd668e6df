"""Engine construction: SQLite (WAL, immediate transactions) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

SAFETY_CHECKPOINT_PAGES = 20000  # ~80 MB of WAL


def normalise_url(url: str) -> str:
    """Accept the usual `postgres://` / `postgresql://` spellings and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def is_file_sqlite(engine: Engine) -> bool:
    database = engine.url.database
    return is_sqlite(engine) and bool(database) and database != ":memory:"


def create_engine(url: str, *, echo: bool = False, sqlite_synchronous: str = "FULL") -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        if sqlite_synchronous not in ("NORMAL", "FULL"):
            raise ValueError("sqlite_synchronous must be NORMAL or FULL")
        return _sqlite_engine(url, echo=echo, synchronous=sqlite_synchronous)
    return sa.create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_engine(url: str, *, echo: bool, synchronous: str) -> Engine:
    engine = sa.create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": 30},
        # SQLite has one writer at a time. One pooled connection per process makes threads
        # queue on the pool (woken at once) instead of in SQLite's busy handler, which
        # sleeps in steps of up to 100 ms and wrecked the tail latency of the webhook.
        pool_size=1,
        max_overflow=0,
        pool_timeout=60,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from pysqlite so BEGIN IMMEDIATE below is honoured.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL (default): an acknowledged delivery survives power loss. NORMAL survives any
        # process crash but an OS crash may lose the last commits; it is faster per commit,
        # yet measured no better at the webhook's p99 (docs/BENCHMARKS.md).
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Checkpoints run off the request path (SqliteCheckpointer); this high threshold
        # only bounds the WAL in processes that run none.
        cursor.execute(f"PRAGMA wal_autocheckpoint={SAFETY_CHECKPOINT_PAGES}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # Writers queue on the lock up front instead of failing with SQLITE_BUSY when a
        # read transaction tries to upgrade to a write.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


log = logging.getLogger(__name__)


class SqliteCheckpointer:
    """Copies the WAL back into the database from a thread of its own.

    With autocheckpointing, the commit that crosses the threshold pays for the copy and its
    fsync, a stall of several ms on whichever webhook request it happens to hold. A PASSIVE
    checkpoint on a separate connection runs beside the writer and never blocks it.
    """

    def __init__(self, engine: Engine, interval: float = 2.0) -> None:
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            raise ValueError("SqliteCheckpointer needs a file-backed SQLite engine")
        self.path = database
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        try:
            while not self._stop.wait(self.interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    log.exception("WAL checkpoint failed; will retry")
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            conn.close()
