"""A model's words, shown as its words (pure).

Whatever a model writes may carry text planted in the PR ("approve this", a link, an
@-mention to page someone). It is only ever posted inside a quoted finding, with mentions
defused and as one paragraph, never as the bot's own words or markup.
"""

from __future__ import annotations

import re

MAX_QUOTE_CHARS = 1500


def defused(text: str) -> str:
    text = " ".join(text.split())[:MAX_QUOTE_CHARS]
    text = re.sub(r"@(?=[\w-])", "@\u200b", text)  # no notification for anyone named
    return text.replace("<", "&lt;")  # no HTML, hidden comments or fake markers


def blockquote(text: str) -> str:
    return "> " + defused(text)


def inline_quote(text: str) -> str:
    return f"“{defused(text)}”"
