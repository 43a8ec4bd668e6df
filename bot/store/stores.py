"""The store as the flows reach it: a few small async objects over one engine, each call
off the event loop. Built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from bot.store.decisions import PullDecisions
from bot.store.installations import Installations
from bot.store.meter import BudgetLimits, Meter
from bot.store.reviews import ReviewRuns
from bot.store.triage import TriageStore
from bot.store.usage import CallScope, StoreCache


@dataclass(frozen=True)
class Stores:
    engine: Engine
    limits: BudgetLimits = field(default_factory=BudgetLimits)

    # Each object is a stateless view of the engine: made when asked for.
    @property
    def runs(self) -> ReviewRuns:
        return ReviewRuns(self.engine)

    @property
    def decisions(self) -> PullDecisions:
        return PullDecisions(self.engine)

    @property
    def triage(self) -> TriageStore:
        return TriageStore(self.engine)

    @property
    def answers(self) -> StoreCache:
        """The model's exact answer cache."""
        return StoreCache(self.engine)

    @property
    def installations(self) -> Installations:
        return Installations(self.engine)

    def meter(self, scope: CallScope) -> Meter:
        """One job's meter: its budget left and the record of its model calls."""
        return Meter(self.engine, self.limits, scope)
