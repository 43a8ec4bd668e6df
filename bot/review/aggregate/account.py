"""The review's honest account of what ran (pure): the footer's sentence on the model, the
usage, and the trace of the aggregator's tool steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.agent_types import Trace
from bot.core.inert import code_span, inert
from bot.core.plan import Usage
from bot.core.reports import CritiqueReport, ModelState


def llm_note(state: ModelState, critiques: CritiqueReport | None,
             errors: Mapping[str, str], stopped: str = "") -> str:
    """The footer's account of what the model did: every call counted as the usage counts
    it (failed ones said), why the aggregator's tool loop stopped early if it did."""
    if state == "off":
        return "Linters only (--no-llm)."
    if state == "unconfigured":
        return "Linters only (no LLM configured)."
    if critiques is None:
        return "No model call (nothing to review)."
    ledger = critiques.ledger
    tokens = ledger.prompt_tokens + ledger.completion_tokens
    models = ", ".join(sorted({c.model for c in ledger.calls if c.ok}))
    failures = sum(not c.ok for c in ledger.calls)
    parts = [f"Model review: {len(ledger.calls)} call(s)"
             + (f" ({failures} failed)" if failures else "")
             + f", {tokens:,} tokens, ${ledger.cost_usd:.4f}"
             + (f" ({models})." if models else ".")]
    errors = dict(errors)
    if (aggregator := errors.pop("aggregator", None)) is not None:
        parts.append(f"**The aggregator's verification failed** ({inert(aggregator)}); the "
                     "deterministic selection decided.")
    if errors:
        failed = ", ".join(sorted(errors))
        reason = inert(next(iter(errors.values())))
        parts.append(f"**The model part failed** for {failed} ({reason}); their linter "
                     "findings are shown.")
    if critiques.not_read:
        parts += _unread(critiques)
    if stopped:
        parts.append(f"The aggregator's look at the code stopped early ({inert(stopped)}).")
    return " ".join(parts)


def _unread(critiques: CritiqueReport) -> list[str]:
    read, not_read = critiques.read, critiques.not_read
    unread = [p for p in sorted(not_read) if p not in read]
    parts = [f"The model read {len(read)} of {len(critiques.files)} changed file(s)."]
    for why in sorted({not_read[p] for p in unread}):
        paths = [p for p in unread if not_read[p] == why]
        shown = ", ".join(code_span(p) for p in paths[:10])
        more = f" and {len(paths) - 10} more" if len(paths) > 10 else ""
        parts.append(f"It did not read {shown}{more} ({inert(why)}).")
    partly = [(checker, why) for checker, path, why in critiques.skipped if path in read]
    if partly:
        checkers = ", ".join(sorted({checker for checker, _ in partly}))
        parts.append(f"Not every checker read every file: {len(partly)} critique(s) "
                     f"by {checkers} were not asked ({inert(partly[0][1])}).")
    return parts


def usage_of(critiques: CritiqueReport | None) -> Usage:
    if critiques is None:
        return Usage()
    ledger = critiques.ledger
    return Usage(llm_calls=len(ledger.calls), prompt_tokens=ledger.prompt_tokens,
                 completion_tokens=ledger.completion_tokens, cost_usd=ledger.cost_usd)


def tool_steps(trace: Trace | None) -> tuple[dict[str, Any], ...]:
    if trace is None:
        return ()
    return tuple({"tool": st.tool, "arguments": st.arguments, "outcome": st.outcome,
                  "latency_seconds": round(st.latency_seconds, 3)} for st in trace.steps)
