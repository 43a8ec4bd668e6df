"""The review's last stage: post the plan once (the review with its inline comments, what
was posted remembered, reviewbot's threads on gone findings resolved) and close the check
run with its conclusion and annotations; or say on the check run why there is none."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from bot.core.plan import ReviewPlan
from bot.errors import GitHubError, JobDeadlineExceeded, ModelError, ReviewbotError
from bot.github.gateway import InstallationClient
from bot.review.lifecycle import PullMemory, settle
from bot.review.remote import Pull
from bot.store.reviews import PostedReview, ReviewRuns
from bot.store.stores import Stores

log = logging.getLogger(__name__)
CHECK_NAME = "reviewbot"


@dataclass(frozen=True)
class Target:
    """Where this job's review goes: the PR as found, its run in the store, its check run
    (None: none, e.g. a dry run)."""

    pull: Pull
    run_id: int
    check_run_id: int | None


def review_comment_json(plan: ReviewPlan) -> list[dict[str, Any]]:
    out = []
    for c in plan.comments:
        item: dict[str, Any] = {"path": c.path, "line": c.line, "side": c.side, "body": c.body}
        if c.start_line is not None:
            item |= {"start_line": c.start_line, "start_side": c.side}
        out.append(item)
    return out


async def post(stores: Stores, gh: InstallationClient, target: Target, plan: ReviewPlan,
               remembered: PullMemory, *, post_review: bool) -> None:
    pull = target.pull
    repo, number = pull.ref.where.repo, pull.ref.number
    loaded = pull.config
    if loaded.error and await _first_notice(stores.runs, pull, loaded.error):
        await gh.create_issue_comment(repo, number, f"**reviewbot**: {loaded.error}. "
                                      "This review used the default settings.")
    if post_review:
        review_id = await gh.create_review(repo, number, commit_id=pull.info.head_sha,
                                           body=plan.summary, event=plan.event,
                                           comments=review_comment_json(plan))
        await stores.runs.record_review(target.run_id, PostedReview(
            review_id, fingerprints=" ".join(c.fingerprint for c in plan.comments),
            findings=len(plan.findings),
            trace=json.dumps(plan.trace_json()) if plan.calls else None))
        await settle(stores.decisions, gh, pull.ref, plan, remembered)
    if target.check_run_id is not None:
        await gh.complete_check_run(repo, target.check_run_id, conclusion=plan.conclusion,
                                    title=plan.title, summary=plan.summary,
                                    annotations=[a.as_github() for a in plan.annotations])
        await stores.runs.complete_check(target.run_id, plan.conclusion)
    log.info("review posted", extra={"repo": repo, "number": number,
                                     "comments": len(plan.comments),
                                     "findings": len(plan.findings),
                                     "github_requests": gh.requests_sent})


async def close_superseded(runs: ReviewRuns, gh: InstallationClient, target: Target,
                           newer_head: str) -> None:
    """A push landed while this review ran: its own job reviews the new head; this one
    posts nothing, and its check run says why instead of spinning (`cancelled`, not
    `neutral`: the old head's check must never read as passed)."""
    log.info("head moved during the review; not posted",
             extra={"repo": target.pull.ref.where.repo})
    if target.check_run_id is None:
        return
    await gh.complete_check_run(
        target.pull.ref.where.repo, target.check_run_id, conclusion="cancelled",
        title="Superseded by a newer push",
        summary=f"A newer commit ({newer_head[:12]}) was pushed while this review ran; that "
                "commit is reviewed instead.", annotations=[])
    await runs.complete_check(target.run_id, "cancelled")


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


async def close_failed_check(gh: InstallationClient, repo: str, check_run_id: int,
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


async def _first_notice(runs: ReviewRuns, pull: Pull, text: str) -> bool:
    key = "config:" + hashlib.sha256(text.encode()).hexdigest()[:32]
    return await runs.claim_notice(pull.ref.where.repo, pull.ref.number, key)
