"""One job's meter for the model: what it may still spend (the lower of what is left of the
PR's budget and of the installation's budget for today) and the record of every call it
made. One place for the budget check and the usage record of reviews, `/ask` and triage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import anyio
from sqlalchemy.engine import Engine

from bot.core.usage import CallRecord
from bot.store.usage import CallScope, record_calls, spent_by_installation_today, spent_on_pull


@dataclass(frozen=True)
class BudgetLimits:
    """The operator's caps in USD (0: no cap)."""

    per_pull: float = 0.0
    per_installation_day: float = 0.0


@dataclass(frozen=True)
class Meter:
    engine: Engine
    limits: BudgetLimits
    scope: CallScope  # the repository, PR or issue, head and installation spent on

    async def remaining(self) -> float | None:
        """What this job may still spend on the model; None: no cap."""
        return await anyio.to_thread.run_sync(self._remaining)

    async def spent_out(self) -> bool:
        left = await self.remaining()
        return left is not None and left <= 0

    async def record(self, calls: Sequence[CallRecord]) -> None:
        await anyio.to_thread.run_sync(record_calls, self.engine, self.scope, calls)

    def _remaining(self) -> float | None:
        left: list[float] = []
        scope = self.scope
        if self.limits.per_pull > 0 and scope.number is not None:
            left.append(self.limits.per_pull
                        - spent_on_pull(self.engine, scope.repository, scope.number))
        if self.limits.per_installation_day > 0 and scope.installation_id is not None:
            left.append(self.limits.per_installation_day
                        - spent_by_installation_today(self.engine, scope.installation_id))
        return max(0.0, min(left)) if left else None
