"""Review a pull request when it is opened, reopened, marked ready, or pushed to."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

import anyio

from bot.core.delivery import Delivery
from bot.core.diffmap import from_pull_files
from bot.core.markers import posted_fingerprints, reviewed_head
from bot.core.payloads import check_run_pulls, pull_ref, validator
from bot.core.plan import ReviewPlan
from bot.core.repo_config import CONFIG_PATH, LoadedConfig, parse_repo_config
from bot.errors import ConfigError, RetryLater, ReviewbotError, is_permanent
from bot.github.gateway import GitHubApp, InstallationClient, PullInfo
from bot.jobs.context import ClaimedJob, JobContext
from bot.jobs.routing import Router, pull_request_key
from bot.review.pipeline import ReviewRequest, files_to_fetch, run_review
from bot.store import reviews as store
from checks.linters.settings import LINTER_CONFIG_FILES

log = logging.getLogger(__name__)
CHECK_NAME = "reviewbot"
REVIEW_ACTIONS = ("opened", "reopened", "ready_for_review", "synchronize")


def github_of(ctx: JobContext) -> GitHubApp:
    app = ctx.github
    if app is None:
        raise ConfigError("GitHub is not configured: set GITHUB_APP_ID and GITHUB_PRIVATE_KEY")
    return app


def review_comment_json(plan: ReviewPlan) -> list[dict[str, Any]]:
    out = []
    for c in plan.comments:
        item: dict[str, Any] = {"path": c.path, "line": c.line, "side": c.side, "body": c.body}
        if c.start_line is not None:
            item |= {"start_line": c.start_line, "start_side": c.side}
        out.append(item)
    return out


async def handle_pull_request(ctx: JobContext, job: ClaimedJob) -> None:
    ref = pull_ref(job.payload)
    gh = github_of(ctx).installation(ref.where.installation_id)
    await review_pull(ctx, gh, ref.where.repo, ref.number, ref.where.default_branch,
                      rerun=False, last_attempt=job.attempts >= job.max_attempts)


async def handle_check_rerun(ctx: JobContext, job: ClaimedJob) -> None:
    """The "Re-run" button on our check run: a fresh check run for the PR's current head;
    the review itself is still posted at most once per head."""
    payload = job.payload
    where, numbers = check_run_pulls(payload)
    owner_app = (payload["check_run"].get("app") or {}).get("id")
    if ctx.settings.github_app_id is not None and owner_app != ctx.settings.github_app_id:
        log.info("re-run requested for another app's check run; ignored")
        return
    gh = github_of(ctx).installation(where.installation_id)
    for number in numbers:
        await review_pull(ctx, gh, where.repo, number, where.default_branch, rerun=True,
                          last_attempt=job.attempts >= job.max_attempts)


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
    existing = await gh.list_reviews(repo, number)
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
        check_run_id = await gh.create_check_run(repo, name=CHECK_NAME, head_sha=pull.head_sha)
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


async def _close_failed_check(gh: InstallationClient, repo: str, check_run_id: int,
                              exc: Exception) -> None:
    """The last attempt failed: say so on the check run instead of leaving it spinning."""
    summary = (f"reviewbot could not finish this review: `{type(exc).__name__}: {exc}`.\n\n"
               "The failure is recorded with the job; push again or re-run this check.")
    try:
        await gh.complete_check_run(repo, check_run_id, conclusion="neutral",
                                    title="reviewbot could not finish", summary=summary,
                                    annotations=[])
    except ReviewbotError:
        log.exception("could not close the failed check run", extra={"repo": repo})


async def _review_and_post(ctx: JobContext, gh: InstallationClient, repo: str, number: int,
                           pull: PullInfo, default_branch: str, loaded: LoadedConfig,
                           run: store.ReviewRun, check_run_id: int | None) -> None:
    dry_run = ctx.settings.dry_run
    plan = await _plan(ctx, gh, repo, number, pull.head_sha, pull.base_sha, default_branch,
                       loaded)
    if dry_run:
        log.info("dry run: review computed, nothing posted",
                 extra={"repo": repo, "number": number, "plan": plan.as_json()})
        return
    if loaded.error and await _first_notice(ctx, repo, number, loaded.error):
        await gh.create_issue_comment(repo, number, f"**reviewbot**: {loaded.error}. "
                                      "This review used the default settings.")
    if run.review_id is None:
        review_id = await gh.create_review(repo, number, commit_id=pull.head_sha,
                                           body=plan.summary, event=plan.event,
                                           comments=review_comment_json(plan))
        fps = " ".join(c.fingerprint for c in plan.comments)
        await anyio.to_thread.run_sync(lambda: store.update_run(
            ctx.engine, run.id, review_id=review_id, fingerprints=fps,
            findings=len(plan.findings)))
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
                base: str, default_branch: str, loaded: LoadedConfig) -> ReviewPlan:
    diff = from_pull_files(await gh.list_pull_files(repo, number))
    wanted = files_to_fetch(diff, loaded.config)
    contents = await asyncio.gather(*(gh.get_file(repo, p, head) for p in wanted))
    configs = await asyncio.gather(*(gh.get_file(repo, n, default_branch)
                                     for n in LINTER_CONFIG_FILES))
    posted = await anyio.to_thread.run_sync(store.posted_fingerprints, ctx.engine, repo, number)
    for body in await gh.list_review_comment_bodies(repo, number):
        posted |= posted_fingerprints(body)
    request = ReviewRequest(
        base=base, head=head, diff=diff, contents=dict(zip(wanted, contents, strict=True)),
        config=loaded,
        linter_configs={n: c for n, c in zip(LINTER_CONFIG_FILES, configs, strict=True) if c},
        already_posted=frozenset(posted),
    )
    return await run_review(request, runners=ctx.linters)


def check_run_pull_key(delivery: Delivery) -> str | None:
    check_run = delivery.payload.get("check_run")
    prs = check_run.get("pull_requests") if isinstance(check_run, dict) else None
    if not prs or delivery.repository is None or not isinstance(prs[0], dict):
        return None
    return f"review:{delivery.repository}#{prs[0].get('number')}"


def register(router: Router) -> None:
    router.add("pull_request", REVIEW_ACTIONS, "review.pull_request", handle_pull_request,
               coalesce=pull_request_key, validate=validator(pull_ref))
    router.add("check_run", ["rerequested"], "review.check_rerun", handle_check_rerun,
               coalesce=check_run_pull_key, validate=validator(check_run_pulls))
