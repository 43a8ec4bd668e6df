"""The checker agents (bug, style, security, performance) and the one registry of them.

A checker receives a `ReviewContext` and returns a `CheckerResult`: its linters' findings
and, when a model is configured, an LLM critique's (a `Checker` is anything with a `name`,
its `tools` and `check`). Checkers run concurrently and share one run of each linter
through the context's `ToolSession`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.core.checkers import CHECKER_SPECS, CheckerSpec
from bot.core.findings import Finding
from bot.errors import ModelError
from checks.critique import Critic
from checks.linters.session import ToolSession
from checks.linters.workspace import ToolResult


@dataclass(frozen=True)
class ReviewContext:
    """What a checker works with: the shared linter runs over the snapshot of the PR's files,
    and the LLM half of every checker when a model is configured."""

    tools: ToolSession
    critic: Critic | None = None


@dataclass(frozen=True)
class CheckerResult:
    checker: str
    findings: tuple[Finding, ...]
    tools: tuple[str, ...]
    model_error: str | None = None  # the LLM half failed: the linters' findings still count


class Checker(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def tools(self) -> tuple[str, ...]: ...

    async def check(self, ctx: ReviewContext) -> CheckerResult: ...


@dataclass(frozen=True)
class LinterChecker:
    """A checker's linter half: the findings its tools attribute to it."""

    spec: CheckerSpec

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def tools(self) -> tuple[str, ...]:
        return self.spec.tools

    async def check(self, ctx: ReviewContext) -> CheckerResult:
        results = await asyncio.gather(*(ctx.tools.result(t) for t in self.tools))
        findings = tuple(f for r in results for f in r.findings if f.checker == self.name)
        return CheckerResult(self.name, findings, self.tools)


@dataclass(frozen=True)
class AgentChecker:
    """A checker = its linters + an LLM critique of the change, run concurrently (the
    model never waits for the linters). A failed critique costs its findings, not the
    linters'; the result says why."""

    linters: LinterChecker

    @property
    def name(self) -> str:
        return self.linters.name

    @property
    def tools(self) -> tuple[str, ...]:
        return self.linters.tools

    async def check(self, ctx: ReviewContext) -> CheckerResult:
        if ctx.critic is None:
            return await self.linters.check(ctx)
        linted, critiqued = await asyncio.gather(
            self.linters.check(ctx), _critique(ctx.critic, self.name))
        found, error = critiqued
        return CheckerResult(self.name, (*linted.findings, *found), self.tools, error)


async def _critique(critic: Critic, checker: str) -> tuple[list[Finding], str | None]:
    try:
        return await critic.critique(checker), None
    except ModelError as exc:
        return [], str(exc)


REGISTRY: dict[str, Checker] = {spec.name: AgentChecker(LinterChecker(spec))
                                for spec in CHECKER_SPECS}


async def run_checkers(ctx: ReviewContext, enabled: Sequence[str]
                       ) -> tuple[list[CheckerResult], list[ToolResult]]:
    checkers = [REGISTRY[name] for name in enabled]
    # Start every tool at once so they overlap instead of queueing behind one checker.
    ctx.tools.start(sorted({t for c in checkers for t in c.tools}))
    results = await asyncio.gather(*(c.check(ctx) for c in checkers))
    return list(results), ctx.tools.results()
