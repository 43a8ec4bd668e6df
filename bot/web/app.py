"""The web edge: webhook intake, health and metrics (Starlette)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import anyio
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.core.delivery import Delivery, is_own_event, parse_delivery
from bot.errors import (
    BodyTimeout,
    MalformedDelivery,
    Overloaded,
    PayloadTooLarge,
    WebhookError,
)
from bot.jobs.context import Services
from bot.jobs.queue import JobQueue
from bot.jobs.routing import Router
from bot.jobs.worker import build_pool
from bot.obs.logs import ThrottleFilter, delivery_id_var
from bot.obs.metrics import CONTENT_TYPE, Metrics, event_label
from bot.settings import Settings
from bot.store.engine import SqliteCheckpointer, is_file_sqlite
from bot.store.usage import totals_by_model
from bot.web.intake import GroupCommitter, IntakeItem, plan_delivery
from bot.web.ops.routes import OpsAccess, ops_page, ops_retry
from bot.web.signature import verify

log = logging.getLogger(__name__)
# Lines a client can cause (one per rejected request) go through a throttle.
rejections = logging.getLogger(f"{__name__}.rejections")
rejections.addFilter(ThrottleFilter())
WEBHOOK_PATH = "/api/github/webhooks"


@dataclass
class AppState:
    settings: Settings
    secret: bytes
    engine: Engine
    queue: JobQueue
    router: Router
    metrics: Metrics
    context: Services
    committer: GroupCommitter
    bodies: BodyBudget
    ops: OpsAccess | None = None  # the operator's page; None: off


class BodyBudget:
    """Bodies being read at once, and their bytes: beyond either cap a request gets 503
    before it can hold more memory (one event loop, so plain counters)."""

    def __init__(self, max_bodies: int, max_bytes: int) -> None:
        self.max_bodies = max_bodies
        self.max_bytes = max_bytes
        self.bodies = 0
        self.bytes = 0

    def take(self, n: int) -> None:
        if self.bytes + n > self.max_bytes:
            raise Overloaded("too many request bytes in flight; try again")
        self.bytes += n

    def give(self, n: int) -> None:
        self.bytes -= n


async def read_bounded(request: Request, limit: int, budget: BodyBudget,
                       timeout: float) -> bytes:
    """Read the body, refusing as soon as it exceeds `limit` (413), takes longer than
    `timeout` (408) or would push the process past its in-flight budget (503)."""
    declared = request.headers.get("content-length")
    if declared is not None and not declared.strip().isdigit():
        raise MalformedDelivery("Content-Length is not a number")
    if declared is not None and int(declared) > limit:
        raise PayloadTooLarge(f"body of {int(declared)} bytes exceeds the {limit}-byte limit")
    if budget.bodies >= budget.max_bodies:
        raise Overloaded("too many requests in flight; try again")
    budget.bodies += 1
    held = 0  # bytes of this body taken from the budget, given back at the end
    try:
        async with asyncio.timeout(timeout):
            chunks: list[bytes] = []
            async for chunk in request.stream():
                if held + len(chunk) > limit:
                    raise PayloadTooLarge(f"body exceeds the {limit}-byte limit")
                budget.take(len(chunk))
                held += len(chunk)
                chunks.append(chunk)
            return b"".join(chunks)
    except TimeoutError as exc:
        raise BodyTimeout(f"body not received within {timeout:.0f} s") from exc
    finally:
        budget.bodies -= 1
        budget.give(held)


async def webhook(request: Request) -> Response:
    """Nothing from a request becomes state (a row, a metric label, a log field) before
    its signature is verified; rejections are counted by reason and logged throttled."""
    state: AppState = request.app.state.reviewbot
    started = time.perf_counter()
    try:
        body = await read_bounded(request, state.settings.max_body_bytes, state.bodies,
                                  state.settings.body_timeout_seconds)
        verify(state.secret, body, request.headers.get("x-hub-signature-256"))
        delivery = parse_delivery(request.headers, body)
    except ClientDisconnect:
        state.metrics.rejected.labels("disconnected").inc()
        rejections.warning("client went away mid-body")
        return Response(status_code=400)
    except WebhookError as exc:
        state.metrics.rejected.labels(exc.reason).inc()
        rejections.warning("delivery rejected", extra={"status": exc.status,
                                                       "reason": exc.reason})
        return JSONResponse({"error": str(exc)}, status_code=exc.status)
    token = delivery_id_var.set(delivery.delivery_id)
    try:
        return await _accept(state, delivery, started)
    except Exception:
        # The route maps errors to HTTP statuses; logged here, with the delivery id.
        log.exception("delivery failed", extra={"event": delivery.event})
        return JSONResponse({"error": "internal error"}, status_code=500)
    finally:
        delivery_id_var.reset(token)


async def _accept(state: AppState, delivery: Delivery, started: float) -> Response:
    own = is_own_event(
        delivery, app_slug=state.settings.app_slug, app_id=state.settings.github_app_id
    )
    problem = state.router.problem(delivery)
    outcome, specs = plan_delivery(delivery, state.router.plan(delivery), own_event=own,
                                   problem=problem)
    try:
        result = await state.committer.record(IntakeItem(delivery, outcome, tuple(specs)))
    except sa.exc.SQLAlchemyError:
        # Not acknowledged, so GitHub marks the delivery failed and it can be redelivered.
        log.exception("could not record delivery")
        state.metrics.deliveries.labels(event_label(delivery.event), "store_error").inc()
        return JSONResponse({"error": "could not record the delivery"}, status_code=503)
    label = "duplicate" if result.duplicate else outcome
    state.metrics.deliveries.labels(event_label(delivery.event), label).inc()
    state.metrics.ack_seconds.observe(time.perf_counter() - started)
    log.info(
        "delivery accepted",
        extra={"event": delivery.event, "action": delivery.action, "outcome": label,
               "jobs": list(result.job_ids), "problem": problem},
    )
    answer: dict[str, object] = {"outcome": label, "duplicate": result.duplicate,
                                 "jobs": list(result.job_ids)}
    if outcome == "invalid":
        answer["reason"] = problem
    return JSONResponse(answer, status_code=202)


async def healthz(request: Request) -> Response:
    state: AppState = request.app.state.reviewbot
    deadline = state.settings.job_deadline_seconds
    try:
        counts = await anyio.to_thread.run_sync(state.queue.counts)
        overdue = await anyio.to_thread.run_sync(state.queue.overdue, deadline)
    except sa.exc.SQLAlchemyError as exc:
        log.exception("health check: database unreachable")
        return JSONResponse({"ok": False, "database": f"unreachable: {type(exc).__name__}"}, 503)
    # Jobs running past their deadline mean a worker is stuck (the deadline should have
    # stopped them): the web side still takes deliveries, so this is reported, not a 503.
    return JSONResponse({"ok": True, "database": "ok", "jobs": counts,
                         "jobs_overdue": overdue,
                         "status": "degraded" if overdue else "ok"})


async def metrics(request: Request) -> Response:
    state: AppState = request.app.state.reviewbot
    body = await anyio.to_thread.run_sync(state.metrics.render)
    return Response(body, media_type=CONTENT_TYPE)


def create_app(
    settings: Settings,
    *,
    engine: Engine,
    router: Router,
    workers: int = 0,
    context: Services | None = None,
) -> Starlette:
    """The composition root of the web process. `engine` must be migrated already."""
    secret = settings.webhook_secret_bytes()
    app_metrics = Metrics()
    context = context or Services(settings=settings, engine=engine)
    queue = context.queue
    app_metrics.watch_jobs(queue.counts)
    app_metrics.watch_llm(lambda: totals_by_model(engine))
    app_metrics.watch_github(context.github_requests)
    state = AppState(
        settings=settings,
        secret=secret,
        engine=engine,
        queue=queue,
        router=router,
        metrics=app_metrics,
        context=context,
        committer=GroupCommitter(engine, queue),
        bodies=BodyBudget(settings.max_inflight_bodies, settings.max_buffered_bytes),
        ops=OpsAccess.from_settings(settings),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        pool = build_pool(state.context, router, workers, app_metrics)
        if workers:
            state.committer.on_jobs = pool.wake_event.set
        checkpointer = SqliteCheckpointer(engine) if is_file_sqlite(engine) else None
        if checkpointer is not None:
            checkpointer.start()
        pool.start()
        log.info("reviewbot web ready", extra={"workers": workers})
        try:
            yield
        finally:
            await pool.stop()
            if checkpointer is not None:
                checkpointer.stop()
            await state.context.aclose()  # GitHub's pool, the model and embeddings clients

    app = Starlette(
        routes=[
            Route(WEBHOOK_PATH, webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/ops", ops_page, methods=["GET"]),
            Route("/ops/jobs/{job_id:int}/retry", ops_retry, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
    app.state.reviewbot = state
    return app
