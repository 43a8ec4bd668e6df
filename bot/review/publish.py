"""Review one pull request at its current head and post the result once: one review, one
check run, idempotent across retries, crashes and re-runs (a hidden marker in the review
body, the run's state in the store, our in-progress check run found again)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from typing import Any

import anyio

from bot.core.markers import reviewed_head
from bot.core.plan import ReviewPlan
from bot.core.repo_config import CONFIG_PATH, LoadedConfig, parse_repo_config
from bot.errors import (
    GitHubError,
    JobDeadlineExceeded,
    ModelError,
    RetryLater,
    ReviewbotError,
    is_permanent,
)
from bot.github.gateway import InstallationClient
from bot.github.models import PullInfo
from bot.jobs.context import JobContext
from bot.review.aggregate.select import Decisions
from bot.review.lifecycle import PullMemory, recall, settle
from bot.review.pipeline import Reviewers, run_review
from bot.review.policy import ReviewPolicy
from bot.review.remote import request_from_pull
from bot.store import reviews as store
from bot.store import usage as usage_store
from bot.store.usage import StoreCache

log = logging.getLogger(__name__)
CHECK_NAME = "reviewbot"


def review_comment_json(plan: ReviewPlan) -> list[dict[str, Any]]:
    out = []
    for c in plan.comments:
        item: dict[str, Any] = {"path": c.path, "line": c.line, "side": c.side, "body": c.body}
        if c.start_line is not None:
            item |= {"start_line": c.start_line, "start_side": c.side}
        out.append(item)
    return out


async def review_pull(ctx: JobContext, gh: InstallationClient, repo: str, number: int,
                      default_branch: str, *, rerun: bool, last_attempt: bool = False) -> None:
    pull = await gh.get_pull(repo, number)  # the current head: a newer push may have landed
    if pull.state != "open":
        log.info("pull request is not open; nothing to review", extra={"repo": repo})
        return
    config_text = await gh.get_file(repo, CONFIG_PATH, default_branch)
    loaded = parse_repo_config(config_text.decode("utf-8", "replace") if config_text else None)
    if pull.draft and not loaded.config.review_drafts:
        log.info("draft pull request skipped", extra={"repo": repo, "number": number})
        return

    run = await anyio.to_thread.run_sync(store.get_or_create_run, ctx.engine, repo, number,
                                         pull.head_sha)
    if run.review_id is not None and run.check_completed and not rerun:
        log.info("already reviewed at this head; nothing to post", extra={"repo": repo})
        return
    existing = await gh.own_reviews(repo, number)  # anyone can paste our marker: ours only
    marked = next((r for r in existing
                   if reviewed_head(r.body) == pull.head_sha), None)
    if marked is not None and run.review_id is None:
        # Posted before the store heard of it (a crash in between): adopt it, post nothing.
        await anyio.to_thread.run_sync(lambda: store.update_run(ctx.engine, run.id,
                                                                review_id=marked.id))
        run = store.ReviewRun(run.id, run.check_run_id, marked.id, run.check_completed)

    dry_run = ctx.settings.dry_run
    check_run_id = None if rerun and run.check_completed else run.check_run_id
    if check_run_id is None and not dry_run:
        # A crash between creating the check run and storing its id left one in progress:
        # adopt it rather than leave it spinning beside a new one (a re-run wants a new one).
        found = None if rerun else await gh.find_open_check_run(repo, pull.head_sha,
                                                                 CHECK_NAME)
        check_run_id = found or await gh.create_check_run(repo, name=CHECK_NAME,
                                                          head_sha=pull.head_sha)
        await anyio.to_thread.run_sync(
            lambda: store.update_run(ctx.engine, run.id, check_run_id=check_run_id))

    try:
        await _review_and_post(ctx, gh, repo, number, pull, default_branch, loaded, run,
                               check_run_id)
    except RetryLater:
        raise  # not a failure: the job comes back later and the check run stays in progress
    except Exception as exc:
        if (last_attempt or is_permanent(exc)) and check_run_id is not None:
            await _close_failed_check(gh, repo, check_run_id, exc)
        raise


def failure_reason(exc: BaseException) -> str:
    """A short reason a review could not finish, safe to post: never the exception's text,
    which may quote GitHub's answer, a path or a secret (the log has the details)."""
    if isinstance(exc, GitHubError):
        return f"GitHub refused a request (HTTP {exc.status})" if exc.status else \
            "GitHub could not be reached"
    if isinstance(exc, JobDeadlineExceeded):
        return "the review ran past its time limit"
    if isinstance(exc, ModelError):
        return "the model endpoint failed"
    if isinstance(exc, ReviewbotError):
        return f"an error in reviewbot ({type(exc).__name__})"
    return f"an unexpected error ({type(exc).__name__})"


async def _close_failed_check(gh: InstallationClient, repo: str, check_run_id: int,
                              exc: Exception) -> None:
    """The last attempt failed: say so on the check run instead of leaving it spinning. A
    review that could not run never passes: `failure`, never `neutral`."""
    summary = (f"reviewbot could not finish this review: {failure_reason(exc)}.\n\n"
               "The failure is recorded with the job; push again or re-run this check.")
    try:
        await gh.complete_check_run(repo, check_run_id, conclusion="failure",
                                    title="reviewbot could not finish", summary=summary,
                                    annotations=[])
    except ReviewbotError:
        log.exception("could not close the failed check run", extra={"repo": repo})


async def _review_and_post(ctx: JobContext, gh: InstallationClient, repo: str, number: int,
                           pull: PullInfo, default_branch: str, loaded: LoadedConfig,
                           run: store.ReviewRun, check_run_id: int | None) -> None:
    dry_run = ctx.settings.dry_run
    remembered = await recall(ctx, gh, repo, number)
    plan = await _plan(ctx, gh, repo, number, pull.head_sha, pull.base_sha, default_branch,
                       loaded, remembered)
    if dry_run:
        log.info("dry run: review computed, nothing posted",
                 extra={"repo": repo, "number": number, "plan": plan.as_json()})
        return
    current = await gh.get_pull(repo, number)
    if current.head_sha != pull.head_sha:
        # A push landed while this review ran: its own job reviews the new head; this one
        # posts nothing, and its check run says why instead of spinning.
        log.info("head moved during the review; not posted", extra={"repo": repo})
        if check_run_id is not None:
            # `cancelled`, not `neutral`: the old head's check must never read as passed.
            await gh.complete_check_run(
                repo, check_run_id, conclusion="cancelled", title="Superseded by a newer push",
                summary=f"A newer commit ({current.head_sha[:12]}) was pushed while this "
                        "review ran; that commit is reviewed instead.", annotations=[])
            await anyio.to_thread.run_sync(
                lambda: store.update_run(ctx.engine, run.id, check_completed=True))
        return
    if loaded.error and await _first_notice(ctx, repo, number, loaded.error):
        await gh.create_issue_comment(repo, number, f"**reviewbot**: {loaded.error}. "
                                      "This review used the default settings.")
    if run.review_id is None:
        review_id = await gh.create_review(repo, number, commit_id=pull.head_sha,
                                           body=plan.summary, event=plan.event,
                                           comments=review_comment_json(plan))
        fps = " ".join(c.fingerprint for c in plan.comments)
        trace = json.dumps(plan.trace_json()) if plan.calls else None
        await anyio.to_thread.run_sync(lambda: store.update_run(
            ctx.engine, run.id, review_id=review_id, fingerprints=fps,
            findings=len(plan.findings), trace=trace))
        await settle(ctx, gh, repo, number, plan, remembered)
    if check_run_id is not None:
        await gh.complete_check_run(repo, check_run_id, conclusion=plan.conclusion,
                                    title=plan.title, summary=plan.summary,
                                    annotations=[a.as_github() for a in plan.annotations])
        await anyio.to_thread.run_sync(
            lambda: store.update_run(ctx.engine, run.id, check_completed=True))
    log.info("review posted", extra={"repo": repo, "number": number,
                                     "comments": len(plan.comments),
                                     "findings": len(plan.findings)})


async def _first_notice(ctx: JobContext, repo: str, number: int, text: str) -> bool:
    key = "config:" + hashlib.sha256(text.encode()).hexdigest()[:32]
    claimed: bool = await anyio.to_thread.run_sync(store.claim_notice, ctx.engine, repo,
                                                   number, key)
    return claimed


async def _plan(ctx: JobContext, gh: InstallationClient, repo: str, number: int, head: str,
                base: str, default_branch: str, loaded: LoadedConfig,
                remembered: PullMemory) -> ReviewPlan:
    posted = await anyio.to_thread.run_sync(store.posted_fingerprints, ctx.engine, repo, number)
    request = await request_from_pull(gh, repo, number, head=head, base=base,
                                      default_branch=default_branch, config=loaded,
                                      posted=posted | remembered.posted)
    request = dataclasses.replace(request, decisions=Decisions(
        dismissed=remembered.rejected, ignored_rules=remembered.ignored_rules,
        suppressed_rules=remembered.suppressed_rules))
    budget = None
    if ctx.llm is not None:
        budget = await anyio.to_thread.run_sync(
            lambda: remaining_budget(ctx, repo, number, gh.installation_id))
    plan = await run_review(request, ReviewPolicy.from_settings(ctx.settings),
                            Reviewers(llm=ctx.llm, cache=StoreCache(ctx.engine),
                                      budget_usd=budget, runners=ctx.linters))
    scope = usage_store.CallScope(repo, number, head, gh.installation_id)
    await anyio.to_thread.run_sync(usage_store.record_calls, ctx.engine, scope, plan.calls)
    return plan


def remaining_budget(ctx: JobContext, repo: str, number: int,
                     installation_id: int | None) -> float | None:
    """What this review may still spend on the model: the lower of what is left of the
    PR's budget and of the installation's budget for today (0 in settings: no cap)."""
    left: list[float] = []
    if ctx.settings.budget_pr_usd > 0:
        left.append(ctx.settings.budget_pr_usd
                    - usage_store.spent_on_pull(ctx.engine, repo, number))
    if ctx.settings.budget_day_usd > 0 and installation_id is not None:
        left.append(ctx.settings.budget_day_usd
                    - usage_store.spent_by_installation_today(ctx.engine, installation_id))
    return max(0.0, min(left)) if left else None
