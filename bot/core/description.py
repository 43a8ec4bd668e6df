"""reviewbot's own section of a PR description (pure): between two hidden markers, replaced
there when they are present, appended after the author's text when they are not. Nothing
outside the markers is ever changed: the description is the author's."""

from __future__ import annotations

START = "<!-- reviewbot:walkthrough:start -->"
END = "<!-- reviewbot:walkthrough:end -->"


def with_section(body: str | None, section: str) -> str:
    text = body or ""
    start = text.find(START)
    end = text.find(END, start + len(START)) if start >= 0 else -1
    block = f"{START}\n{section.strip()}\n{END}"
    if start >= 0 and end >= 0:
        return text[:start] + block + text[end + len(END):]
    return f"{text.rstrip()}\n\n{block}" if text.strip() else block
