"""The aggregator, deterministic half: the producers' findings and the verifier's verdicts
in, the one plan out (pure).

verdicts (refuted model findings out, demoted ones moved) → select (filters, tiers,
fingerprints, merged duplicates, what people decided, ranked) → plan (inline comments,
summary, check run), with the account of what ran.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.fingerprint import fingerprint
from bot.core.plan import ReviewPlan
from bot.core.reports import Produced
from bot.review.aggregate.account import llm_note, tool_steps, usage_of
from bot.review.aggregate.plan import Account, Reviewed, build_plan
from bot.review.aggregate.select import Decisions, select
from bot.review.aggregate.verdicts import Verified, apply_verdicts


def aggregate(reviewed: Reviewed, produced: Produced, verification: Verified | None,
              decisions: Decisions, repo_ignores: Mapping[str, frozenset[str]]) -> ReviewPlan:
    """`repo_ignores`: per path, the ruff codes the repository's own settings ignore there."""
    findings = list(produced.findings)
    errors = dict(produced.model_errors)
    if verification is not None:
        findings = apply_verdicts(findings, verification)
        if verification.error:
            errors["aggregator"] = verification.error
    sources = reviewed.sources or {}
    selection = select(findings, reviewed.diff, reviewed.config, sources, repo_ignores,
                       decisions)
    critiques = produced.critiques
    # Every finding not reported, with its reason: the model's and the linters'.
    dropped = [*(critiques.dropped if critiques else ()),
               *(verification.dropped if verification else ()), *selection.dropped]
    failed = bool(produced.tool_errors or errors)
    account = Account(
        tool_errors=produced.tool_errors, settings_notes=produced.notes,
        tool_versions=produced.tool_versions, instructions_used=produced.instructions_used,
        narrative=produced.narrative,
        llm_note=llm_note(produced.model, critiques, errors,
                          verification.trace.stopped if verification else ""),
        usage=usage_of(critiques),
        calls=tuple(critiques.ledger.calls) if critiques else (), dropped=dropped,
        tool_steps=tool_steps(verification.trace if verification else None),
        seen=None if failed else frozenset(fingerprint(f, sources.get(f.path))
                                           for f in [*findings, *dropped]))
    return build_plan(reviewed, selection.kept, account)
