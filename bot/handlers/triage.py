"""Issue triage on `issues.opened` (and `edited`: before triage, to triage; after it, to
update a request for missing information), on `/triage` in an issue comment by someone
with write access, and the bookkeeping it needs: labels people set or removed (never
touched again) and issue states for the duplicate search. Thin: bot/triage/flow.py does
the work."""

from __future__ import annotations

import logging

from bot.core.known import Candidate
from bot.core.payloads import CommentRef, RepoRef, issue_ref, validator
from bot.github.gateway import InstallationClient
from bot.handlers.review import github_of
from bot.jobs.context import ClaimedJob, Services
from bot.jobs.routing import JobSpec, Router, number_key
from bot.triage.flow import Outcome, triage_issue
from bot.triage.training import retrain_if_stale

log = logging.getLogger(__name__)
RETRAIN = "triage.retrain"


async def handle_issue(services: Services, job: ClaimedJob) -> None:
    ref = issue_ref(job.payload)
    if ref.is_pull:
        return
    if ref.sender_is_bot and job.payload.get("action") == "edited":
        return  # an edit by a bot (reviewbot's own tools included) is nobody's new input
    gh = github_of(services).installation(ref.where.installation_id)
    outcome = await triage_issue(services, gh, ref.where, ref.number,
                                 trigger=str(job.payload.get("action") or "opened"))
    await _after(services, ref.where, outcome)


async def _after(services: Services, where: RepoRef, outcome: Outcome) -> None:
    if outcome.skipped:
        log.info("issue not triaged: %s", outcome.skipped, extra={"repo": where.repo})
    if outcome.plan is not None:  # retraining, when stale, is a job of its own
        await services.follow_up(JobSpec(
            RETRAIN, coalesce_key=f"retrain:{where.repo}",
            args={"installation_id": where.installation_id, "repo": where.repo,
                  "default_branch": where.default_branch, "refused": outcome.retrain}))


async def handle_retrain(services: Services, job: ClaimedJob) -> None:
    """Retrain the repository's classifier if it is stale (or was refused at loading):
    one pending job per repository, however many issues were triaged meanwhile."""
    args = job.payload
    where = RepoRef(int(args["installation_id"]), str(args["repo"]),
                    str(args["default_branch"]))
    gh = github_of(services).installation(where.installation_id)
    config = (await gh.repo_config(where.repo, where.default_branch)).config
    await retrain_if_stale(services, gh, where.repo, config.triage,
                           refused=bool(args.get("refused")))


async def handle_label_event(services: Services, job: ClaimedJob) -> None:
    """A person's label decision on an issue stands: reviewbot never touches that label on
    that issue again (its own label events are ignored)."""
    ref = issue_ref(job.payload)
    if ref.sender_is_bot or ref.label is None or ref.is_pull:
        return
    await services.stores.triage.record_veto(ref.where.repo, ref.number, ref.label,
                                             (str(job.payload.get("action")), ref.sender))


async def handle_state(services: Services, job: ClaimedJob) -> None:
    """Closed or reopened: the duplicate search shows the state."""
    ref = issue_ref(job.payload)
    issue = job.payload["issue"]
    if ref.is_pull:
        return
    await services.stores.triage.index(ref.where.repo, Candidate(
        ref.number, str(issue.get("title") or ""), str(issue.get("body") or ""),
        str(issue.get("state") or "open")))


async def run_triage_command(services: Services, gh: InstallationClient,
                             ref: CommentRef) -> None:
    """`/triage` in an issue's comment, from someone the command table let through."""
    outcome = await triage_issue(services, gh, ref.where, ref.number, trigger="command")
    await _after(services, ref.where, outcome)


def register(router: Router) -> None:
    router.add("issues", ["opened", "edited"], "triage.issue", handle_issue,
               coalesce=number_key("triage"), validate=validator(issue_ref))
    router.add("issues", ["labeled", "unlabeled"], "triage.label", handle_label_event,
               validate=validator(issue_ref))
    router.add("issues", ["closed", "reopened"], "triage.state", handle_state,
               validate=validator(issue_ref))
    router.add_follow_up(RETRAIN, handle_retrain)
