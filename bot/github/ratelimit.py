"""Decide how long to wait after a refused request (pure).

GitHub's guidance: honour `retry-after`; else, when `x-ratelimit-remaining` is 0, wait until
`x-ratelimit-reset`; a secondary limit (recognised by its message) without either header
means waiting at least a minute.
"""

from __future__ import annotations

from collections.abc import Mapping

SECONDARY_HINTS = ("secondary rate limit", "abuse detection")
MIN_SECONDARY_WAIT = 60.0


def rate_limit_delay(
    status: int, headers: Mapping[str, str], message: str, *, now: float
) -> float | None:
    """Seconds to wait before retrying, or None when this is not a rate limit."""
    if status not in (403, 429):
        return None
    retry_after = headers.get("retry-after")
    if retry_after is not None and retry_after.strip().isdigit():
        return float(retry_after)
    remaining = headers.get("x-ratelimit-remaining")
    reset = headers.get("x-ratelimit-reset")
    if remaining == "0" and reset is not None and reset.strip().isdigit():
        return max(0.0, float(reset) - now) + 1.0
    lowered = message.lower()
    if any(hint in lowered for hint in SECONDARY_HINTS) or status == 429:
        return MIN_SECONDARY_WAIT
    if "rate limit" in lowered:
        return MIN_SECONDARY_WAIT
    return None
