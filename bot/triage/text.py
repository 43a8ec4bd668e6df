"""An issue's text as the classifier and the similarity index read it (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE_BLOCK = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)", re.DOTALL)
URL = re.compile(r"https?://\S+")
MAX_BODY_CHARS = 20_000  # a pasted log is not more telling for being longer


@dataclass(frozen=True)
class Issue:
    title: str
    body: str
    label: str = ""  # the known label, when training or evaluating
    number: int = 0
    repo: str = ""
    state: str = "open"


def issue_text(title: str, body: str | None) -> str:
    """Title (twice: it is the densest part), then the body with code blocks and URLs
    reduced to one token each: their content is mostly noise for the type of an issue, that
    there is one is not (a stack trace says bug)."""
    text = (body or "")[:MAX_BODY_CHARS]
    text = CODE_BLOCK.sub(" codeblock ", text)
    text = URL.sub(" urltoken ", text)
    return f"{title} . {title}\n{text}"
