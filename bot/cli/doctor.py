"""`reviewbot doctor`: is the configured model endpoint usable as reviewbot will use it?
One table, and a non-zero exit with the reason when the model review cannot work."""

from __future__ import annotations

import argparse
import asyncio

from bot.app import open_services
from bot.cli.process import load_settings
from bot.llm.probe import Check, probe
from bot.settings import Settings


def cmd_doctor(_args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.llm_enabled:
        print("reviewbot doctor: no model endpoint is configured (set OPENAI_BASE_URL, and "
              "OPENAI_API_KEY if it asks for one): reviews are linters-only.")
        return 1
    checks = asyncio.run(_run(settings))
    width = max(len(c.what) for c in checks)
    print(f"endpoint: {settings.openai_base_url or 'OpenAI (no OPENAI_BASE_URL)'}")
    for c in checks:
        mark = "ok  " if c.ok and not c.warning else "note" if c.ok else "FAIL"
        print(f"{mark}  {c.what:<{width}}  {c.result}"
              + (f"  ({c.seconds:.2f} s)" if c.seconds else ""))
    failed = [c for c in checks if not c.ok]
    if failed:
        print(f"\nThe model review cannot work: {failed[0].what}: {failed[0].result}")
        return 1
    print("\nThe model review can work with this endpoint.")
    return 0


async def _run(settings: Settings) -> list[Check]:
    async with open_services(settings, database=False) as services:
        assert services.llm is not None
        return await probe(services.llm, services.embedder)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = sub.add_parser("doctor", help="probe the configured model endpoint as reviews "
                                           "use it")
    doctor.set_defaults(func=cmd_doctor)
