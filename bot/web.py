"""The web edge: webhook intake, health and metrics (Starlette)."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import anyio
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.delivery import Delivery, is_own_event, parse_delivery
from bot.errors import PayloadTooLarge, WebhookError
from bot.intake import GroupCommitter, IntakeItem, plan_delivery
from bot.jobs import JobContext
from bot.logs import delivery_id_var
from bot.metrics import CONTENT_TYPE, Metrics
from bot.queue import JobQueue
from bot.routing import Router
from bot.settings import Settings
from bot.signature import verify
from bot.store.engine import SqliteCheckpointer, is_file_sqlite
from bot.wiring import build_workers, queue_policy

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/api/github/webhooks"


@dataclass
class AppState:
    settings: Settings
    secret: bytes
    engine: Engine
    queue: JobQueue
    router: Router
    metrics: Metrics
    context: JobContext
    committer: GroupCommitter


async def read_bounded(request: Request, limit: int) -> bytes:
    """Read the body, refusing (413) as soon as it exceeds `limit`; never buffers more."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body of {declared} bytes exceeds the {limit}-byte limit")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body exceeds the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


async def webhook(request: Request) -> Response:
    state: AppState = request.app.state.reviewbot
    started = time.perf_counter()
    event = request.headers.get("x-github-event") or "unknown"
    token = delivery_id_var.set(request.headers.get("x-github-delivery"))
    try:
        try:
            body = await read_bounded(request, state.settings.max_body_bytes)
            verify(state.secret, body, request.headers.get("x-hub-signature-256"))
            delivery = parse_delivery(request.headers, body)
        except WebhookError as exc:
            outcome = f"rejected_{exc.status}"
            state.metrics.deliveries.labels(event, outcome).inc()
            log.warning("delivery rejected", extra={"status": exc.status, "reason": str(exc)})
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        return await _accept(state, delivery, started)
    finally:
        delivery_id_var.reset(token)


async def _accept(state: AppState, delivery: Delivery, started: float) -> Response:
    own = is_own_event(
        delivery, app_slug=state.settings.app_slug, app_id=state.settings.github_app_id
    )
    outcome, specs = plan_delivery(delivery, state.router.plan(delivery), own_event=own)
    try:
        result = await state.committer.record(IntakeItem(delivery, outcome, tuple(specs)))
    except sa.exc.SQLAlchemyError:
        # Not acknowledged, so GitHub marks the delivery failed and it can be redelivered.
        log.exception("could not record delivery")
        state.metrics.deliveries.labels(delivery.event, "store_error").inc()
        return JSONResponse({"error": "could not record the delivery"}, status_code=503)
    label = "duplicate" if result.duplicate else outcome
    state.metrics.deliveries.labels(delivery.event, label).inc()
    state.metrics.ack_seconds.observe(time.perf_counter() - started)
    log.info(
        "delivery accepted",
        extra={"event": delivery.event, "action": delivery.action, "outcome": label,
               "jobs": list(result.job_ids)},
    )
    return JSONResponse(
        {"outcome": label, "duplicate": result.duplicate, "jobs": list(result.job_ids)},
        status_code=202,
    )


async def healthz(request: Request) -> Response:
    state: AppState = request.app.state.reviewbot
    try:
        counts = await anyio.to_thread.run_sync(state.queue.counts)
    except sa.exc.SQLAlchemyError as exc:
        log.exception("health check: database unreachable")
        return JSONResponse({"ok": False, "database": f"unreachable: {type(exc).__name__}"}, 503)
    return JSONResponse({"ok": True, "database": "ok", "jobs": counts})


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
    context: JobContext | None = None,
) -> Starlette:
    """The composition root of the web process. `engine` must be migrated already."""
    secret = settings.webhook_secret_bytes()
    app_metrics = Metrics()
    queue = JobQueue(engine, policy=queue_policy(settings))
    app_metrics.watch_jobs(queue.counts)
    state = AppState(
        settings=settings,
        secret=secret,
        engine=engine,
        queue=queue,
        router=router,
        metrics=app_metrics,
        context=context or JobContext(settings=settings, engine=engine),
        committer=GroupCommitter(engine, queue),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        pool = build_workers(settings, queue, router, state.context, workers, app_metrics)
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

    app = Starlette(
        routes=[
            Route(WEBHOOK_PATH, webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.reviewbot = state
    return app
