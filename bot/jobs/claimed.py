"""A job a worker claimed: what its handler receives besides the services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    attempts: int
    max_attempts: int
    claim_token: str
    delivery_id: str | None
    coalesce_key: str | None
    payload: Mapping[str, Any]
