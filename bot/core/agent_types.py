"""An agent loop's parts as pure data: a tool it may call, the steps it took, why it stopped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[BaseModel]
    run: Callable[[Any], Awaitable[str]]  # receives a validated `args` instance

    def spec(self) -> dict[str, Any]:
        return {"type": "function", "function": {
            "name": self.name, "description": self.description,
            "parameters": self.args.model_json_schema()}}


@dataclass(frozen=True)
class Step:
    tool: str
    arguments: str
    latency_seconds: float
    outcome: str  # ok | unknown tool | invalid arguments | repeated | failed


@dataclass
class Trace:
    steps: list[Step] = field(default_factory=list)
    stopped: str = ""  # why the loop ended early, if it did
