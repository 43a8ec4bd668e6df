"""The `reviewbot` command line: the parser, and one module per command group."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli import action, doctor, feedback, replay, review, serve, triage, usage
from bot.cli import eval as evaluation
from bot.errors import ReviewbotError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reviewbot", description="Review PRs, triage issues.")
    parser.add_argument("--version", action="version", version=f"reviewbot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve.add_commands(sub)
    action.add_commands(sub)
    review.add_commands(sub)
    replay.add_commands(sub)
    usage.add_commands(sub)
    feedback.add_commands(sub)
    triage.add_commands(sub)
    evaluation.add_commands(sub)
    doctor.add_commands(sub)
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
