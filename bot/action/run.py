"""One workflow run: the event's handlers run directly, through the same stages as the App
(bot/review/flow.py for a pull request, the command table, triage), with GitHub reached
through the workflow's token. One run is one job: no queue in between, no retries (a retry
is the workflow's re-run, which posts nothing twice: what was posted is found again on
GitHub, from reviewbot's own reviews, comments and check runs).

The store is a SQLite file: a fresh one per run by default (nothing to run or keep), or the
one `REVIEWBOT_DATABASE_URL` names (restored and saved by `actions/cache`) to keep usage,
feedback statistics and the triage model between runs."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeVar

import httpx

from bot.action.environment import ActionEnv
from bot.action.event import Dispatch, dispatch
from bot.action.report import RunFacts, annotation_commands, job_summary
from bot.app import token_services
from bot.core.inert import inert
from bot.core.payloads import pull_ref
from bot.core.plan import ReviewPlan
from bot.errors import ConfigError, RetryLater, ReviewbotError
from bot.github.token_access import TokenGitHub
from bot.github.transport import Connection
from bot.handlers.table import build_router
from bot.jobs.claimed import ClaimedJob
from bot.jobs.context import Services
from bot.jobs.routing import Router
from bot.review.aggregate.plan import conclusion_for
from bot.review.flow import review_pull
from bot.review.post import CHECK_NAME, close_failed_check
from bot.settings import Settings
from checks.linters.workspace import Runner

log = logging.getLogger(__name__)
T = TypeVar("T")
REVIEW_KIND = "review.pull_request"
FOLLOW_UPS = 10  # follow-up jobs (a triage model's retraining) run after the event's own


@dataclass(frozen=True)
class ActionResult:
    exit_code: int
    plan: ReviewPlan | None
    facts: RunFacts
    handled: tuple[str, ...]  # the job kinds run
    skip: str = ""

    def as_json(self) -> dict[str, object]:
        return {"exit_code": self.exit_code, "handled": list(self.handled), "skip": self.skip,
                "posted": self.facts.posted, "read_only": self.facts.read_only_reason,
                "github_requests": self.facts.github_requests, "note": self.facts.note,
                "plan": self.plan.as_json() if self.plan is not None else None}


@contextlib.contextmanager
def state_store(env: ActionEnv) -> Iterator[str]:
    """The run's database URL: the kept one, or a SQLite file that lives for this run."""
    if env.database_url is not None:
        if not env.database_url.startswith("sqlite:"):
            log.info("the Action's store is %s", env.database_url.split(":", 1)[0])
        yield env.database_url
        return
    with tempfile.TemporaryDirectory(prefix="reviewbot-action-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'reviewbot.db'}"


def _read_event(env: ActionEnv) -> bytes:
    try:
        return env.event_path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the event file GITHUB_EVENT_PATH: {exc.strerror}") \
            from exc


async def run_action(env: ActionEnv, settings: Settings, *, dry_run: bool = False,
                     transport: httpx.AsyncBaseTransport | None = None,
                     linters: Mapping[str, Runner] | None = None) -> ActionResult:
    """`transport` and `linters`: what tests put in place of the network and the tools."""
    plan_to_run = dispatch(env, _read_event(env), dry_run=dry_run)
    if plan_to_run.delivery is None:
        return ActionResult(0, None, RunFacts(0), (), skip=plan_to_run.skip)
    with state_store(env) as database_url:
        run_settings = settings.model_copy(update={"database_url": database_url,
                                                   "dry_run": not plan_to_run.writes})
        github = TokenGitHub(token=env.token, login=env.login,
                             secrets=settings.secret_values(), read_only=not plan_to_run.writes,
                             config_path=env.config_path,
                             connection=Connection(
                                 env.api_url, transport,
                                 mutation_interval=settings.github_write_interval,
                                 timeout=settings.github_timeout_seconds))
        services = token_services(run_settings, github, model=plan_to_run.model,
                                  linters=linters)
        try:
            return await _handle(env, services, github, plan_to_run)
        finally:
            await services.aclose()
            if services.engine is not None:
                services.engine.dispose()


async def _handle(env: ActionEnv, services: Services, github: TokenGitHub,
                  todo: Dispatch) -> ActionResult:
    assert todo.delivery is not None
    delivery, router = todo.delivery, build_router()
    specs = router.plan(delivery)
    if not specs:
        why = router.problem(delivery) or \
            f"nothing to do for {delivery.event}.{delivery.action or ''}"
        return ActionResult(0, None, RunFacts(0), (), skip=why)
    if not todo.writes and any(s.kind != REVIEW_KIND for s in specs):
        return ActionResult(0, None, RunFacts(0, todo.why_read_only), (),
                            skip=f"{todo.why_read_only}: only a pull request's review runs "
                                 "without writing")
    waits = _Waits(env.max_wait_seconds)
    plan: ReviewPlan | None = None
    for spec in specs:
        job = ClaimedJob(id=0, kind=spec.kind, attempts=1, max_attempts=1, claim_token="",
                         delivery_id=delivery.delivery_id, coalesce_key=spec.coalesce_key,
                         payload=delivery.payload)
        if spec.kind == REVIEW_KIND:
            plan = await _review(services, github, delivery.payload, waits)
        else:
            handler = router.handler_for(spec.kind)
            assert handler is not None
            await waits.retrying(functools.partial(handler, services, job))
    await _follow_ups(services, router, waits)
    note = waits.note or (NOT_REVIEWED if plan is None and any(
        s.kind == REVIEW_KIND for s in specs) else "")
    facts = RunFacts(github.requests_sent, todo.why_read_only,
                     posted=plan is not None and todo.writes, note=note)
    failed = plan is not None and env.fail_on is not None and \
        conclusion_for(plan.findings, env.fail_on) == "failure"
    return ActionResult(1 if failed else 0, plan, facts, tuple(s.kind for s in specs))


async def _review(services: Services, github: TokenGitHub, payload: Mapping[str, Any],
                  waits: _Waits) -> ReviewPlan | None:
    ref = pull_ref(payload)
    gh = github.installation(ref.where.installation_id)
    try:
        return await waits.retrying(lambda: review_pull(services, gh, ref, rerun=False,
                                                        last_attempt=True))
    except WaitedTooLong as exc:
        # No later attempt will come to close it: the check run must not spin for ever.
        head = str(((payload.get("pull_request") or {}).get("head") or {}).get("sha") or "")
        if head and not github.shared.read_only:
            try:
                found = await gh.find_open_check_run(ref.where.repo, head, CHECK_NAME)
                if found is not None:
                    await close_failed_check(gh, ref.where.repo, found, exc)
            except ReviewbotError as closing:  # rate-limited too, most likely
                log.warning("the open check run could not be closed: %s", closing)
        raise


class WaitedTooLong(ReviewbotError):
    """GitHub's rate limit resets later than the run may wait."""


class _Waits:
    """GitHub's rate limit within the job's time: wait for the reset when it comes within
    `budget` seconds (all waits of the run together), else stop and say why."""

    def __init__(self, budget: float) -> None:
        self.left = budget
        self.note = ""

    async def retrying(self, work: Callable[[], Awaitable[T]]) -> T:
        while True:
            try:
                return await work()
            except RetryLater as exc:
                if exc.delay > self.left:
                    raise WaitedTooLong(
                        f"GitHub's rate limit: the reset is {exc.delay:.0f} s away, more "
                        f"than this run may wait ({self.left:.0f} s left of "
                        "REVIEWBOT_MAX_WAIT); re-run the job later") from exc
                self.left -= exc.delay
                self.note = (f"GitHub's rate limit was reached; the run waited "
                             f"{exc.delay:.0f} s for it and went on.")
                log.warning("rate limited; waiting %.0f s", exc.delay)
                await asyncio.sleep(exc.delay)


async def _follow_ups(services: Services, router: Router, waits: _Waits) -> None:
    """Jobs the handlers asked for (a triage model's retraining): run now, in this job."""
    for _ in range(FOLLOW_UPS):
        job = await asyncio.to_thread(services.queue.claim, "action", 600.0)
        if job is None:
            return
        handler = router.handler_for(job.kind)
        if handler is None:
            await asyncio.to_thread(services.queue.fail, job, "no handler", permanent=True)
            continue
        try:
            await waits.retrying(functools.partial(handler, services, job))
        except ReviewbotError as exc:
            log.warning("follow-up job %s failed: %s", job.kind, exc)
            await asyncio.to_thread(services.queue.fail, job, str(exc)[:500], permanent=True)
            continue
        await asyncio.to_thread(services.queue.complete, job)


NOT_REVIEWED = ("No review was posted: this head was already reviewed (found on GitHub), or "
                "the pull request is closed or a draft (the log says which).")


def _summary_text(result: ActionResult) -> str:
    if result.plan is not None:
        return job_summary(result.plan, result.facts)
    said = (f"Nothing to do: {result.skip}" if result.skip
            else result.facts.note or f"Handled {', '.join(result.handled)}.")
    return f"## reviewbot\n\n{inert(said)}\n\nGitHub requests this run: " \
           f"{result.facts.github_requests}.\n"


def write_outputs(env: ActionEnv, result: ActionResult, out: TextIO, *, as_json: bool) -> None:
    """What the run shows: annotations when nothing was posted, the job summary, the log."""
    if result.plan is not None and result.facts.read_only_reason:
        for line in annotation_commands(result.plan):
            print(line, file=out)
    if env.step_summary is not None:
        with env.step_summary.open("a", encoding="utf-8") as summary:
            summary.write(_summary_text(result))
    if as_json:
        print(json.dumps(result.as_json(), indent=2), file=out)
    elif result.skip:
        print(f"reviewbot: nothing to do: {result.skip}", file=out)
    else:
        print(f"reviewbot: handled {', '.join(result.handled)}; "
              f"{result.facts.github_requests} GitHub request(s)"
              + (f"; {len(result.plan.findings)} finding(s), conclusion "
                 f"{result.plan.conclusion}" if result.plan is not None else ""), file=out)
