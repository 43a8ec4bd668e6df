"""What the review flow needs from the process (the composition root's bundle has it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from bot.llm.client import LLMClient
from bot.settings import Settings
from bot.store.stores import Stores
from checks.linters.workspace import Runner


class ReviewServices(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def stores(self) -> Stores: ...

    @property
    def llm(self) -> LLMClient | None: ...

    @property
    def linters(self) -> Mapping[str, Runner] | None: ...
