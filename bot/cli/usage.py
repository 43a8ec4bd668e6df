"""`reviewbot usage`: model calls, tokens and cost per repository and day, from the store."""

from __future__ import annotations

import argparse

from bot.app import engine_from
from bot.cli.process import load_settings
from bot.store.usage import usage_report


def cmd_usage(args: argparse.Namespace) -> int:
    rows = usage_report(engine_from(load_settings()), repository=args.repo, days=args.days)
    print(f"{'day':<10}  {'repository':<40} {'calls':>6} {'cached':>6} {'prompt':>9} "
          f"{'completion':>10} {'cost USD':>10}")
    for r in rows:
        print(f"{r.day:<10}  {r.repository[:40]:<40} {r.calls:>6} {r.cache_hits:>6} "
              f"{r.prompt_tokens:>9} {r.completion_tokens:>10} {r.cost_usd:>10.4f}")
    total = sum(r.cost_usd for r in rows)
    print(f"{'total':<10}  {'':<40} {sum(r.calls for r in rows):>6} "
          f"{sum(r.cache_hits for r in rows):>6} {sum(r.prompt_tokens for r in rows):>9} "
          f"{sum(r.completion_tokens for r in rows):>10} {total:>10.4f}")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    usage = sub.add_parser("usage", help="model calls, tokens and cost per repository and day")
    usage.add_argument("--repo", default=None, help="owner/name (default: every repository)")
    usage.add_argument("--days", type=int, default=30)
    usage.set_defaults(func=cmd_usage)
