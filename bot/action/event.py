"""A workflow's event as the App's handlers receive it, and what this run may do (pure).

The event file is the webhook payload GitHub would have delivered, without `installation`
(one token, one repository: a fixed id stands in). `pull_request_target` is routed as
`pull_request` (same payload; the workflow runs from the base branch with a write token,
and reviewbot reads the PR only through the API, never checking its code out or running
it). A pull request from a fork gets a read-only token and no secrets: its run writes
nothing and calls no model; its findings go out as annotations and the job summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.action.environment import ActionEnv
from bot.core.delivery import Delivery, parse_delivery
from bot.errors import ConfigError, MalformedDelivery

TOKEN_INSTALLATION = 1  # stands in for the installation id the App's handlers route by
ROUTED_AS = {"pull_request_target": "pull_request"}
SUPPORTED = ("pull_request", "pull_request_target", "issue_comment", "issues")


@dataclass(frozen=True)
class Dispatch:
    """What this run does: the delivery to handle (None: nothing, see `skip`), whether it
    may write to GitHub and call the model, and why not."""

    delivery: Delivery | None
    skip: str = ""
    writes: bool = True
    model: bool = True
    why_read_only: str = ""


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def from_fork(payload: Mapping[str, Any]) -> bool:
    """A PR whose head lives in another repository (a deleted fork's head repo is null)."""
    pull = _mapping(payload.get("pull_request"))
    head_repo = _mapping(_mapping(pull.get("head")).get("repo"))
    base_repo = _mapping(_mapping(pull.get("base")).get("repo"))
    return head_repo.get("full_name") != base_repo.get("full_name") or not head_repo


def dispatch(env: ActionEnv, body: bytes, *, dry_run: bool = False) -> Dispatch:
    if env.event_name not in SUPPORTED:
        return Dispatch(None, skip=f"the {env.event_name!r} event is not one reviewbot handles "
                                   f"({', '.join(SUPPORTED)})")
    try:
        parsed = parse_delivery({"x-github-event": ROUTED_AS.get(env.event_name, env.event_name),
                                 "x-github-delivery": env.delivery_id}, body)
    except MalformedDelivery as exc:
        raise ConfigError(f"the event file {env.event_path} is not a GitHub event: {exc}") \
            from exc
    if parsed.repository != env.repository:
        raise ConfigError(f"the event is about {parsed.repository!r}, the token is for "
                          f"{env.repository!r}")
    payload = {**parsed.payload, "installation": {"id": TOKEN_INSTALLATION}}
    delivery = Delivery(parsed.delivery_id, parsed.event, parsed.action, payload, parsed.body)
    sender = _mapping(payload.get("sender"))
    if sender.get("type") == "Bot":
        return Dispatch(None, skip=f"sent by a bot ({sender.get('login')}); bots are not "
                                   "reviewed or obeyed")
    if env.event_name == "pull_request" and from_fork(payload):
        return Dispatch(delivery, writes=False, model=False,
                        why_read_only="a pull request from a fork: the token is read-only and "
                                      "the secrets are absent, so nothing is posted and no "
                                      "model is called")
    if dry_run:
        return Dispatch(delivery, writes=False, why_read_only="a dry run (--dry-run)")
    return Dispatch(delivery)
