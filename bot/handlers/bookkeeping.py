"""Installation bookkeeping: keep the installations table in step with GitHub."""

from __future__ import annotations

from bot.core.payloads import installation_of, validator
from bot.jobs.context import ClaimedJob, Services
from bot.jobs.routing import Router


async def handle_installation(services: Services, job: ClaimedJob) -> None:
    payload = job.payload
    installation_of(payload)  # a malformed payload fails permanently, with the reason
    await services.stores.installations.on_installation(
        payload.get("action"), payload["installation"], payload.get("repositories") or [])


async def handle_installation_repositories(services: Services, job: ClaimedJob) -> None:
    payload = job.payload
    installation_of(payload)
    await services.stores.installations.on_repositories(
        payload["installation"], payload.get("repositories_added") or [],
        payload.get("repositories_removed") or [])


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
