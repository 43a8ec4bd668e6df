"""`reviewbot replay`: sign a payload and send it to a running server, like GitHub."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.process import load_settings


def cmd_replay(args: argparse.Namespace) -> int:
    import httpx

    from bot.web.replay import replay

    settings = load_settings()
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


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rep = sub.add_parser("replay", help="sign and send a payload to a running server")
    rep.add_argument("payload")
    rep.add_argument("--event", required=True)
    rep.add_argument("--url", default="http://127.0.0.1:8000/api/github/webhooks")
    rep.add_argument("--delivery", default=None, help="X-GitHub-Delivery (default: random)")
    rep.set_defaults(func=cmd_replay)
