"""A durable job queue on the application database (SQLite or PostgreSQL).

Why hand-written: the well-kept Python queues either need a broker (Celery, RQ, Dramatiq)
or one database only (procrastinate, PgQueuer: PostgreSQL; huey: SQLite). The operations we
need are five short SQL statements, identical on both databases:

- claim: one UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING. PostgreSQL
  skips rows other workers hold; SQLite runs it inside BEGIN IMMEDIATE, which serialises writers.
- every claim gets a fresh token; heartbeat/complete/fail only act while the token still holds
  the job, so a worker whose lease expired cannot finish a job someone else now runs.
- leases expire: a crashed worker's job becomes claimable again (or dead when out of attempts).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.jobs.backoff import backoff_delay
from bot.jobs.claimed import ClaimedJob
from bot.jobs.routing import JobSpec
from bot.settings import Settings
from bot.store.tables import deliveries, jobs

PENDING = "pending"
RUNNING = "running"
DONE = "done"
DEAD = "dead"
SUPERSEDED = "superseded"
STATES = (PENDING, RUNNING, DONE, DEAD, SUPERSEDED)

Clock = Callable[[], float]


@dataclass(frozen=True)
class QueuePolicy:
    max_attempts: int = 5
    backoff_base: float = 10.0
    backoff_max: float = 3600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> QueuePolicy:
        return cls(max_attempts=settings.job_max_attempts,
                   backoff_base=settings.job_backoff_base_seconds,
                   backoff_max=settings.job_backoff_max_seconds)


class JobQueue:
    def __init__(
        self, engine: Engine, policy: QueuePolicy | None = None, clock: Clock = time.time
    ) -> None:
        self.engine = engine
        self.policy = policy or QueuePolicy()
        self.clock = clock

    # --- enqueue -------------------------------------------------------------------------

    def enqueue_in(
        self, conn: Connection, specs: Iterable[JobSpec], *, delivery_id: str | None = None
    ) -> list[int]:
        """Insert jobs inside the caller's transaction; a newer job with the same coalescing
        key supersedes the pending one (a running one is left to finish)."""
        return self.enqueue_many_in(conn, [(delivery_id, spec) for spec in specs])

    def enqueue_many_in(
        self, conn: Connection, pairs: Sequence[tuple[str | None, JobSpec]]
    ) -> list[int]:
        """`enqueue_in` for (delivery_id, spec) pairs, in two statements however many jobs.
        Within the batch the last job per coalescing key stays pending."""
        if not pairs:
            return []
        now = self.clock()
        keys = {spec.coalesce_key for _, spec in pairs if spec.coalesce_key is not None}
        if keys:
            conn.execute(
                jobs.update()
                .where(jobs.c.coalesce_key.in_(sorted(keys)), jobs.c.state == PENDING)
                .values(state=SUPERSEDED, finished_at=now, last_error="superseded")
            )
        last_for_key = {spec.coalesce_key: i for i, (_, spec) in enumerate(pairs)
                        if spec.coalesce_key is not None}
        rows = []
        for i, (delivery_id, spec) in enumerate(pairs):
            live = spec.coalesce_key is None or last_for_key[spec.coalesce_key] == i
            rows.append({
                "kind": spec.kind, "delivery_id": delivery_id,
                "args": json.dumps(dict(spec.args)) if spec.args is not None else None,
                "coalesce_key": spec.coalesce_key,
                "state": PENDING if live else SUPERSEDED,
                "attempts": 0, "max_attempts": self.policy.max_attempts, "run_at": now,
                "created_at": now, "finished_at": None if live else now,
                "last_error": None if live else "superseded",
            })
        result = conn.execute(
            jobs.insert().returning(jobs.c.id, sort_by_parameter_order=True), rows
        )
        return [int(r[0]) for r in result]

    def enqueue(self, spec: JobSpec) -> int:
        with self.engine.begin() as conn:
            return self.enqueue_in(conn, [spec])[0]

    # --- claim ---------------------------------------------------------------------------

    def claim(self, worker_id: str, lease_seconds: float) -> ClaimedJob | None:
        with self.engine.begin() as conn:
            now = self.clock()
            self._reap_expired(conn, now)
            running = jobs.alias("running")
            busy_key = (
                sa.select(running.c.id)
                .where(
                    running.c.coalesce_key == jobs.c.coalesce_key,
                    running.c.state == RUNNING,
                )
                .exists()
            )
            candidate = (
                sa.select(jobs.c.id)
                .where(jobs.c.state == PENDING, jobs.c.run_at <= now, ~busy_key)
                .order_by(jobs.c.run_at, jobs.c.id)
                .limit(1)
                .with_for_update(skip_locked=True)
                .scalar_subquery()
            )
            token = uuid.uuid4().hex
            row = conn.execute(
                jobs.update()
                .where(jobs.c.id == candidate, jobs.c.state == PENDING)
                .values(
                    state=RUNNING,
                    attempts=jobs.c.attempts + 1,
                    lease_until=now + lease_seconds,
                    claim_token=token,
                    worker_id=worker_id,
                    started_at=now,
                )
                .returning(
                    jobs.c.id,
                    jobs.c.kind,
                    jobs.c.attempts,
                    jobs.c.max_attempts,
                    jobs.c.delivery_id,
                    jobs.c.coalesce_key,
                    jobs.c.args,
                )
            ).one_or_none()
            if row is None:
                return None
            return ClaimedJob(
                id=row.id,
                kind=row.kind,
                attempts=row.attempts,
                max_attempts=row.max_attempts,
                claim_token=token,
                delivery_id=row.delivery_id,
                coalesce_key=row.coalesce_key,
                payload=self._payload(conn, row.delivery_id, row.args),
            )

    def _reap_expired(self, conn: Connection, now: float) -> None:
        expired = sa.and_(jobs.c.state == RUNNING, jobs.c.lease_until < now)
        conn.execute(
            jobs.update()
            .where(expired, jobs.c.attempts >= jobs.c.max_attempts)
            .values(
                state=DEAD,
                finished_at=now,
                claim_token=None,
                last_error="lease expired on the last attempt (worker crashed or hung)",
            )
        )
        # A job whose key already has a newer pending job is superseded, not re-run.
        pending = jobs.alias("pending")
        has_newer = (
            sa.select(pending.c.id)
            .where(pending.c.coalesce_key == jobs.c.coalesce_key, pending.c.state == PENDING)
            .exists()
        )
        conn.execute(
            jobs.update()
            .where(expired, has_newer)
            .values(state=SUPERSEDED, finished_at=now, claim_token=None, last_error="superseded")
        )
        conn.execute(
            jobs.update()
            .where(expired)
            .values(
                state=PENDING,
                run_at=now,
                claim_token=None,
                worker_id=None,
                lease_until=None,
                last_error="lease expired (worker crashed or hung)",
            )
        )

    @staticmethod
    def _payload(conn: Connection, delivery_id: str | None, args: str | None) -> dict[str, Any]:
        if delivery_id is not None:
            text = conn.execute(
                sa.select(deliveries.c.payload).where(deliveries.c.delivery_id == delivery_id)
            ).scalar_one()
            payload: dict[str, Any] = json.loads(text)
            return payload
        return dict(json.loads(args)) if args else {}

    # --- finish --------------------------------------------------------------------------

    def _owned(self, job: ClaimedJob) -> Any:
        return sa.and_(
            jobs.c.id == job.id, jobs.c.state == RUNNING, jobs.c.claim_token == job.claim_token
        )

    def heartbeat(self, job: ClaimedJob, lease_seconds: float) -> bool:
        """Extend the lease; False means the job is no longer ours (lease lost)."""
        with self.engine.begin() as conn:
            now = self.clock()
            result = conn.execute(
                jobs.update().where(self._owned(job)).values(lease_until=now + lease_seconds)
            )
            return result.rowcount == 1

    def complete(self, job: ClaimedJob) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                jobs.update()
                .where(self._owned(job))
                .values(state=DONE, finished_at=self.clock(), claim_token=None, lease_until=None)
            )
            return result.rowcount == 1

    def fail(self, job: ClaimedJob, error: str, *, permanent: bool = False) -> str | None:
        """Record a failed attempt: back to pending after a backoff, or dead when out of
        attempts or when the error is permanent. Returns the new state, or None if the job
        was no longer ours."""
        now = self.clock()
        if permanent or job.attempts >= job.max_attempts:
            values: dict[str, Any] = {"state": DEAD, "finished_at": now}
        else:
            delay = backoff_delay(
                job.attempts, base=self.policy.backoff_base, cap=self.policy.backoff_max
            )
            values = {"state": PENDING, "run_at": now + delay}
        return self._finish(job, values, error)

    def reschedule(self, job: ClaimedJob, delay: float, reason: str) -> str | None:
        """Run again after `delay` without consuming an attempt (rate limits and the like)."""
        values = {
            "state": PENDING,
            "run_at": self.clock() + max(0.0, delay),
            "attempts": jobs.c.attempts - 1,
        }
        return self._finish(job, values, reason)

    def release(self, job: ClaimedJob, reason: str = "released on shutdown") -> str | None:
        """Give a job back untouched (graceful shutdown): runnable now, attempt refunded."""
        return self.reschedule(job, 0.0, reason)

    def _finish(self, job: ClaimedJob, values: Mapping[str, Any], error: str) -> str | None:
        values = {
            **values,
            "claim_token": None,
            "lease_until": None,
            "worker_id": None,
            "last_error": error[:4000],
        }
        with self.engine.begin() as conn:
            if values["state"] == PENDING and job.coalesce_key is not None:
                # A newer pending job for the same key wins; this one is superseded.
                newer = conn.execute(
                    sa.select(jobs.c.id).where(
                        jobs.c.coalesce_key == job.coalesce_key, jobs.c.state == PENDING
                    )
                ).first()
                if newer is not None:
                    values = {**values, "state": SUPERSEDED, "finished_at": self.clock()}
            result = conn.execute(jobs.update().where(self._owned(job)).values(**values))
            return str(values["state"]) if result.rowcount == 1 else None

    def retry_dead(self, job_id: int) -> str:
        """An operator's retry of a dead job: pending now, with its attempts anew. Refused
        (said why) when it is not dead or a job for the same key is already pending."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(jobs.c.state, jobs.c.coalesce_key)
                               .where(jobs.c.id == job_id)).first()
            if row is None or row.state != DEAD:
                return "not a dead job"
            if row.coalesce_key is not None and conn.execute(
                    sa.select(jobs.c.id).where(jobs.c.coalesce_key == row.coalesce_key,
                                               jobs.c.state == PENDING)).first() is not None:
                return "a newer job for the same work is already pending"
            conn.execute(jobs.update().where(jobs.c.id == job_id, jobs.c.state == DEAD)
                         .values(state=PENDING, attempts=0, run_at=self.clock(),
                                 finished_at=None))
        return "retried"

    # --- observe -------------------------------------------------------------------------

    def overdue(self, deadline_seconds: float) -> int:
        """Running jobs started longer than `deadline_seconds` ago (a hung worker)."""
        cutoff = self.clock() - deadline_seconds
        with self.engine.connect() as conn:
            return int(conn.execute(
                sa.select(sa.func.count()).select_from(jobs)
                .where(jobs.c.state == RUNNING, jobs.c.started_at < cutoff)
            ).scalar_one())

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(jobs.c.state, sa.func.count()).group_by(jobs.c.state)
            ).all()
        found = {str(state): int(n) for state, n in rows}
        return {state: found.get(state, 0) for state in STATES}
