"""One pull request's review job, every stage named here in order:

    pull_now (the PR at its current head, the settings) → decide_posting (what may be
    posted, pure) → gather (files, contents, linter settings, memory) → run_review
    (produce → aggregate → plan; bot/review/pipeline.py) → post (review, check run)

Idempotent across retries, crashes and re-runs (bot/review/posting.py); a review that could
not run closes its check run `failure`, never `neutral`."""

from __future__ import annotations

import dataclasses
import logging

from bot.core.markers import reviewed_head
from bot.core.payloads import PullRef
from bot.core.plan import ReviewPlan
from bot.errors import RetryLater, is_permanent
from bot.github.gateway import InstallationClient
from bot.review.gather import gather
from bot.review.pipeline import Reviewers, run_review
from bot.review.policy import ReviewPolicy
from bot.review.post import (
    CHECK_NAME,
    Target,
    close_failed_check,
    close_superseded,
    post,
)
from bot.review.posting import Known, Posting, decide_posting
from bot.review.remote import Pull, pull_now
from bot.review.services import ReviewServices
from bot.store.reviews import ReviewRun
from bot.store.usage import CallScope

log = logging.getLogger(__name__)


async def review_pull(services: ReviewServices, gh: InstallationClient, ref: PullRef, *,
                      rerun: bool, last_attempt: bool = False) -> ReviewPlan | None:
    """The plan reviewed (posted, or only computed in a dry run); None when nothing ran."""
    pull = await pull_now(gh, ref)
    repo, number = ref.where.repo, ref.number
    if pull.info.state != "open":
        log.info("pull request is not open; nothing to review", extra={"repo": repo})
        return None
    if pull.info.draft and not pull.config.config.review_drafts:
        log.info("draft pull request skipped", extra={"repo": repo, "number": number})
        return None
    runs = services.stores.runs
    run = await runs.start(repo, number, pull.info.head_sha)
    known = Known(stored_review=run.review_id, stored_check=run.check_run_id,
                  check_completed=run.check_completed, rerun=rerun,
                  dry_run=services.settings.dry_run)
    if skip := decide_posting(known).skip:
        log.info(skip, extra={"repo": repo})
        return None
    existing = await gh.own_reviews(repo, number)  # anyone can paste our marker: ours only
    found = next((r.id for r in existing if reviewed_head(r.body) == pull.info.head_sha), None)
    checked = found is not None and run.review_id is None and any(
        completed for _, completed in
        await gh.own_check_runs(repo, pull.info.head_sha, CHECK_NAME))
    posting = decide_posting(dataclasses.replace(known, found_review=found,
                                                 found_check_completed=checked))
    if posting.skip:
        log.info(posting.skip, extra={"repo": repo})
        return None
    if posting.adopt_review is not None:
        # Posted before the store heard of it (a crash in between): adopt it, post nothing.
        await runs.adopt_review(run.id, posting.adopt_review)
    target = Target(pull, run.id, await _check_run(services, gh, pull, run, posting))
    try:
        return await _review_and_post(services, gh, target, posting)
    except RetryLater:
        raise  # not a failure: the job comes back later and the check run stays in progress
    except Exception as exc:
        if (last_attempt or is_permanent(exc)) and target.check_run_id is not None:
            await close_failed_check(gh, repo, target.check_run_id, exc)
        raise


async def _check_run(services: ReviewServices, gh: InstallationClient, pull: Pull,
                     run: ReviewRun, posting: Posting) -> int | None:
    """The check run this job reports on: the stored one; one of ours left in progress by
    a crash between creating it and storing its id (adopted rather than left spinning
    beside a new one); or a new one."""
    if posting.check == "keep":
        return run.check_run_id
    if posting.check == "none":
        return None
    repo, head = pull.ref.where.repo, pull.info.head_sha
    found = (await gh.find_open_check_run(repo, head, CHECK_NAME)
             if posting.check == "adopt-or-create" else None)
    check_run_id = found or await gh.create_check_run(repo, name=CHECK_NAME, head_sha=head)
    await services.stores.runs.record_check_run(run.id, check_run_id)
    return check_run_id


async def _review_and_post(services: ReviewServices, gh: InstallationClient, target: Target,
                           posting: Posting) -> ReviewPlan | None:
    pull, stores = target.pull, services.stores
    request, remembered = await gather(services, gh, pull)
    meter = stores.meter(CallScope(pull.ref.where.repo, pull.ref.number, pull.info.head_sha,
                                   gh.installation_id))
    budget = await meter.remaining() if services.llm is not None else None
    plan = await run_review(request, ReviewPolicy.from_settings(services.settings),
                            Reviewers(llm=services.llm, cache=stores.answers,
                                      budget_usd=budget, runners=services.linters))
    await meter.record(plan.calls)
    if services.settings.dry_run:
        log.info("dry run: review computed, nothing posted",
                 extra={"repo": pull.ref.where.repo, "number": pull.ref.number,
                        "plan": plan.as_json()})
        return plan
    current = await gh.get_pull(pull.ref.where.repo, pull.ref.number)
    if current.head_sha != pull.info.head_sha:
        await close_superseded(stores.runs, gh, target, current.head_sha)
        return None
    await post(stores, gh, target, plan, remembered, post_review=posting.post_review)
    return plan
