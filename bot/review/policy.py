"""How reviews run, decided once from the settings and shared by the App and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings


@dataclass(frozen=True)
class ReviewPolicy:
    use_llm: bool = True  # False: linters and the deterministic aggregator only
    tool_seconds: float = 180.0  # per linter run (the job has its own overall deadline)
    min_confidence: float = 0.6  # a model finding below it is dropped, with the reason
    llm_concurrency: int = 40  # model calls in flight at once
    verify_threshold: int = 6  # the aggregator's score a model finding needs to stand
    token_budget: int | None = None  # input tokens the critiques may send per PR

    @classmethod
    def from_settings(cls, settings: Settings, *, use_llm: bool = True) -> ReviewPolicy:
        return cls(use_llm=use_llm, min_confidence=settings.llm_min_confidence,
                   llm_concurrency=settings.llm_concurrency,
                   verify_threshold=settings.llm_verify_threshold,
                   token_budget=settings.llm_pr_tokens or None)
