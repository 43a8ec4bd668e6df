"""Installation bookkeeping: keep the installations table in step with GitHub."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import anyio

from bot.core.payloads import installation_of, validator
from bot.jobs.context import ClaimedJob, JobContext
from bot.jobs.routing import Router
from bot.store import installations as store


async def handle_installation(ctx: JobContext, job: ClaimedJob) -> None:
    payload = job.payload
    installation_of(payload)  # a malformed payload fails permanently, with the reason
    inst: Mapping[str, Any] = payload["installation"]
    action = payload.get("action")
    now = time.time()

    def apply() -> None:
        if action == "deleted":
            store.upsert_installation(ctx.engine, inst, now=now, active=False)
            store.remove_repositories(ctx.engine, int(inst["id"]))
            return
        store.upsert_installation(ctx.engine, inst, now=now)
        if action == "suspend":
            store.set_suspended(ctx.engine, int(inst["id"]), True, now=now)
        elif action == "unsuspend":
            store.set_suspended(ctx.engine, int(inst["id"]), False, now=now)
        if action == "created" and payload.get("repositories"):
            store.add_repositories(ctx.engine, int(inst["id"]), payload["repositories"])

    await anyio.to_thread.run_sync(apply)


async def handle_installation_repositories(ctx: JobContext, job: ClaimedJob) -> None:
    payload = job.payload
    inst_id = installation_of(payload)
    inst: Mapping[str, Any] = payload["installation"]
    now = time.time()

    def apply() -> None:
        store.upsert_installation(ctx.engine, inst, now=now)
        store.add_repositories(ctx.engine, inst_id, payload.get("repositories_added") or [])
        removed = payload.get("repositories_removed") or []
        if removed:
            store.remove_repositories(ctx.engine, inst_id, removed)

    await anyio.to_thread.run_sync(apply)


def register(router: Router) -> None:
    router.add(
        "installation",
        ["created", "deleted", "suspend", "unsuspend", "new_permissions_accepted"],
        "installation.sync",
        handle_installation,
        validate=validator(installation_of),
    )
    router.add(
        "installation_repositories",
        ["added", "removed"],
        "installation_repositories.sync",
        handle_installation_repositories,
        validate=validator(installation_of),
    )
