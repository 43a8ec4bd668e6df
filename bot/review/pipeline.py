"""One review, from its request to its plan, shared by the App and the CLI:

    request (what to look at) → produce (the checkers' linters and critiques) →
    aggregate (the verifier's verdicts, selection, merging, ranking) → ReviewPlan

The aggregator's verification starts as soon as the critiques are in; it does not wait for
the linters. Nothing here reads GitHub or the store: the request was gathered before, the
plan is posted after (bot/review/flow.py)."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core.checkers import CHECKERS, TOOL_NAMES
from bot.core.findings import Finding
from bot.core.instructions import for_paths
from bot.core.plan import Coverage, ReviewPlan
from bot.core.redact import credentials_masked
from bot.core.reports import ModelState, Produced
from bot.core.usage import Ledger
from bot.errors import ModelError
from bot.llm.client import AnswerCache, LLMClient, ModelSession
from bot.review.aggregate.aggregator import aggregate
from bot.review.aggregate.plan import Reviewed
from bot.review.aggregate.select import Selection, inline_candidates, select
from bot.review.aggregate.tools import review_tools
from bot.review.aggregate.verdicts import Verified, combined
from bot.review.aggregate.verify import Evidence, verify
from bot.review.narrative import write_narrative
from bot.review.policy import ReviewPolicy
from bot.review.produce import produce
from bot.review.request import ReviewRequest, split_reviewable
from bot.review.snapshot import write_snapshot
from bot.review.walkthrough import walkthrough_markdown
from checks.critique import Critic, CritiqueLimits
from checks.linters.kinds import files_by_kind
from checks.linters.session import ToolSession
from checks.linters.settings import (
    LinterSettings,
    load_linter_settings,
    ruff_ignores,
)
from checks.linters.workspace import Runner, Workspace

VERIFIER = "aggregator"  # a strong-model role: the repository's strong choice applies
# The linters' inline candidates put to the verifier, best ranked first, in one call (a local
# model's context is small); any beyond stand as the evidence placed them.
LINTER_VERIFY_LIMIT = 12


@dataclass(frozen=True)
class Reviewers:
    """Who reviews: the model (None: linters only) with its answer cache and what it may
    still spend on this review, and the linters (None: the real tools; tests give recorded
    output)."""

    llm: LLMClient | None = None
    cache: AnswerCache | None = None
    budget_usd: float | None = None  # None: no cap
    runners: Mapping[str, Runner] | None = None


async def run_review(request: ReviewRequest, policy: ReviewPolicy | None = None,
                     reviewers: Reviewers | None = None) -> ReviewPlan:
    policy, reviewers = policy or ReviewPolicy(), reviewers or Reviewers()
    config = request.config.config
    linter_settings = load_linter_settings(request.linter_configs)
    excluded = {p: f"excluded by the repository's {tool} settings" for p in request.diff.files
                if (tool := linter_settings.excluded_by(p)) is not None}
    reviewable, skipped = split_reviewable(request.diff, config, request.contents,
                                           {**excluded, **request.unreviewable})
    sources = {p: c.decode("utf-8", errors="replace") for p, c in reviewable.items()}
    enabled = [c for c in CHECKERS if config.checker_enabled(c)]
    state = _model_state(policy, reviewers, bool(reviewable))
    # The model reads the files with anything shaped like a credential masked (lines kept):
    # a key committed in the PR never reaches the model endpoint.
    shown = {p: credentials_masked(text) for p, text in sources.items()} \
        if state == "ran" else {}
    critic = _critic(request, policy, reviewers, shown) if state == "ran" else None
    reviewed = Reviewed(
        base=request.base, head=request.head, diff=request.diff, config=config,
        coverage=Coverage(files_total=len(request.diff.files), files_reviewed=len(reviewable),
                          skipped=tuple(skipped)),
        reviewed_files=sorted(reviewable), sources=sources,
        already_posted=request.already_posted, config_error=request.config.error,
        walkthrough=walkthrough_markdown(request.diff, sources))
    ignores = {p: ruff_ignores(linter_settings.ruff, p) for p in reviewable}

    def selection_of(findings: Sequence[Finding]) -> Selection:
        return select(findings, request.diff, config, sources, ignores, request.decisions)

    produced, verification = Produced(), None
    if reviewable and enabled:
        with _workspace(reviewable, linter_settings, policy.tool_seconds) as ws:
            off = frozenset(t for t in TOOL_NAMES if not config.tool_enabled(t))
            session = (ToolSession(ws, dict(reviewers.runners), switched_off=off)
                       if reviewers.runners is not None else ToolSession(ws, switched_off=off))
            evidence = (Evidence(shown, review_tools(shown, critic.diff, session.findings_in),
                                 request.instructions)
                        if critic is not None else None)
            produced, verification = await _produce_and_verify(session, critic, enabled,
                                                               sources, evidence, policy)
            if critic is not None and evidence is not None:
                verification = await _verify_inline_linters(
                    critic, evidence, inline_candidates(
                        selection_of(produced.findings),
                        min(config.max_comments, LINTER_VERIFY_LIMIT)),
                    verification, policy)
    produced = replace(produced, model=state,
                       notes=(*linter_settings.notes, *produced.notes),
                       critiques=critic.report() if critic is not None else None,
                       instructions_used=_instructions_used(request, critic))
    plan = aggregate(reviewed, produced, verification, request.decisions, ignores)
    if critic is None or len(produced.model_errors) >= len(enabled) or critic.skipped:
        # No model, it failed every critique, or a budget already stopped critiques: the
        # walkthrough stands alone (a budget is never overrun for the summary).
        return plan
    # The aggregator writes the opening from what it kept, then the plan is built with it.
    narrative = await write_narrative(critic.model, critic.model_for(VERIFIER),
                                      reviewed.walkthrough, plan.findings, config.language)
    if not narrative:
        return plan
    return aggregate(reviewed, replace(produced, narrative=narrative), verification,
                     request.decisions, ignores)


async def _verify_inline_linters(critic: Critic, evidence: Evidence,
                                 candidates: Sequence[Finding], verification: Verified | None,
                                 policy: ReviewPolicy) -> Verified | None:
    """The linters' findings about to go inline (`inline_candidates`), put to the verifier
    once the linters are done (beside the critiques' verification, in its own
    conversation)."""
    if not candidates:
        return verification
    if critic.model.spent:
        checked = Verified(list(candidates), error="the model budget was reached before the "
                                                   "linters' findings were verified")
    else:
        checked = await verify(candidates, critic.model, evidence, policy.verify_threshold,
                               candidates=candidates, model_name=critic.model_for(VERIFIER))
    return checked if verification is None else combined(verification, checked)


def _instructions_used(request: ReviewRequest, critic: Critic | None) -> tuple[str, ...]:
    """Each instruction file the model was given for at least one file, with its scope."""
    if critic is None:
        return ()
    return tuple(f"{i.path} ({i.scope()}{', cut to its first part' if i.cut else ''})"
                 for i in for_paths(request.instructions, critic.instructed))


def _model_state(policy: ReviewPolicy, reviewers: Reviewers, anything: bool) -> ModelState:
    if not policy.use_llm:
        return "off"
    if reviewers.llm is None:
        return "unconfigured"
    return "ran" if anything else "idle"


def _critic(request: ReviewRequest, policy: ReviewPolicy, reviewers: Reviewers,
            sources: Mapping[str, str]) -> Critic:
    assert reviewers.llm is not None
    limits = CritiqueLimits(min_confidence=policy.min_confidence,
                            budget_usd=reviewers.budget_usd, token_budget=policy.token_budget,
                            models=request.config.config.models,
                            concurrency=policy.llm_concurrency,
                            language=request.config.config.language)
    return Critic(ModelSession(reviewers.llm, Ledger(), reviewers.cache, reviewers.budget_usd),
                  request.diff, sources, limits, instructions=request.instructions)


@contextmanager
def _workspace(reviewable: Mapping[str, bytes], settings: LinterSettings,
               tool_seconds: float) -> Iterator[Workspace]:
    """Only the PR's changed files go into the snapshot; the linters' configuration is
    built from the default branch's and written outside it (see Workspace)."""
    with tempfile.TemporaryDirectory(prefix="reviewbot-") as tmp:
        root, home = Path(tmp) / "repo", Path(tmp) / "home"
        root.mkdir()
        home.mkdir()
        write_snapshot(root, reviewable)
        kinds = files_by_kind(reviewable)
        yield Workspace(root=root, home=home, all_files=tuple(sorted(reviewable)),
                        timeout=tool_seconds, python_files=kinds.get("python", ()),
                        settings=settings, by_kind=kinds)


async def _produce_and_verify(session: ToolSession, critic: Critic | None,
                              enabled: list[str], sources: Mapping[str, str],
                              evidence: Evidence | None,
                              policy: ReviewPolicy) -> tuple[Produced, Verified | None]:
    """The producers, and beside them the aggregator's verification of the critiques."""
    verifying = None
    if critic is not None and evidence is not None:
        verifying = asyncio.ensure_future(verify_critiques(
            [critic.critique(c) for c in enabled], critic.model, evidence,
            threshold=policy.verify_threshold, model_name=critic.model_for(VERIFIER)))
    try:
        produced = await produce(session, critic, enabled, sources)
        return produced, (await verifying if verifying is not None else None)
    finally:
        if verifying is not None and not verifying.done():
            verifying.cancel()


async def verify_critiques(critiques: Sequence[asyncio.Future[list[Finding]]],
                           model: ModelSession, evidence: Evidence, *, threshold: int,
                           model_name: str | None = None) -> Verified:
    """The verification of every critique's findings, started as soon as the critiques are
    in (it does not wait for the linters). A critique that failed gives no findings."""
    results = await asyncio.gather(*critiques, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, ModelError):
            raise result
    found = [f for r in results if isinstance(r, list) for f in r]
    if not found:
        return Verified(found)
    if model.spent:
        return Verified(found, error="the model budget was reached")
    return await verify(found, model, evidence, threshold, model_name=model_name)
