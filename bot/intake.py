"""Record a delivery and enqueue its jobs in one transaction (the idempotency point)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bot.delivery import Delivery
from bot.queue import JobQueue
from bot.routing import JobSpec
from bot.store.tables import deliveries


@dataclass(frozen=True)
class IntakeResult:
    duplicate: bool
    job_ids: tuple[int, ...]


def record_delivery(
    engine: Engine,
    queue: JobQueue,
    delivery: Delivery,
    *,
    outcome: str,
    specs: Sequence[JobSpec],
) -> IntakeResult:
    """A redelivery (same X-GitHub-Delivery) is acknowledged and creates nothing new."""
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(deliveries)
        .values(
            delivery_id=delivery.delivery_id,
            event=delivery.event,
            action=delivery.action,
            installation_id=delivery.installation_id,
            repository=delivery.repository,
            sender=delivery.sender_login,
            outcome=outcome,
            received_at=queue.clock(),
            payload=delivery.body,
        )
        .on_conflict_do_nothing(index_elements=["delivery_id"])
    )
    with engine.begin() as conn:
        if conn.execute(stmt).rowcount == 0:
            return IntakeResult(duplicate=True, job_ids=())
        ids = queue.enqueue_in(conn, specs, delivery_id=delivery.delivery_id)
    return IntakeResult(duplicate=False, job_ids=tuple(ids))


def plan_delivery(
    delivery: Delivery, router_plan: Sequence[JobSpec], *, own_event: bool
) -> tuple[str, list[JobSpec]]:
    """The outcome label recorded for a delivery and the jobs it creates (pure)."""
    if delivery.event == "ping":
        return "pong", []
    if own_event:
        return "ignored_own", []
    if not router_plan:
        return "unrouted", []
    return "queued", list(router_plan)
