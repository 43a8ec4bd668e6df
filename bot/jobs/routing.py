"""The routing table: (event, action) -> job kinds, and job kind -> handler (sans-I/O)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.delivery import Delivery

if TYPE_CHECKING:
    from bot.jobs.context import ClaimedJob, Services

Handler = Callable[["Services", "ClaimedJob"], Awaitable[None]]
CoalesceKey = Callable[[Delivery], str | None]
# What a route's handler needs from the payload: None when present, else the problem.
Validator = Callable[[Delivery], str | None]


@dataclass(frozen=True)
class JobSpec:
    kind: str
    coalesce_key: str | None = None
    args: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Route:
    event: str
    actions: frozenset[str] | None  # None: every action
    kind: str
    coalesce: CoalesceKey | None = None
    validate: Validator | None = None

    def matches(self, delivery: Delivery) -> bool:
        if delivery.event != self.event:
            return False
        return self.actions is None or (delivery.action in self.actions)


@dataclass
class Router:
    routes: list[Route] = field(default_factory=list)
    handlers: dict[str, Handler] = field(default_factory=dict)

    def add(
        self,
        event: str,
        actions: Iterable[str] | None,
        kind: str,
        handler: Handler,
        *,
        coalesce: CoalesceKey | None = None,
        validate: Validator | None = None,
    ) -> None:
        if kind in self.handlers and self.handlers[kind] is not handler:
            raise ValueError(f"job kind {kind!r} already has a different handler")
        self.handlers[kind] = handler
        acts = frozenset(actions) if actions is not None else None
        self.routes.append(Route(event=event, actions=acts, kind=kind, coalesce=coalesce,
                                 validate=validate))

    def add_follow_up(self, kind: str, handler: Handler) -> None:
        """A job kind no delivery creates: a handler asks for it (`Services.follow_up`)."""
        if kind in self.handlers and self.handlers[kind] is not handler:
            raise ValueError(f"job kind {kind!r} already has a different handler")
        self.handlers[kind] = handler

    def plan(self, delivery: Delivery) -> list[JobSpec]:
        """The jobs a delivery creates (empty: acknowledged, nothing to do). A route whose
        handler could never succeed on this payload creates no job (see `problem`)."""
        return [
            JobSpec(kind=r.kind, coalesce_key=r.coalesce(delivery) if r.coalesce else None)
            for r in self.routes
            if r.matches(delivery) and (r.validate is None or r.validate(delivery) is None)
        ]

    def problem(self, delivery: Delivery) -> str | None:
        """Why a delivery one of the routes wants lacks what its handler needs, if it does."""
        for r in self.routes:
            if r.matches(delivery) and r.validate is not None:
                found = r.validate(delivery)
                if found is not None:
                    return found
        return None

    def handler_for(self, kind: str) -> Handler | None:
        return self.handlers.get(kind)


def number_key(prefix: str) -> CoalesceKey:
    """One pending job of a kind per PR or issue (its number): a newer delivery supersedes
    the older pending job."""
    def key(delivery: Delivery) -> str | None:
        item = delivery.payload.get("pull_request") or delivery.payload.get("issue")
        number = item.get("number") if isinstance(item, Mapping) else None
        if delivery.repository is None or not isinstance(number, int):
            return None
        return f"{prefix}:{delivery.repository}#{number}"
    return key


# One pending review per PR: a newer push supersedes the older pending job.
pull_request_key = number_key("review")
