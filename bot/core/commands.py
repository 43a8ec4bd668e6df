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


@dataclass(frozen=True)
class CommandSpec:
    """One command: where it applies, whether it is paid work (write access, the paid
    hourly limits) and what `/help` says of it. Elsewhere it gets `elsewhere` as its answer
    on a pull request, and is ignored on an issue."""

    name: str
    usage: str
    does: str
    paid: bool = False
    on_pulls: bool = True
    on_issues: bool = False
    elsewhere: str = ""


# The one table of commands (their handlers: bot/handlers/commands.py, by name).
COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("review", "/review", "review the PR again now (users with write access)",
                paid=True),
    CommandSpec("ask", "/ask <question>", "ask about this PR (needs a configured model)",
                paid=True),
    CommandSpec("explain", "/explain", "in the thread of a reviewbot comment: why, with the "
                "evidence (needs a model)", paid=True),
    CommandSpec("describe", "/describe", "post or update the walkthrough of this PR (its "
                "files, what changed in each, the review effort)"),
    CommandSpec("ignore", "/ignore", "in the thread of a reviewbot comment: do not raise "
                "this finding again"),
    CommandSpec("config", "/config", "the effective configuration and where each value "
                "comes from"),
    CommandSpec("help", "/help", "this list"),
    CommandSpec("triage", "/triage", "in an issue: triage it again (users with write "
                "access)", paid=True, on_pulls=False, on_issues=True,
                elsewhere="`/triage` works in issues; on a pull request, `/review` reviews "
                          "it again."),
)
BY_NAME = {c.name: c for c in COMMANDS}
KNOWN = tuple(BY_NAME)
# Commands that cost model time or a full review: only for users with write access; they
# share the paid limits wherever they are asked.
PAID = frozenset(c.name for c in COMMANDS if c.paid)
FREE = frozenset(KNOWN) - PAID | {"unknown"}
WRITE_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
COMMAND = re.compile(r"^/(?P<name>[A-Za-z][\w-]{0,31})(?:[ \t]+(?P<args>.*))?$")
FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
MAX_ARGS = 2000


def help_text() -> str:
    rows = "\n".join(f"| `{c.usage}` | {c.does} |" for c in COMMANDS)
    return ("**reviewbot commands** (at the start of a line in a comment):\n\n"
            f"| command | what it does |\n|---|---|\n{rows}\n")


HELP = help_text()


@dataclass(frozen=True)
class Command:
    name: str  # one of KNOWN, or "unknown"
    args: str = ""
    raw: str = ""


def parse_command(body: str) -> Command | None:
    """The first command of a comment, or None when it holds none. Read as GitHub's
    markdown shows it: not inside a fenced block (closed only by a fence of the same
    character, at least as long), an HTML comment, or a quote (including its lazy
    continuation lines, up to a blank line)."""
    fence = ""
    quoting = commenting = False
    for line in body.splitlines():
        if fence:
            closing = FENCE.match(line)
            if closing and closing.group("fence")[0] == fence[0] \
                    and len(closing.group("fence")) >= len(fence) \
                    and not line.strip().lstrip(fence[0]):
                fence = ""
            continue
        if commenting:
            commenting = "-->" not in line
            continue
        if not line.strip():
            quoting = False
            continue
        if line.lstrip().startswith(">"):
            quoting = True
            continue
        if quoting:
            continue  # a lazy continuation of the quote above
        if (opening := FENCE.match(line)) is not None:
            fence = opening.group("fence")
            continue
        if line.lstrip().startswith("<!--"):
            commenting = "-->" not in line
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
