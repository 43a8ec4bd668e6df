"""The durable queue on SQLite and PostgreSQL, with a controlled clock."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.jobs.queue import DEAD, DONE, PENDING, RUNNING, SUPERSEDED, JobQueue, QueuePolicy
from bot.jobs.routing import JobSpec
from bot.store.tables import jobs


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def make_queue(engine: Engine, clock: Clock, attempts: int = 3) -> JobQueue:
    return JobQueue(engine, QueuePolicy(max_attempts=attempts, backoff_base=10, backoff_max=25),
                    clock=clock)


def state_of(engine: Engine, job_id: int) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.select(jobs.c.state).where(jobs.c.id == job_id)).scalar_one())


def test_claim_complete_runs_once(engine: Engine) -> None:
    q = make_queue(engine, Clock())
    job_id = q.enqueue(JobSpec("k", args={"n": 1}))
    job = q.claim("w1", 30)
    assert job is not None and job.id == job_id and job.payload == {"n": 1}
    assert job.attempts == 1
    assert q.claim("w2", 30) is None  # nothing else to take
    assert q.complete(job)
    assert state_of(engine, job_id) == DONE
    assert not q.complete(job)  # a second completion is refused


def test_failure_backs_off_exponentially_then_dies(engine: Engine) -> None:
    clock = Clock()
    q = make_queue(engine, clock, attempts=3)
    job_id = q.enqueue(JobSpec("k"))
    delays = []
    for _ in range(3):
        job = q.claim("w", 30)
        assert job is not None
        before = clock.now
        state = q.fail(job, "boom")
        if state == PENDING:
            with engine.connect() as conn:
                run_at = conn.execute(sa.select(jobs.c.run_at).where(jobs.c.id == job_id)).scalar()
            delays.append(run_at - before)
            assert q.claim("w", 30) is None  # not before the backoff elapses
            clock.now = run_at
    assert delays == [10, 20]
    assert state_of(engine, job_id) == DEAD  # kept, visible, never deleted
    with engine.connect() as conn:
        assert conn.execute(sa.select(jobs.c.last_error).where(jobs.c.id == job_id)).scalar() \
            == "boom"


def test_expired_lease_is_claimed_again_and_the_old_owner_is_fenced(engine: Engine) -> None:
    clock = Clock()
    q = make_queue(engine, clock)
    q.enqueue(JobSpec("k"))
    first = q.claim("crashed", 30)
    assert first is not None
    clock.now += 31
    second = q.claim("rescuer", 30)
    assert second is not None and second.id == first.id and second.attempts == 2
    assert not q.heartbeat(first, 30)
    assert not q.complete(first)
    assert q.complete(second)
    assert state_of(engine, first.id) == DONE


def test_heartbeat_keeps_the_lease(engine: Engine) -> None:
    clock = Clock()
    q = make_queue(engine, clock)
    q.enqueue(JobSpec("k"))
    job = q.claim("w", 30)
    assert job is not None
    for _ in range(5):
        clock.now += 20
        assert q.heartbeat(job, 30)
        assert q.claim("other", 30) is None


def test_lease_expiry_on_last_attempt_goes_dead(engine: Engine) -> None:
    clock = Clock()
    q = make_queue(engine, clock, attempts=1)
    job_id = q.enqueue(JobSpec("k"))
    assert q.claim("w", 30) is not None
    clock.now += 31
    assert q.claim("w", 30) is None
    assert state_of(engine, job_id) == DEAD


def test_newer_push_supersedes_pending_review(engine: Engine) -> None:
    q = make_queue(engine, Clock())
    old = q.enqueue(JobSpec("review", coalesce_key="review:o/r#1"))
    other_pr = q.enqueue(JobSpec("review", coalesce_key="review:o/r#2"))
    new = q.enqueue(JobSpec("review", coalesce_key="review:o/r#1"))
    assert state_of(engine, old) == SUPERSEDED
    assert state_of(engine, other_pr) == PENDING
    assert state_of(engine, new) == PENDING
    assert q.counts()[PENDING] == 2


def test_pending_job_waits_while_same_key_runs(engine: Engine) -> None:
    q = make_queue(engine, Clock())
    first = q.enqueue(JobSpec("review", coalesce_key="review:o/r#1"))
    running = q.claim("w", 30)
    assert running is not None and running.id == first
    second = q.enqueue(JobSpec("review", coalesce_key="review:o/r#1"))
    assert state_of(engine, first) == RUNNING  # a running review is left to finish
    assert q.claim("w2", 30) is None  # and the next one waits for it
    assert q.complete(running)
    nxt = q.claim("w2", 30)
    assert nxt is not None and nxt.id == second


def test_failed_job_is_superseded_by_a_newer_pending_one(engine: Engine) -> None:
    q = make_queue(engine, Clock())
    first = q.enqueue(JobSpec("review", coalesce_key="k"))
    job = q.claim("w", 30)
    assert job is not None
    q.enqueue(JobSpec("review", coalesce_key="k"))
    assert q.fail(job, "boom") == SUPERSEDED
    assert state_of(engine, first) == SUPERSEDED


def test_reschedule_and_release_do_not_consume_attempts(engine: Engine) -> None:
    clock = Clock()
    q = make_queue(engine, clock, attempts=2)
    q.enqueue(JobSpec("k"))
    job = q.claim("w", 30)
    assert job is not None
    assert q.reschedule(job, 60, "rate limited") == PENDING
    assert q.claim("w", 30) is None
    clock.now += 60
    job = q.claim("w", 30)
    assert job is not None and job.attempts == 1
    assert q.release(job) == PENDING
    job = q.claim("w", 30)
    assert job is not None and job.attempts == 1


def test_counts_cover_every_state(engine: Engine) -> None:
    q = make_queue(engine, Clock())
    q.enqueue(JobSpec("k"))
    counts = q.counts()
    assert counts == {"pending": 1, "running": 0, "done": 0, "dead": 0, "superseded": 0}


def test_old_deliveries_and_their_finished_jobs_are_pruned(engine: Engine) -> None:
    from bot.core.delivery import parse_delivery
    from bot.store.retention import prune
    from bot.store.tables import deliveries, jobs
    from bot.web.intake import record_delivery

    queue = JobQueue(engine)
    for i in range(4):
        d = parse_delivery({"x-github-event": "issues", "x-github-delivery": f"r-{i}"}, b"{}")
        record_delivery(engine, queue, d, outcome="queued", specs=[JobSpec("k")])
    for _ in range(2):
        finished = queue.claim("w", 60)
        assert finished is not None and queue.complete(finished)  # r-0 and r-1 done
    assert queue.claim("w", 60) is not None  # r-2 running; r-3 pending
    with engine.begin() as conn:
        conn.execute(deliveries.update().where(deliveries.c.delivery_id != "r-1")
                     .values(received_at=0.0))  # r-1 is recent
    assert prune(engine, before=1.0, batch=1) == 1
    with engine.connect() as conn:
        left = sorted(conn.execute(sa.select(deliveries.c.delivery_id)).scalars())
        job_owners = sorted(conn.execute(sa.select(jobs.c.delivery_id)).scalars())
    assert left == ["r-1", "r-2", "r-3"]  # recent, running, pending
    assert job_owners == left
