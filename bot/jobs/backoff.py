"""Retry delays (pure)."""

from __future__ import annotations


def backoff_delay(attempt: int, *, base: float, cap: float) -> float:
    """Exponential: base, 2*base, 4*base, ... for attempts 1, 2, 3, ..., never above cap."""
    if attempt < 1:
        return 0.0
    return float(min(cap, base * (2 ** (attempt - 1))))
