"""Posted text is inert (pure): the one place that turns text reviewbot does not control —
paths, linter messages (which quote the PR's code), model words, issue titles, doc
excerpts — into markdown that GitHub shows as text and nothing else: no @-mention, no
link or image to anywhere, no HTML or hidden comment (so no forged marker), no #reference,
no bidi trick.

`code_span` for names and code (fenced by a backtick run longer than any inside, so the
text cannot close it); `inert` for prose (markdown's active characters escaped)."""

from __future__ import annotations

import re

# Bidi embeddings/overrides/isolates, zero-width characters, the soft hyphen, the BOM, and
# C0/C1 control characters other than newline and tab.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
                        "\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BACKTICKS = re.compile(r"`+")
_ZWSP = "\u200b"
# Markdown's active characters in prose: links and images ([ ] ( ) !), HTML (< >), code
# (`), emphasis and lists are harmless but escaped where they could nest our markup.
_ESCAPE = {"\\": "\\\\", "[": "\\[", "]": "\\]", "!": "\\!", "`": "\\`", "|": "\\|",
           "*": "\\*", "_": "\\_", "~": "\\~", "<": "&lt;", ">": "&gt;", "&": "&amp;"}
_ESCAPE_RE = re.compile("[" + re.escape("".join(_ESCAPE)) + "]")
# What GitHub links by itself in text: @user and @org/team, #123 and owner/repo#123 and
# GH-123, bare URLs and www. names, e-mail addresses.
_AUTOLINKS = re.compile(r"(?<=@)|(?<=#)(?=\d)|(?<=GH-)(?=\d)|(?<=://)|(?<=www)(?=\.)",
                        re.IGNORECASE)


def visible(text: str) -> str:
    """Without invisible and control characters (newlines and tabs kept)."""
    return _INVISIBLE.sub("", text)


def has_control_characters(text: str) -> bool:
    """A path with any of these is refused as unsafe (it could not be shown faithfully)."""
    return _INVISIBLE.search(text) is not None or "\n" in text or "\t" in text


def fence_for(text: str, shortest: int = 1) -> str:
    """A backtick fence longer than any backtick run in `text` (it cannot be closed from
    inside), at least `shortest` long."""
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    return "`" * max(shortest, longest + 1)


def code_span(text: str, *, in_table: bool = False) -> str:
    """`text` as one inline code span it cannot close, on one line."""
    flat = " ".join(visible(text).split()) or " "
    fence = fence_for(flat)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    span = f"{fence}{pad}{flat}{pad}{fence}"
    return span.replace("|", "\\|") if in_table else span


def inert(text: str, *, one_line: bool = True) -> str:
    """Prose shown as text: markdown escaped, autolinks and mentions broken with an
    invisible space, invisible characters dropped (`one_line`: whitespace collapsed)."""
    text = visible(text)
    if one_line:
        text = " ".join(text.split())
    text = _ESCAPE_RE.sub(lambda m: _ESCAPE[m.group(0)], text)
    text = _AUTOLINKS.sub(_ZWSP, text)
    # A line that starts like a heading, a quote or a list item is not one of ours.
    return re.sub(r"(?m)^(\s*)([#>+-]|\d+[.)])", r"\1\\\2", text)
