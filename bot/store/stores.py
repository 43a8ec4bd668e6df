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
    runs: ReviewRuns = field(init=False)
    decisions: PullDecisions = field(init=False)
    triage: TriageStore = field(init=False)
    answers: StoreCache = field(init=False)  # the model's exact answer cache
    installations: Installations = field(init=False)

    def __post_init__(self) -> None:
        for name, value in (("runs", ReviewRuns(self.engine)),
                            ("decisions", PullDecisions(self.engine)),
                            ("triage", TriageStore(self.engine)),
                            ("answers", StoreCache(self.engine)),
                            ("installations", Installations(self.engine))):
            object.__setattr__(self, name, value)

    def meter(self, scope: CallScope) -> Meter:
        """One job's meter: its budget left and the record of its model calls."""
        return Meter(self.engine, self.limits, scope)
