"""What model calls cost: one record per call, a ledger per review, prices per model (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# USD per million tokens (input, output); operators override or extend it in settings.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
}


@dataclass(frozen=True)
class CallRecord:
    purpose: str  # e.g. "critique:bug"
    model: str
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    latency_seconds: float
    cost_usd: float
    ok: bool
    error: str = ""
    cache_hit: bool = False


def cost_of(model: str, prompt_tokens: int, completion_tokens: int,
            prices: Mapping[str, tuple[float, float]]) -> float:
    """Unknown models cost 0 (a self-hosted endpoint); the table says what is known."""
    inp, out = prices.get(model, (0.0, 0.0))
    return round((prompt_tokens * inp + completion_tokens * out) / 1_000_000, 6)


@dataclass
class Ledger:
    """Every call of one review, in order."""

    calls: list[CallRecord] = field(default_factory=list)

    def add(self, record: CallRecord) -> None:
        self.calls.append(record)

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.calls)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.calls)

    @property
    def cost_usd(self) -> float:
        return round(sum(c.cost_usd for c in self.calls), 6)
