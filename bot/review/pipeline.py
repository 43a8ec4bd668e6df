"""The review pipeline: changed files in, one ReviewPlan out. Shared by the App and the CLI."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.build import build_plan
from bot.core.checkers import CHECKERS
from bot.core.diffmap import DiffMap, FileDiff, FileStatus
from bot.core.findings import Finding
from bot.core.fingerprint import fingerprint
from bot.core.inert import code_span, inert
from bot.core.plan import Coverage, ReviewPlan, Usage
from bot.core.repo_config import LoadedConfig, RepoConfig, is_code
from bot.llm.client import AnswerCache, LLMClient
from bot.review.select import Decisions, select_findings
from bot.review.snapshot import MAX_FILE_BYTES, UnsafePath, is_binary, safe_relpath, write_snapshot
from checks.checkers import REGISTRY, Budget, ReviewContext, run_checkers
from checks.critique import Critic
from checks.linters.session import ToolSession
from checks.linters.settings import load_linter_settings, ruff_ignores
from checks.linters.tools import ruff_on_text
from checks.linters.workspace import Runner, Workspace
from checks.relint import FixKey, unclean_fixes, without_fixes
from checks.verify import Verified

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class ReviewRequest:
    base: str
    head: str
    diff: DiffMap
    contents: Mapping[str, bytes | None]  # head content of the files to review
    config: LoadedConfig = field(default_factory=lambda: LoadedConfig(RepoConfig()))
    # The linters' configuration files from the default branch (never the PR's).
    linter_configs: Mapping[str, bytes] = field(default_factory=dict)
    already_posted: frozenset[str] = frozenset()
    # What people with write access dismissed (no longer inline nor failing the check, still
    # annotated), and the rules this repository's feedback keeps rejecting.
    decisions: Decisions = field(default_factory=Decisions)
    # Paths known not to be reviewable whatever their content (symlinks, submodules).
    unreviewable: Mapping[str, str] = field(default_factory=dict)


def _diff_problem(path: str, f: FileDiff, config: RepoConfig) -> str | None:
    """Why a changed file is not reviewed, judged from the diff and settings alone."""
    try:
        safe_relpath(path)
    except UnsafePath:
        return "unsafe path"
    if f.status is FileStatus.REMOVED:
        return "deleted"
    if (ignore := config.ignore_reason(path)) is not None:
        return ignore
    if f.is_binary:
        return "binary"
    if f.too_large:
        return "diff too large"
    return None


def review_order(diff: DiffMap) -> list[str]:
    """The order the file budget is spent in: code before other files, then the files
    with the most added lines, then by path (pure; deterministic)."""
    def key(path: str) -> tuple[int, int, str]:
        f = diff.files[path]
        return (0 if is_code(path) else 1, -len(f.added_lines), path)
    return sorted(diff.files, key=key)


def files_to_fetch(diff: DiffMap, config: RepoConfig) -> list[str]:
    """The changed files whose head content the review needs, at most `max_files` (pure)."""
    return [
        path for path in review_order(diff)
        if _diff_problem(path, diff.files[path], config) is None
    ][: config.max_files]


def triage_files(
    diff: DiffMap, config: RepoConfig, contents: Mapping[str, bytes | None],
    unreviewable: Mapping[str, str] | None = None,
) -> tuple[dict[str, bytes], list[tuple[str, str]]]:
    """Split the changed files into reviewable ones and skipped ones with a reason (pure)."""
    reviewable: dict[str, bytes] = {}
    skipped: list[tuple[str, str]] = []
    eligible = 0
    for path in review_order(diff):
        f = diff.files[path]
        content = contents.get(path)
        reason = (unreviewable or {}).get(path) or _diff_problem(path, f, config)
        if reason is None:
            eligible += 1
            reason = _content_problem(path, content, eligible, config.max_files)
        if reason is None and content is not None:
            reviewable[path] = content
        else:
            skipped.append((path, reason or "unknown"))
    return reviewable, sorted(skipped)


def _content_problem(path: str, content: bytes | None, rank: int, limit: int) -> str | None:
    if rank > limit:
        return f"over the {limit}-file limit"
    if content is None:
        return "content unavailable"
    if len(content) > MAX_FILE_BYTES:
        return "file too large"
    if is_binary(content):
        return "binary"
    try:
        safe_relpath(path)
    except UnsafePath:
        return "unsafe path"
    return None


async def run_review(
    request: ReviewRequest,
    *,
    tool_timeout: float = 180.0,
    runners: Mapping[str, Runner] | None = None,
    use_llm: bool = True,
    llm: LLMClient | None = None,
    min_confidence: float = 0.6,
    cache: AnswerCache | None = None,
    budget_usd: float | None = None,
    llm_concurrency: int = 40,
    verify_threshold: int = 6,
    token_budget: int | None = None,
) -> ReviewPlan:
    config = request.config.config
    reviewable, skipped = triage_files(request.diff, config, request.contents,
                                       request.unreviewable)
    coverage = Coverage(files_total=len(request.diff.files), files_reviewed=len(reviewable),
                        skipped=tuple(skipped))
    enabled = [c for c in CHECKERS if config.checker_enabled(c)]
    findings: list[Finding] = []
    verification: Verified | None = None
    tool_errors: list[str] = []
    model_errors: dict[str, str] = {}
    sources = {p: c.decode("utf-8", errors="replace") for p, c in reviewable.items()}
    critic = (Critic(llm, request.diff, sources, min_confidence, cache=cache,
                     budget_usd=budget_usd, concurrency=llm_concurrency,
                     models=config.models, token_budget=token_budget)
              if llm is not None and use_llm and reviewable else None)
    linter_settings = load_linter_settings(request.linter_configs)
    settings_notes = list(linter_settings.notes)
    if reviewable and enabled:
        with tempfile.TemporaryDirectory(prefix="reviewbot-") as tmp:
            root, home = Path(tmp) / "repo", Path(tmp) / "home"
            root.mkdir()
            home.mkdir()
            # Only the PR's changed files go into the snapshot; the linters' configuration
            # is built from the default branch's and written outside it (see Workspace).
            write_snapshot(root, reviewable)
            paths = tuple(sorted(reviewable))
            budget = Budget(tool_seconds=tool_timeout)
            ws = Workspace(root=root, home=home, all_files=paths, timeout=budget.tool_seconds,
                           python_files=tuple(p for p in paths if p.endswith(PYTHON_SUFFIXES)),
                           settings=linter_settings)
            session = ToolSession(ws, dict(runners)) if runners is not None else ToolSession(ws)
            ctx = ReviewContext(diff=request.diff, workspace=ws, config=config, budget=budget,
                                tools=session, critic=critic)
            if critic is not None:
                critic.linter_findings = session.findings_in
            verifying = (asyncio.ensure_future(critic.verified(enabled, verify_threshold))
                         if critic is not None else None)
            relinting = asyncio.ensure_future(_relint(session, enabled, sources, ws))
            try:
                checker_results, tool_results = await run_checkers(ctx, enabled)
                findings = without_fixes([f for r in checker_results for f in r.findings
                                          if f.path in reviewable], await relinting)
                verification = await verifying if verifying is not None else None
            finally:
                for task in (verifying, relinting):
                    if task is not None and not task.done():
                        task.cancel()
        tool_errors = [f"{r.tool}: {r.error}" for r in tool_results if r.error]
        settings_notes += [note for r in tool_results for note in r.notes]
        model_errors = {r.checker: r.model_error for r in checker_results if r.model_error}
    if verification is not None:
        findings = apply_verdicts(findings, verification)
        if verification.error:
            model_errors["aggregator"] = verification.error
    ignores = {p: ruff_ignores(linter_settings.ruff, p) for p in reviewable}
    selected = select_findings(findings, request.diff, config, sources, ignores,
                               request.decisions)
    return build_plan(
        base=request.base, head=request.head, findings=selected, diff=request.diff,
        config=config, coverage=coverage, reviewed_files=sorted(reviewable),
        tool_errors=tool_errors, config_error=request.config.error,
        settings_notes=settings_notes,
        llm_note=llm_note(critic, use_llm=use_llm, configured=llm is not None,
                          errors=model_errors),
        usage=usage_of(critic), calls=tuple(critic.ledger.calls) if critic else (),
        dropped=critic.dropped if critic else (),
        tool_steps=[{"tool": st.tool, "arguments": st.arguments, "outcome": st.outcome,
                     "latency_seconds": round(st.latency_seconds, 3)}
                    for st in critic.trace.steps] if critic else (),
        already_posted=request.already_posted, sources=sources,
        seen=None if tool_errors or model_errors else frozenset(
            fingerprint(f, sources.get(f.path))
            for f in [*findings, *(critic.dropped if critic else ())]),
    )


async def _relint(session: ToolSession, enabled: Sequence[str], sources: Mapping[str, str],
                  ws: Workspace) -> set[FixKey]:
    """Which of ruff's fixes do not re-lint clean, as soon as ruff is done (the same run the
    checkers share), if an enabled checker runs ruff at all."""
    if not any("ruff" in REGISTRY[name].tools for name in enabled):
        return set()
    ruff = await session.result("ruff")
    if ruff.error:
        return set()
    return await unclean_fixes(ruff, sources=sources, workspace=ws, ruff=ruff_on_text)


def apply_verdicts(findings: Sequence[Finding], verification: Verified) -> list[Finding]:
    """The checkers' findings as the aggregator judged them: refuted and nitpicked model
    findings out, demoted ones in their new place (pure)."""
    def key(f: Finding) -> tuple[str, str, int, str]:
        return (f.checker, f.path, f.line, f.message)
    refuted = {key(f) for f in verification.dropped}
    judged = {key(f): f for f in verification.kept if f.status != "reported"}
    return [judged.get(key(f), f) for f in findings
            if f.source != "model" or key(f) not in refuted]


def llm_note(critic: Critic | None, *, use_llm: bool, configured: bool,
             errors: Mapping[str, str]) -> str:
    """The footer's honest account of what the model did (pure)."""
    if not use_llm:
        return "Linters only (--no-llm)."
    if not configured:
        return "Linters only (no LLM configured)."
    if critic is None:
        return "No model call (nothing to review)."
    ledger = critic.ledger
    tokens = ledger.prompt_tokens + ledger.completion_tokens
    models = ", ".join(sorted({c.model for c in ledger.calls if c.ok}))
    parts = [f"Model review: {sum(c.ok for c in ledger.calls)} call(s), {tokens:,} tokens, "
             f"${ledger.cost_usd:.4f}" + (f" ({models})." if models else ".")]
    errors = dict(errors)
    if (aggregator := errors.pop("aggregator", None)) is not None:
        parts.append(f"**The aggregator's verification failed** ({inert(aggregator)}); the "
                     "deterministic selection decided.")
    if errors:
        failed = ", ".join(sorted(errors))
        reason = inert(next(iter(errors.values())))
        parts.append(f"**The model part failed** for {failed} ({reason}); their linter "
                     "findings are shown.")
    if critic.not_read:
        unread = [p for p in sorted(critic.not_read) if p not in critic.read]
        parts.append(f"The model read {len(critic.read)} of {len(critic.files())} changed "
                     "file(s).")
        for why in sorted({critic.not_read[p] for p in unread}):
            paths = [p for p in unread if critic.not_read[p] == why]
            shown = ", ".join(code_span(p) for p in paths[:10])
            more = f" and {len(paths) - 10} more" if len(paths) > 10 else ""
            parts.append(f"It did not read {shown}{more} ({inert(why)}).")
        partly = [(checker, why) for checker, path, why in critic.skipped if path in critic.read]
        if partly:
            checkers = ", ".join(sorted({checker for checker, _ in partly}))
            parts.append(f"Not every checker read every file: {len(partly)} critique(s) "
                         f"by {checkers} were not asked ({inert(partly[0][1])}).")
    return " ".join(parts)


def usage_of(critic: Critic | None) -> Usage:
    if critic is None:
        return Usage()
    ledger = critic.ledger
    return Usage(llm_calls=len(ledger.calls), prompt_tokens=ledger.prompt_tokens,
                 completion_tokens=ledger.completion_tokens, cost_usd=ledger.cost_usd)
