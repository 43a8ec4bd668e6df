"""The `reviewbot` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bot import __version__
from bot.app import build_context, engine_from, ready_engine
from bot.errors import ConfigError, ReviewbotError
from bot.settings import Settings

log = logging.getLogger("reviewbot")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        # Never pydantic's own text: it echoes the input, i.e. the secrets.
        raise ConfigError(f"invalid settings: {settings_problems(exc)}") from None


def settings_problems(exc: ValidationError) -> str:
    """Which settings are wrong and why, without any of their values."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
        for err in exc.errors(include_input=False, include_url=False, include_context=False))


def _setup_logging(settings: Settings) -> None:
    from bot.obs.logs import configure_logging

    configure_logging(settings.log_level, settings.secret_values())


def _harden() -> None:
    from bot.cli.process import make_undumpable

    make_undumpable()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.handlers.table import build_router
    from bot.web.app import create_app
    from bot.web.http_protocol import with_header_timeout

    settings = _settings()
    settings.webhook_secret_bytes()  # refuse to start without a secret, before anything else
    _setup_logging(settings)
    _harden()
    engine = ready_engine(settings)
    app = create_app(settings, engine=engine, router=build_router(), workers=args.workers,
                     context=build_context(settings, engine))
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
    from bot.app import build_workers, queue_policy
    from bot.handlers.table import build_router
    from bot.jobs.queue import JobQueue
    from bot.obs.metrics import Metrics

    settings = _settings()
    _setup_logging(settings)
    _harden()
    engine = ready_engine(settings)
    metrics = Metrics()
    queue = JobQueue(engine, policy=queue_policy(settings))
    if args.metrics_port:
        from prometheus_client import start_http_server

        metrics.watch_jobs(queue.counts)
        start_http_server(args.metrics_port, registry=metrics.registry)
    context = build_context(settings, engine)
    pool = build_workers(settings, queue, build_router(), context, args.concurrency, metrics)

    async def main() -> None:
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

    settings = _settings()
    engine = engine_from(settings)
    if args.db_command == "upgrade":
        upgrade(engine, args.revision)
    print(current_revision(engine) or "(empty)")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    import httpx

    from bot.web.replay import replay

    settings = _settings()
    try:
        response = replay(
            Path(args.payload),
            event=args.event,
            url=args.url,
            secret=settings.webhook_secret_bytes(),
            delivery_id=args.delivery,
        )
    except (OSError, ValueError, httpx.HTTPError) as exc:
        print(f"reviewbot replay: {exc}", file=sys.stderr)
        return 1
    print(f"{response.status_code} {response.text}")
    return 0 if response.is_success else 1


def cmd_review(args: argparse.Namespace) -> int:
    import tempfile

    from bot.core.findings import Severity
    from bot.core.redact import SecretMask
    from bot.core.render import render
    from bot.review.demo import build_demo_repo
    from bot.review.local import request_from_git, request_from_patch
    from bot.review.pipeline import run_review

    try:
        fail_on = Severity.parse(args.fail_on) if args.fail_on else None
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    with tempfile.TemporaryDirectory(prefix="reviewbot-demo-") as tmp:
        repo = Path(args.repo)
        base, head = args.base, args.head
        if args.demo:
            repo = Path(tmp)
            base, head = build_demo_repo(repo)
        if args.diff:
            request = request_from_patch(repo, Path(args.diff))
        else:
            request = request_from_git(repo, base or "HEAD~1", head)
        plan = asyncio.run(run_review(request))
    # The same final guard as on GitHub: output may land in a CI log.
    print(SecretMask(_settings().secret_values()).text(render(plan, args.format)))
    if fail_on is not None and any(f.severity.rank >= fail_on.rank for f in plan.findings):
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reviewbot", description="Review PRs, triage issues.")
    parser.add_argument("--version", action="version", version=f"reviewbot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

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

    review = sub.add_parser("review", help="the review the App would post, computed locally")
    review.add_argument("--repo", default=".", help="git repository (default: .)")
    review.add_argument("--base", default=None, help="base ref (default: HEAD~1)")
    review.add_argument("--head", default="HEAD", help="head ref (default: HEAD)")
    review.add_argument("--diff", default=None, help="review this patch against --repo's files")
    review.add_argument("--format", choices=("text", "markdown", "json", "sarif"),
                        default="text")
    review.add_argument("--no-llm", action="store_true",
                        help="linters and the deterministic aggregator only")
    review.add_argument("--fail-on", choices=("error", "warning", "note"), default=None,
                        help="exit 1 when a finding at or above this severity is reported")
    review.add_argument("--demo", action="store_true",
                        help="review the embedded demo repository (fixtures/demo)")
    review.set_defaults(func=cmd_review)

    rep = sub.add_parser("replay", help="sign and send a payload to a running server")
    rep.add_argument("payload")
    rep.add_argument("--event", required=True)
    rep.add_argument("--url", default="http://127.0.0.1:8000/api/github/webhooks")
    rep.add_argument("--delivery", default=None, help="X-GitHub-Delivery (default: random)")
    rep.set_defaults(func=cmd_replay)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ReviewbotError as exc:
        print(f"reviewbot: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
