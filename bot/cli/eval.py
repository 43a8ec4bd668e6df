"""`reviewbot eval`: the golden set of planted defects reviewed with the configured model
endpoint; how a user compares models on their own endpoint."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from bot.app import open_services
from bot.cli.process import load_settings
from bot.errors import ConfigError
from bot.review.evaluate import CASES, evaluate, load_cases, report


def cmd_eval(args: argparse.Namespace) -> int:
    settings = load_settings()
    cases = load_cases(Path(args.cases))

    async def run() -> dict[str, Any]:
        async with open_services(settings, database=False) as services:
            if services.llm is None:
                raise ConfigError("eval reviews with a model: set OPENAI_BASE_URL and/or "
                                  "OPENAI_API_KEY (and REVIEWBOT_MODEL, REVIEWBOT_FAST_MODEL)")
            return report(await evaluate(cases, services.llm))

    result = asyncio.run(run())
    if args.format == "json":
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['cases']} changes; recall {result['recall']:.0%} "
          f"({len(result['found'])} of {len(result['found']) + len(result['missed'])} planted "
          f"defects found on their line); false comments per clean change "
          f"{result['false_comments_per_clean_change']}; median review "
          f"{result['median_review_seconds']} s")
    for model, m in result["models"].items():
        print(f"  {model}: {int(m['calls'])} calls, {int(m['prompt_tokens'])} prompt + "
              f"{int(m['completion_tokens'])} completion tokens, ${m['cost_usd']:.4f}, "
              f"{m['latency_seconds']:.1f} s in calls")
    if result["missed"]:
        print("missed: " + ", ".join(result["missed"]))
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ev = sub.add_parser("eval", help="review the golden set of planted defects with the model")
    ev.add_argument("--format", choices=("text", "json"), default="text")
    ev.add_argument("--cases", default=str(CASES), help="a golden set in the same YAML form")
    ev.set_defaults(func=cmd_eval)
