"""Old deliveries and finished jobs are deleted after the retention period.

A delivery keeps its whole payload (what a job needs to run); past the retention period, and
once none of its jobs is pending or running, it and its jobs go. Deleted in batches so a
long backlog never holds a big transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.store.tables import deliveries, jobs

LIVE_STATES = ("pending", "running")


def prune(engine: Engine, *, before: float, batch: int = 500) -> int:
    """Delete deliveries received before `before` (epoch seconds) whose jobs have all
    finished, with those jobs; and finished jobs of no delivery that ended before it.
    Returns how many deliveries were deleted."""
    deleted = 0
    while True:
        with engine.begin() as conn:
            live = (sa.select(jobs.c.id)
                    .where(jobs.c.delivery_id == deliveries.c.delivery_id,
                           jobs.c.state.in_(LIVE_STATES))
                    .exists())
            ids = list(conn.execute(
                sa.select(deliveries.c.delivery_id)
                .where(deliveries.c.received_at < before, ~live)
                .limit(batch)).scalars())
            if ids:
                conn.execute(jobs.delete().where(jobs.c.delivery_id.in_(ids)))
                conn.execute(deliveries.delete().where(deliveries.c.delivery_id.in_(ids)))
            conn.execute(jobs.delete().where(jobs.c.delivery_id.is_(None),
                                             jobs.c.state.not_in(LIVE_STATES),
                                             jobs.c.finished_at < before))
        deleted += len(ids)
        if len(ids) < batch:
            return deleted
