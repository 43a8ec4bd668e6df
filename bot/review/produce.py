"""The producers of one review: each enabled checker's linters and model critique over the
snapshot of the PR's files, run concurrently; one typed `Produced` out (the model's
part of it, what the critiques did, is added once the aggregator's verification is done)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from bot.core.reports import Produced
from checks.checkers import REGISTRY, ReviewContext, run_checkers
from checks.critique import Critic
from checks.linters.session import ToolSession
from checks.linters.tools import ruff_on_text
from checks.linters.versions import tool_version
from checks.relint import FixKey, unclean_fixes, without_fixes


async def produce(session: ToolSession, critic: Critic | None, enabled: Sequence[str],
                  sources: Mapping[str, str]) -> Produced:
    """Every enabled checker's findings in the reviewed files (`sources`), with ruff's fixes
    that do not re-lint clean taken off them."""
    relinting = asyncio.ensure_future(_relint(session, enabled, sources))
    try:
        checker_results, tool_results = await run_checkers(ReviewContext(session, critic),
                                                           enabled)
        findings = without_fixes([f for r in checker_results for f in r.findings
                                  if f.path in sources], await relinting)
    finally:
        if not relinting.done():
            relinting.cancel()
    return Produced(
        findings=tuple(findings),
        tool_errors=tuple(f"{r.tool}: {r.error}" for r in tool_results if r.error),
        notes=tuple(note for r in tool_results for note in r.notes),
        tool_versions={r.tool: tool_version(r.tool) for r in sorted(
            tool_results, key=lambda r: r.tool) if r.files or r.error},
        model_errors={r.checker: r.model_error for r in checker_results if r.model_error})


async def _relint(session: ToolSession, enabled: Sequence[str],
                  sources: Mapping[str, str]) -> set[FixKey]:
    """Which of ruff's fixes do not re-lint clean, as soon as ruff is done (the same run the
    checkers share), if an enabled checker runs ruff at all."""
    if not any("ruff" in REGISTRY[name].tools for name in enabled):
        return set()
    ruff = await session.result("ruff")
    if ruff.error:
        return set()
    return await unclean_fixes(ruff, sources=sources, workspace=session.workspace,
                               ruff=ruff_on_text)
