"""What fits in one GitHub text (pure). GitHub refuses a review, comment or check-run
summary over 65,536 characters with a 422 that no retry cures; reviewbot's texts are cut
well below it, at a line, keeping their hidden marker as the last line, with a sentence
saying where the rest is."""

from __future__ import annotations

GITHUB_TEXT_LIMIT = 65_536
BODY_BUDGET = 60_000  # a review body or a check run's summary
MESSAGE_BUDGET = 2_000  # one finding's message inside a comment or a summary line
CUT_NOTE = ("\n\n_…the rest of this text is cut here: it is longer than GitHub allows. "
            "Every finding is in the check run's annotations._")


def shortened(text: str, limit: int = MESSAGE_BUDGET) -> str:
    """One message, at most `limit` characters (an ellipsis says it was cut)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fit_body(body: str, limit: int = BODY_BUDGET) -> str:
    """`body` within `limit` characters; a trailing `<!-- reviewbot:... -->` marker line is
    kept last, so the text stays recognisable as reviewbot's."""
    if len(body) <= limit:
        return body
    head, sep, last = body.rstrip().rpartition("\n")
    marker = last if sep and last.startswith("<!-- reviewbot:") else ""
    text = head if marker else body
    room = max(0, limit - len(CUT_NOTE) - len(marker) - 1)
    cut = text[:room]
    if "\n" in cut:
        cut = cut[: cut.rindex("\n")]
    return cut + CUT_NOTE + ("\n" + marker if marker else "")
