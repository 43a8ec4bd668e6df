"""Slash commands in PR comments (pure): what a comment asks, who may ask for paid work.

A command is `/name` at the start of a line, outside quoted lines (`>`) and fenced code
blocks: quoting someone's `/review` in a reply, or showing one in a code block, is not
asking for it. Only the first command of a comment is answered (one reply per comment).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KNOWN = ("review", "ask", "explain", "ignore", "config", "help")
# Commands that cost model time or a full review: only for users with write access.
PAID = frozenset({"review", "ask", "explain"})
PAID_OR_TRIAGE = PAID | {"triage"}  # share the paid limits
FREE = frozenset(KNOWN) - PAID | {"unknown"}
WRITE_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
COMMAND = re.compile(r"^/(?P<name>[A-Za-z][\w-]{0,31})(?:[ \t]+(?P<args>.*))?$")
FENCE = re.compile(r"^\s*(```|~~~)")
MAX_ARGS = 2000

HELP = """**reviewbot commands** (at the start of a line in a PR comment):

| command | what it does |
|---|---|
| `/review` | review the PR again now (users with write access) |
| `/ask <question>` | ask about this PR (needs a configured model) |
| `/explain` | in the thread of a reviewbot comment: why, with the evidence (needs a model) |
| `/ignore` | in the thread of a reviewbot comment: do not raise this finding again |
| `/config` | the effective configuration and where each value comes from |
| `/help` | this list |
"""


@dataclass(frozen=True)
class Command:
    name: str  # one of KNOWN, or "unknown"
    args: str = ""
    raw: str = ""


def parse_command(body: str) -> Command | None:
    """The first command of a comment, or None when it holds none."""
    fenced = False
    for line in body.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or line.lstrip().startswith(">"):
            continue
        match = COMMAND.match(line.rstrip())
        if match is None:
            continue
        name = match.group("name").lower()
        args = (match.group("args") or "").strip()[:MAX_ARGS]
        return Command(name if name in KNOWN else "unknown", args, f"/{match.group('name')}")
    return None


def from_a_bot(comment: Mapping[str, Any], sender: Mapping[str, Any]) -> bool:
    """Comments by any bot, reviewbot included, are never commands (no loops)."""
    for who in (comment.get("user") or {}, sender):
        login = str(who.get("login") or "")
        if who.get("type") == "Bot" or login.endswith("[bot]"):
            return True
    return False


# A contributor may or may not have write access (a team grant does not show in the
# association): asked of the collaborator permission API.
AMBIGUOUS_ASSOCIATIONS = frozenset({"CONTRIBUTOR"})


def may_spend(association: str, allowed: frozenset[str] = WRITE_ASSOCIATIONS) -> bool:
    return association.upper() in allowed
