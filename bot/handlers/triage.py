"""Issue triage on `issues.opened` (and `edited`: before triage, to triage; after it, to
update a request for missing information), on `/triage` in an issue comment by someone
with write access, and the bookkeeping it needs: labels people set or removed (never
touched again) and issue states for the duplicate search. Thin: bot/support/run.py does
the work."""

from __future__ import annotations

import logging

import anyio

from bot.core.commands import PAID_OR_TRIAGE, parse_command
from bot.core.payloads import comment_ref, issue_ref, validator
from bot.handlers.access import has_write_access
from bot.handlers.review import github_of
from bot.jobs.context import ClaimedJob, JobContext
from bot.jobs.routing import Router, number_key
from bot.store import memory
from bot.store import reviews as review_store
from bot.store import triage as store
from bot.support.run import triage_issue

log = logging.getLogger(__name__)


async def handle_issue(ctx: JobContext, job: ClaimedJob) -> None:
    ref = issue_ref(job.payload)
    if ref.is_pull:
        return
    if ref.sender_is_bot and job.payload.get("action") == "edited":
        return  # an edit by a bot (reviewbot's own tools included) is nobody's new input
    gh = github_of(ctx).installation(ref.where.installation_id)
    outcome = await triage_issue(ctx, gh, ref.where.repo, ref.number, ref.where.default_branch,
                                 trigger=str(job.payload.get("action") or "opened"))
    if outcome.skipped:
        log.info("issue not triaged: %s", outcome.skipped, extra={"repo": ref.where.repo})


async def handle_label_event(ctx: JobContext, job: ClaimedJob) -> None:
    """A person's label decision on an issue stands: reviewbot never touches that label on
    that issue again (its own label events are ignored)."""
    ref = issue_ref(job.payload)
    if ref.sender_is_bot or ref.label is None or ref.is_pull:
        return
    await anyio.to_thread.run_sync(store.record_veto, ctx.engine, ref.where.repo, ref.number,
                                   ref.label, str(job.payload.get("action")), ref.sender)


async def handle_state(ctx: JobContext, job: ClaimedJob) -> None:
    """Closed or reopened: the duplicate search shows the state."""
    ref = issue_ref(job.payload)
    issue = job.payload["issue"]
    if ref.is_pull:
        return
    await anyio.to_thread.run_sync(
        store.index_issue, ctx.engine, ref.where.repo, ref.number, str(issue.get("title") or ""),
        str(issue.get("body") or ""), str(issue.get("state") or "open"))


async def handle_triage_command(ctx: JobContext, job: ClaimedJob) -> None:
    """`/triage` in an issue's comment (routed here by the one `issue_comment` route)."""
    ref = comment_ref(job.payload)
    if ref.on_pull_request or ref.from_bot:
        return
    command = parse_command(ref.body)
    if command is None or command.raw.lower() != "/triage":
        return  # PR commands are bot/handlers/commands.py's
    gh = github_of(ctx).installation(ref.where.installation_id)
    await gh.add_reaction(ref.where.repo, ref.comment_id, "eyes")
    if not await has_write_access(ctx, gh, ref):
        first = await anyio.to_thread.run_sync(review_store.claim_notice, ctx.engine,
                                               ref.where.repo, ref.number, "triage-refused")
        if first:
            await gh.create_issue_comment(
                ref.where.repo, ref.number,
                f"Sorry @{ref.author}, `/triage` is for maintainers (write access).")
        return
    if not await anyio.to_thread.run_sync(lambda: memory.admit_command(
            ctx.engine, ref.where.repo, ref.number, ref.author, "triage",
            per_user=ctx.settings.commands_per_user_hour,
            per_pull=ctx.settings.commands_per_pull_hour, counted=PAID_OR_TRIAGE)):
        log.info("/triage over the hourly limit; not run", extra={"repo": ref.where.repo})
        return  # paid work, limited like /review and /ask (said once an hour there)
    await triage_issue(ctx, gh, ref.where.repo, ref.number, ref.where.default_branch,
                       trigger="command")


def register(router: Router) -> None:
    router.add("issues", ["opened", "edited"], "triage.issue", handle_issue,
               coalesce=number_key("triage"), validate=validator(issue_ref))
    router.add("issues", ["labeled", "unlabeled"], "triage.label", handle_label_event,
               validate=validator(issue_ref))
    router.add("issues", ["closed", "reopened"], "triage.state", handle_state,
               validate=validator(issue_ref))
