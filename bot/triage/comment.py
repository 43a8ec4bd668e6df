"""reviewbot's one comment on an issue, edited in place: what it did or would do, what is
missing, possible duplicates, passages of the docs, and the hand-off. Everything taken from
the issue or written by a model is quoted and defused (pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.inert import code_span
from bot.core.quote import blockquote, defused
from bot.triage.decide import Decision
from bot.triage.docs import Passage
from bot.triage.duplicates import Similar

MARKER = "<!-- reviewbot:triage -->"
MISSING_START = "<!-- reviewbot:missing -->"
MISSING_END = "<!-- /reviewbot:missing -->"


@dataclass(frozen=True)
class Triage:
    decision: Decision
    mode: str  # apply | suggest
    missing: tuple[str, ...] = ()
    duplicates: tuple[Similar, ...] = ()
    passages: tuple[Passage, ...] = ()
    answer: str = ""  # a model's answer from the passages, when there is one
    docs_ref: str = ""
    repository: str = ""
    team: str = ""
    author: str = ""

    def worth_a_comment(self) -> bool:
        """Labels alone need no comment; people are addressed only when there is
        something for them (or in suggest mode, to show what would be done)."""
        return bool(self.mode == "suggest" or self.missing or self.duplicates
                    or self.passages or self.decision.escalate)


def missing_section(missing: Sequence[str], author: str) -> str:
    if not missing:
        return f"{MISSING_START}{MISSING_END}"
    who = f"@{author}, " if author else ""
    items = "\n".join(f"- {defused(m)}" for m in missing)
    return (f"{MISSING_START}\n{who}thanks for the report! To look into it, could you add:\n"
            f"{items}\n{MISSING_END}")


def completed_section() -> str:
    return f"{MISSING_START}\n~~Missing information~~ — added, thank you.\n{MISSING_END}"


def replace_missing(body: str, section: str) -> str:
    pattern = re.compile(re.escape(MISSING_START) + ".*?" + re.escape(MISSING_END), re.DOTALL)
    if pattern.search(body):
        return pattern.sub(lambda _m: section, body, count=1)
    return f"{body}\n\n{section}"


def render(t: Triage) -> str:
    parts = [MARKER]
    d = t.decision
    if t.mode == "suggest":
        would = ", ".join(code_span(a) for a in d.apply) or "no label"
        parts.append(f"**reviewbot triage (suggestion mode)** — would apply: {would}.")
    elif d.apply:
        parts.append("**reviewbot triage** — labelled " +
                     ", ".join(code_span(a) for a in d.apply) + ".")
    else:
        parts.append("**reviewbot triage**")
    if d.suggest and (t.mode == "suggest" or d.escalate):
        shown = ", ".join(f"{code_span(o.label)} ({o.source} {o.confidence:.2f})"
                          for o in d.suggest[:3])
        parts.append(f"Likely: {shown}.")
    parts.append(missing_section(t.missing, t.author))
    if t.duplicates:
        rows = "\n".join(f"- #{s.candidate.number} {defused(s.candidate.title[:120])} "
                         f"({s.candidate.state}, similarity {s.score:.2f})"
                         for s in t.duplicates)
        parts.append("Possibly the same as:\n" + rows +
                     "\n\nIf one of these is the same problem, please say so there.")
    if t.passages:
        cites = "\n".join(
            f"- [{defused(p.chunk.path)}: {defused(p.chunk.heading)}]"
            f"({p.chunk.link(t.repository, t.docs_ref)})" for p in t.passages)
        if t.answer:
            parts.append(blockquote(t.answer) + "\n\nFrom the docs:\n" + cites)
        else:
            first = t.passages[0].chunk.text
            lines = first.splitlines()
            if lines and lines[0].lstrip().startswith("#"):  # its heading is in the link
                first = "\n".join(lines[1:]).strip()
            excerpt = blockquote(first[:600])
            parts.append("The docs may answer this:\n\n" + excerpt + "\n\n" + cites)
    if d.escalate:
        who = f"{t.team} " if t.team else ""
        parts.append(f"{who}reviewbot was not sure how to label this one; over to a human.")
    return "\n\n".join(parts)
