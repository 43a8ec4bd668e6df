"""Likely duplicates of an issue among earlier ones: TF-IDF cosine similarity over words,
dotted identifiers kept whole (`org.apache.hadoop.fs.FileSystem`, `os.path.join`: the class
or function a report names is the strongest sign two reports are about one problem), the
title counted twice, code and logs kept (the same stack trace is the same bug); blended with
embedding similarity when vectors are given. Chosen on the training pairs of the Hadoop
duplicates (bench/triage). Never the issue itself; suggested, never closed (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

IDENTIFIER = r"(?u)\b\w[\w.]+\b"
MAX_TEXT = 20_000
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


def _text(title: str, body: str) -> str:
    return f"{title} {title}\n{(body or '')[:MAX_TEXT]}"


class DuplicateIndex:
    """Earlier issues, vectorised once; queried for each new issue."""

    def __init__(self, candidates: Sequence[Candidate],
                 vectors: Sequence[Sequence[float]] | None = None) -> None:
        self.candidates = list(candidates)
        self.vectors = np.asarray(vectors, dtype=float) if vectors is not None else None
        self.words = TfidfVectorizer(sublinear_tf=True, stop_words="english",
                                     token_pattern=IDENTIFIER)
        texts = [_text(c.title, c.body) for c in self.candidates]
        try:
            self.matrix = self.words.fit_transform(texts) if texts else None
        except ValueError:  # nothing but stop words anywhere
            self.matrix = None

    def query(self, title: str, body: str, *, exclude: int | None = None,
              query_vector: Sequence[float] | None = None, top: int = 5) -> list[Similar]:
        """The `top` most similar candidates, best first, scores in [0, 1]; never the
        issue itself (`exclude`)."""
        if self.matrix is None:
            return []
        q = self.words.transform([_text(title, body)])
        scores = np.asarray((self.matrix @ q.T).todense()).ravel()  # rows are unit vectors
        if query_vector is not None and self.vectors is not None:
            v = np.asarray(query_vector, dtype=float)
            dense = self.vectors @ v / (np.linalg.norm(self.vectors, axis=1)
                                        * np.linalg.norm(v) + 1e-12)
            scores = (scores + np.clip(dense, 0.0, 1.0)) / 2
        order = [k for k in np.argsort(-scores)
                 if self.candidates[k].number != exclude][:top]
        return [Similar(self.candidates[k], float(scores[k])) for k in order]


def worth_suggesting(similar: Sequence[Similar]) -> list[Similar]:
    return [s for s in similar if s.score >= SUGGEST_AT][:MAX_SUGGESTIONS]
