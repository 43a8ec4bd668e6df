"""Likely duplicates of an issue among earlier ones: TF-IDF cosine similarity over words
(the title counted twice) and character n-grams, blended with embedding similarity when an
embeddings endpoint is configured. Never the issue itself; suggested, never closed (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.triage.text import issue_text

SUGGEST_AT = 0.35  # similarity from which a candidate is worth a maintainer's look
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Candidate:
    number: int
    title: str
    body: str
    state: str = "open"  # open | closed
    url: str = ""


@dataclass(frozen=True)
class Similar:
    candidate: Candidate
    score: float


def rank(title: str, body: str, candidates: Sequence[Candidate], *, exclude: int | None,
         query_vector: Sequence[float] | None = None,
         candidate_vectors: Sequence[Sequence[float]] | None = None,
         top: int = 5) -> list[Similar]:
    """The `top` most similar candidates, best first, each with a score in [0, 1]."""
    pool = [c for c in candidates if c.number != exclude]
    if not pool:
        return []
    texts = [issue_text(c.title, c.body) for c in pool] + [issue_text(title, body)]
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    try:
        matrix = hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
    except ValueError:  # nothing but stop words anywhere
        return []
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    scores = np.asarray((matrix[:-1] @ matrix[-1].T).todense()).ravel() / (norms[:-1] * norms[-1])
    if query_vector is not None and candidate_vectors is not None:
        kept = [k for k, c in enumerate(candidates) if c.number != exclude]
        vectors = np.asarray([candidate_vectors[k] for k in kept], dtype=float)
        query = np.asarray(query_vector, dtype=float)
        dense = vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query)
                                   + 1e-12)
        scores = (scores + np.clip(dense, 0.0, 1.0)) / 2
    order = np.argsort(-scores)[:top]
    return [Similar(pool[k], float(scores[k])) for k in order]


def worth_suggesting(similar: Sequence[Similar]) -> list[Similar]:
    return [s for s in similar if s.score >= SUGGEST_AT][:MAX_SUGGESTIONS]
