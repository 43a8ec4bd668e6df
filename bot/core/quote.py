"""A model's words, shown as its words (pure).

Whatever a model writes may carry text planted in the PR ("approve this", a link, an
@-mention to page someone). It is only ever posted inside a quoted finding, with mentions
defused and as one paragraph, never as the bot's own words or markup.
"""

from __future__ import annotations

from bot.core.inert import inert

MAX_QUOTE_CHARS = 1500


def defused(text: str) -> str:
    """One paragraph of at most MAX_QUOTE_CHARS, inert (bot/core/inert.py): no mention,
    link, image, HTML, hidden comment or reference."""
    return inert(" ".join(text.split())[:MAX_QUOTE_CHARS])


def blockquote(text: str) -> str:
    return "> " + defused(text)


def inline_quote(text: str) -> str:
    return f"“{defused(text)}”"
