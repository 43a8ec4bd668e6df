"""The repository's docs (README and docs/ at the default branch) cut into sections by
heading, and the sections closest to a question, each with a link a maintainer can check
(pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.core.known import Chunk

DOC_SUFFIXES = (".md", ".rst", ".txt", ".markdown")
MAX_CHUNK_CHARS = 2_000
MAX_DOC_FILES = 200
HEADING = re.compile(r"^(#{1,6})[ \t]+([^\n]*)$", re.MULTILINE)  # linear: docs are input
ANSWER_AT = 0.25  # similarity from which a section is offered as an answer


@dataclass(frozen=True)
class Passage:
    chunk: Chunk
    score: float


def is_doc(path: str) -> bool:
    lower = path.lower()
    top = "/" not in path
    return lower.endswith(DOC_SUFFIXES) and (
        (top and lower.startswith("readme")) or lower.startswith(("docs/", "doc/")))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def chunk_markdown(path: str, text: str) -> list[Chunk]:
    """One chunk per section (long sections cut in pieces under the same heading)."""
    matches = list(HEADING.finditer(text))
    bounds: list[tuple[re.Match[str] | None, int, int]] = [
        (None, 0, matches[0].start() if matches else len(text))]
    bounds += [(m, m.start(), matches[k + 1].start() if k + 1 < len(matches) else len(text))
               for k, m in enumerate(matches)]
    chunks = []
    for match, start, end in bounds:
        heading = match.group(2).strip().rstrip("#").strip() if match else path
        body = text[start:end].strip()
        if not body:
            continue
        anchor = slug(heading) if match else ""
        for k in range(0, len(body), MAX_CHUNK_CHARS):
            chunks.append(Chunk(path, heading, anchor, body[k:k + MAX_CHUNK_CHARS]))
    return chunks


def closest(question: str, chunks: Sequence[Chunk], top: int = 3) -> list[Passage]:
    if not chunks:
        return []
    texts = [f"{c.heading}\n{c.text}" for c in chunks] + [question]
    vectoriser = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
    try:
        matrix = vectoriser.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return []
    scores = np.asarray((matrix[:-1] @ matrix[-1].T).todense()).ravel()
    order = np.argsort(-scores)[:top]
    return [Passage(chunks[k], float(scores[k])) for k in order if scores[k] > 0]
