"""`reviewbot review`: the review the App would post, computed locally."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bot.app import open_services
from bot.cli.process import load_settings
from bot.core.findings import Severity
from bot.core.plan import ReviewPlan
from bot.core.redact import SecretMask
from bot.core.render import render
from bot.errors import ConfigError
from bot.review.aggregate.plan import conclusion_for
from bot.review.pipeline import Reviewers, run_review
from bot.review.policy import ReviewPolicy
from bot.review.request import ReviewRequest
from bot.settings import Settings


def cmd_review(args: argparse.Namespace) -> int:
    from bot.review.demo import build_demo_repo
    from bot.review.local import request_from_git, request_from_patch

    try:
        fail_on = Severity.parse(args.fail_on) if args.fail_on else None
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    settings = load_settings()
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
        plan = asyncio.run(_review(settings, request, use_llm=not args.no_llm))
    # The same final guard as on GitHub: output may land in a CI log.
    print(SecretMask(settings.secret_values()).text(render(plan, args.format)))
    if fail_on is not None and conclusion_for(plan.findings, fail_on) == "failure":
        return 1
    return 0


async def _review(settings: Settings, request: ReviewRequest, *, use_llm: bool) -> ReviewPlan:
    async with open_services(settings, database=False) as services:  # it stores nothing
        return await run_review(request, ReviewPolicy.from_settings(settings, use_llm=use_llm),
                                Reviewers(llm=services.llm,
                                          budget_usd=settings.budget_pr_usd or None))


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
