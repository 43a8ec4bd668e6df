"""Review a pull request when it is opened, reopened, marked ready, or pushed to; and again
when our check run's "Re-run" is pressed. Thin: the payload's references in, the review
flow (bot/review/flow.py) does the rest."""

from __future__ import annotations

import logging

from bot.core.delivery import Delivery
from bot.core.payloads import PullRef, check_run_pulls, pull_ref, validator
from bot.errors import ConfigError
from bot.github.token_access import GitHubAccess
from bot.jobs.context import ClaimedJob, Services
from bot.jobs.routing import Router, pull_request_key
from bot.review.flow import review_pull

log = logging.getLogger(__name__)
REVIEW_ACTIONS = ("opened", "reopened", "ready_for_review", "synchronize")


def github_of(ctx: Services) -> GitHubAccess:
    app = ctx.github
    if app is None:
        raise ConfigError("GitHub is not configured: set GITHUB_APP_ID and GITHUB_PRIVATE_KEY")
    return app


async def handle_pull_request(ctx: Services, job: ClaimedJob) -> None:
    ref = pull_ref(job.payload)
    gh = github_of(ctx).installation(ref.where.installation_id)
    await review_pull(ctx, gh, ref, rerun=False,
                      last_attempt=job.attempts >= job.max_attempts)


async def handle_check_rerun(ctx: Services, job: ClaimedJob) -> None:
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
        await review_pull(ctx, gh, PullRef(where, number), rerun=True,
                          last_attempt=job.attempts >= job.max_attempts)


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
