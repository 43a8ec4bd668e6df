"""Keep the installations table current from installation events."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.store.tables import installation_repositories, installations


def upsert_installation(
    engine: Engine, installation: Mapping[str, Any], *, now: float, active: bool = True
) -> None:
    account = installation.get("account") or {}
    values = {
        "account_login": account.get("login"),
        "account_type": account.get("type"),
        "repository_selection": installation.get("repository_selection"),
        "suspended": installation.get("suspended_at") is not None,
        "active": active,
        "updated_at": now,
    }
    inst_id = int(installation["id"])
    with engine.begin() as conn:
        updated = conn.execute(
            installations.update().where(installations.c.id == inst_id).values(**values)
        )
        if updated.rowcount == 0:
            conn.execute(installations.insert().values(id=inst_id, **values))


def set_suspended(engine: Engine, installation_id: int, suspended: bool, *, now: float) -> None:
    with engine.begin() as conn:
        conn.execute(
            installations.update()
            .where(installations.c.id == installation_id)
            .values(suspended=suspended, updated_at=now)
        )


def add_repositories(
    engine: Engine, installation_id: int, repos: Iterable[Mapping[str, Any]]
) -> None:
    with engine.begin() as conn:
        for repo in repos:
            key = sa.and_(
                installation_repositories.c.installation_id == installation_id,
                installation_repositories.c.repository_id == int(repo["id"]),
            )
            if conn.execute(sa.select(installation_repositories.c.full_name).where(key)).first():
                conn.execute(
                    installation_repositories.update()
                    .where(key)
                    .values(full_name=repo["full_name"])
                )
            else:
                conn.execute(
                    installation_repositories.insert().values(
                        installation_id=installation_id,
                        repository_id=int(repo["id"]),
                        full_name=repo["full_name"],
                    )
                )


def remove_repositories(
    engine: Engine, installation_id: int, repos: Iterable[Mapping[str, Any]] | None = None
) -> None:
    """Remove the given repositories, or all of the installation's when `repos` is None."""
    with engine.begin() as conn:
        stmt = installation_repositories.delete().where(
            installation_repositories.c.installation_id == installation_id
        )
        if repos is not None:
            ids = [int(r["id"]) for r in repos]
            stmt = stmt.where(installation_repositories.c.repository_id.in_(ids))
        conn.execute(stmt)


def get_installation(engine: Engine, installation_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(installations).where(installations.c.id == installation_id)
        ).first()
    return dict(row._mapping) if row else None


def repositories_of(engine: Engine, installation_id: int) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(installation_repositories.c.full_name)
            .where(installation_repositories.c.installation_id == installation_id)
            .order_by(installation_repositories.c.full_name)
        ).all()
    return [r[0] for r in rows]


def apply_installation_event(engine: Engine, action: str | None, inst: Mapping[str, Any],
                             repositories: Sequence[Mapping[str, Any]]) -> None:
    """An `installation` event: created, deleted, suspended or unsuspended."""
    now = time.time()
    if action == "deleted":
        upsert_installation(engine, inst, now=now, active=False)
        remove_repositories(engine, int(inst["id"]))
        return
    upsert_installation(engine, inst, now=now)
    if action == "suspend":
        set_suspended(engine, int(inst["id"]), True, now=now)
    elif action == "unsuspend":
        set_suspended(engine, int(inst["id"]), False, now=now)
    if action == "created" and repositories:
        add_repositories(engine, int(inst["id"]), repositories)


def apply_repositories_event(engine: Engine, inst: Mapping[str, Any],
                             added: Sequence[Mapping[str, Any]],
                             removed: Sequence[Mapping[str, Any]]) -> None:
    """An `installation_repositories` event: repositories added to or removed from it."""
    upsert_installation(engine, inst, now=time.time())
    add_repositories(engine, int(inst["id"]), added)
    if removed:
        remove_repositories(engine, int(inst["id"]), removed)


@dataclass(frozen=True)
class Installations:
    """The installations table, kept in step from async code (off the event loop)."""

    engine: Engine

    async def on_installation(self, action: str | None, inst: Mapping[str, Any],
                              repositories: Sequence[Mapping[str, Any]]) -> None:
        await anyio.to_thread.run_sync(apply_installation_event, self.engine, action, inst,
                                       repositories)

    async def on_repositories(self, inst: Mapping[str, Any],
                              added: Sequence[Mapping[str, Any]],
                              removed: Sequence[Mapping[str, Any]]) -> None:
        await anyio.to_thread.run_sync(apply_repositories_event, self.engine, inst, added,
                                       removed)
