"""What a handler receives: the claimed job and the shared dependencies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from bot.settings import Settings


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


@dataclass(frozen=True)
class JobContext:
    """Built once by the composition root; handlers take what they need from it."""

    settings: Settings
    engine: Engine
    services: Mapping[str, Any] = field(default_factory=dict)
