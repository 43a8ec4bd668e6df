"""`reviewbot serve`, `reviewbot worker`, `reviewbot db`: running the App."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from bot.app import build_services, engine_from, open_services
from bot.cli.process import load_settings, make_undumpable, setup_logging

log = logging.getLogger("reviewbot")


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.handlers.table import build_router
    from bot.web.app import create_app
    from bot.web.http_protocol import with_header_timeout

    settings = load_settings()
    settings.webhook_secret_bytes()  # refuse to start without a secret, before anything else
    setup_logging(settings)
    make_undumpable()
    services = build_services(settings)  # closed by the app's lifespan
    app = create_app(settings, engine=services.database(), router=build_router(),
                     workers=args.workers, context=services)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds) + 5,
        http=with_header_timeout(settings.header_timeout_seconds),
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=int(max(1, settings.keep_alive_seconds)),
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from bot.handlers.table import build_router
    from bot.jobs.worker import build_pool
    from bot.obs.metrics import Metrics

    settings = load_settings()
    setup_logging(settings)
    make_undumpable()

    async def main() -> None:
        async with open_services(settings) as services:
            metrics = Metrics()
            queue = services.queue
            if args.metrics_port:
                from prometheus_client import start_http_server

                from bot.store.usage import totals_by_model

                engine = services.database()
                metrics.watch_jobs(queue.counts)
                metrics.watch_llm(lambda: totals_by_model(engine))
                metrics.watch_github(services.github_requests)
                start_http_server(args.metrics_port, registry=metrics.registry)
            pool = build_pool(services, build_router(), args.concurrency, metrics)
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, pool.stop_event.set)
            log.info("worker started", extra={"concurrency": args.concurrency})
            await pool.run_until_stopped()
            log.info("worker stopped")

    asyncio.run(main())
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from bot.store.migrate import current_revision, upgrade

    engine = engine_from(load_settings())
    if args.db_command == "upgrade":
        upgrade(engine, args.revision)
    print(current_revision(engine) or "(empty)")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the webhook endpoint (and in-process workers)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2, help="in-process workers (0: web only)")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run workers only (scale out on PostgreSQL)")
    worker.add_argument("--concurrency", type=int, default=2)
    worker.add_argument("--metrics-port", type=int, default=0, help="serve /metrics here")
    worker.set_defaults(func=cmd_worker)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply migrations")
    up.add_argument("revision", nargs="?", default="head")
    db_sub.add_parser("current", help="print the schema revision")
    db.set_defaults(func=cmd_db)
