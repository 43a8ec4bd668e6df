"""`reviewbot action`: run as a step of a GitHub workflow (see action.yml)."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys

from bot.action.environment import read_action_env
from bot.action.run import run_action, write_outputs
from bot.cli.process import load_settings, make_undumpable
from bot.core.redact import SecretMask
from bot.obs.logs import configure_logging


def cmd_action(args: argparse.Namespace) -> int:
    env = read_action_env(os.environ)
    settings = load_settings()
    secrets = [*settings.secret_values(), env.token]
    configure_logging(settings.log_level, secrets)
    make_undumpable()  # the token is in this process's environment; linters read the PR
    result = asyncio.run(run_action(env, settings, dry_run=args.dry_run))
    out = io.StringIO()
    write_outputs(env, result, out, as_json=args.format == "json")
    # The workflow log is public on a public repository: the same last guard as a post.
    sys.stdout.write(SecretMask(secrets).text(out.getvalue()))
    return result.exit_code


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    action = sub.add_parser("action", help="run as a GitHub workflow step (action.yml): the "
                                           "event's review, command or triage")
    action.add_argument("--dry-run", action="store_true",
                        help="compute the review and print it; write nothing to GitHub")
    action.add_argument("--format", choices=("text", "json"), default="text",
                        help="what to print besides the job summary")
    action.set_defaults(func=cmd_action)
