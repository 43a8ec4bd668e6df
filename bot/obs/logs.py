"""Structured JSON logs carrying the delivery and job ids; secrets are masked."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import UTC, datetime

delivery_id_var: ContextVar[str | None] = ContextVar("delivery_id", default=None)
job_id_var: ContextVar[int | None] = ContextVar("job_id", default=None)

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
MASK = "***"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if (delivery := delivery_id_var.get()) is not None:
            entry["delivery_id"] = delivery
        if (job := job_id_var.get()) is not None:
            entry["job_id"] = job
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RedactingFormatter(logging.Formatter):
    """Wraps a formatter and masks every known secret value in the final line."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner
        # Longest first so a secret containing another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        for secret in self.secrets:
            line = line.replace(secret, MASK)
            line = line.replace(json.dumps(secret)[1:-1], MASK)
        return line


class ThrottleFilter(logging.Filter):
    """At most `burst` records per message text in each `interval` seconds; the first one
    after a quiet spell says how many were dropped. Attached where a client can make us log
    (rejected requests, uvicorn's protocol warnings) so a flood cannot flood the logs."""

    def __init__(self, burst: int = 10, interval: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.burst = burst
        self.interval = interval
        self.clock = clock
        self._windows: dict[str, tuple[float, int, int]] = {}  # msg -> (start, sent, dropped)

    def filter(self, record: logging.LogRecord) -> bool:
        key = str(record.msg)[:200]
        now = self.clock()
        start, sent, dropped = self._windows.get(key, (now, 0, 0))
        if now - start >= self.interval:
            if dropped:
                record.suppressed = dropped
            start, sent, dropped = now, 0, 0
        if sent >= self.burst:
            self._windows[key] = (start, sent, dropped + 1)
            return False
        self._windows[key] = (start, sent + 1, dropped)
        if len(self._windows) > 1000:  # messages are ours, but never let the table grow
            self._windows.clear()
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(JsonFormatter(), secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "uvicorn.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Clients can make uvicorn warn per request ("Invalid HTTP request", "Exceeded
    # concurrency limit"): throttled like our own rejection lines.
    logging.getLogger("uvicorn.error").addFilter(ThrottleFilter())
