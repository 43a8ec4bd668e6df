"""Likely duplicates of an issue among earlier ones: TF-IDF cosine similarity over words,
dotted identifiers kept whole (`org.apache.hadoop.fs.FileSystem`, `os.path.join`: the class
or function a report names is the strongest sign two reports are about one problem), the
title counted twice, code and logs kept (the same stack trace is the same bug); blended with
embedding similarity when vectors are given. Chosen on the training pairs of the Hadoop
duplicates (bench/triage). Never the issue itself; suggested, never closed (pure)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.core.known import Candidate

IDENTIFIER = r"(?u)\b\w[\w.]+\b"
MAX_TEXT = 20_000
SUGGEST_AT = 0.35  # similarity from which a candidate is worth a maintainer's look
MAX_SUGGESTIONS = 3
MIN_TAIL, TAIL_SHARE = 256, 0.05  # the index is rebuilt when this many issues wait


@dataclass(frozen=True)
class Similar:
    candidate: Candidate
    score: float


def _text(title: str, body: str) -> str:
    return f"{title} {title}\n{(body or '')[:MAX_TEXT]}"


class DuplicateIndex:
    """Earlier issues, each vectorised once when it is added; queried for each new issue.

    The vocabulary grows as issues come (adding an issue never re-reads the others), term
    frequencies are sublinear, and the IDF comes from document frequencies kept up to
    date as issues come and go: the same TF-IDF cosine as before, but a query costs the
    postings of its own words (a column-sliced sparse product), not a refit over every
    known issue. An issue added again (edited) replaces its earlier row."""

    def __init__(self, candidates: Sequence[Candidate] = (),
                 vectors: Sequence[Sequence[float]] | None = None) -> None:
        self.analyze = TfidfVectorizer(stop_words="english",
                                       token_pattern=IDENTIFIER).build_analyzer()
        self.vocabulary: dict[str, int] = {}
        self.candidates: list[Candidate] = []
        self._row_of: dict[int, int] = {}
        self._live = np.zeros(0, dtype=bool)
        self._df = np.zeros(1024, dtype=np.int64)
        # Rows 0..m-1 are "main": by column (the query's postings), with their norms and the
        # IDF they were weighted with, both fixed when main was last rebuilt. Newer rows wait
        # in "tail" (small, weighted at query time) until it is worth rebuilding main.
        self._main = sparse.csc_matrix((0, 1))
        self._main_rows = sparse.csr_matrix((0, 1))
        self._main_idf = np.ones(1)
        self._main_norms = np.zeros(0)
        self._tail: list[sparse.csr_matrix] = []
        self.vectors = np.asarray(vectors, dtype=float) if vectors is not None else None
        self.add(candidates)

    def __len__(self) -> int:
        return int(self._live.sum())

    def add(self, candidates: Sequence[Candidate]) -> None:
        """Index these issues (one tokenisation each); an issue known already is replaced."""
        if not candidates:
            return
        rows = self._tf([_text(c.title, c.body) for c in candidates], grow=True)
        for c in candidates:
            old = self._row_of.get(c.number)
            if old is not None and self._live[old]:
                self._live[old] = False
                self._df[self._row(old).indices] -= 1
        self._live = np.concatenate([self._live, np.ones(len(candidates), dtype=bool)])
        for k, c in enumerate(candidates):
            self._row_of[c.number] = len(self.candidates)
            self.candidates.append(c)
            self._df[rows.indices[rows.indptr[k]:rows.indptr[k + 1]]] += 1
        self._tail.append(rows)
        tail_rows = sum(t.shape[0] for t in self._tail)
        if tail_rows > max(MIN_TAIL, TAIL_SHARE * self._main.shape[0]):
            self._rebuild()

    def _tf(self, texts: Sequence[str], *, grow: bool = False) -> sparse.csr_matrix:
        """Sublinear term frequencies over the vocabulary (`grow`: new words join it; a
        query's unknown words are left out, as a fitted TF-IDF leaves them out)."""
        indptr: list[int] = [0]
        indices: list[int] = []
        data: list[int] = []
        for text in texts:
            counts: dict[int, int] = {}
            for token in self.analyze(text):
                column = self.vocabulary.get(token)
                if column is None:
                    if not grow:
                        continue
                    column = self.vocabulary[token] = len(self.vocabulary)
                counts[column] = counts.get(column, 0) + 1
            indices += counts
            data += counts.values()
            indptr.append(len(indices))
        if len(self.vocabulary) > self._df.size:
            self._df = np.concatenate([self._df, np.zeros(
                max(len(self.vocabulary) - self._df.size, self._df.size), dtype=np.int64)])
        tf = sparse.csr_matrix((1.0 + np.log(np.asarray(data, dtype=np.float64)),
                                np.asarray(indices, dtype=np.int64), indptr),
                               shape=(len(texts), max(1, len(self.vocabulary))))
        tf.sort_indices()
        return tf

    def _row(self, k: int) -> sparse.csr_matrix:
        if k < self._main_rows.shape[0]:
            return self._main_rows.getrow(k)
        k -= self._main_rows.shape[0]
        for block in self._tail:
            if k < block.shape[0]:
                return block.getrow(k)
            k -= block.shape[0]
        raise IndexError(k)

    def _rebuild(self) -> None:
        """Fold the tail into main and weigh main with today's IDF (amortised: main is
        rebuilt when the tail reaches a share of it, so each issue costs O(1) rebuilds)."""
        width = max(1, len(self.vocabulary))
        blocks = [self._main_rows, *self._tail]
        for block in blocks:
            block.resize((block.shape[0], width))  # the vocabulary grew since
        self._main_rows = sparse.csr_matrix(sparse.vstack(blocks, format="csr"))
        self._tail = []
        self._main_idf = self._idf(np.arange(width))
        weighted = self._main_rows.copy()
        weighted.data = weighted.data * self._main_idf[weighted.indices]
        self._main_norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))
                                   ).ravel()
        self._main = sparse.csc_matrix(self._main_rows)

    def _idf(self, columns: np.ndarray) -> np.ndarray:
        n = len(self)
        idf: np.ndarray = np.log((1.0 + n) / (1.0 + self._df[columns])) + 1.0  # as sklearn
        return idf

    def _cosines(self, cols: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """The query's cosine with every row: main with its own IDF (one column slice: the
        postings of the query's words), the tail with today's."""
        scores = np.zeros(len(self.candidates))
        m = self._main.shape[0]
        if m:
            inside = cols[cols < self._main.shape[1]]
            idf = self._main_idf[inside]
            weights = tf[: inside.size] * idf  # `cols` are sorted: `inside` is a prefix
            dots = np.asarray(self._main[:, inside] @ (weights * idf)).ravel()
            scores[:m] = dots / (self._main_norms * np.linalg.norm(weights) + 1e-12)
        if self._tail:
            width = max(1, len(self.vocabulary))
            for block in self._tail:
                block.resize((block.shape[0], width))
            tail = sparse.csr_matrix(sparse.vstack(self._tail, format="csr"))
            tail.data = tail.data * self._idf(tail.indices)
            norms = np.sqrt(np.asarray(tail.multiply(tail).sum(axis=1))).ravel()
            weights = tf * self._idf(cols)
            q = sparse.csr_matrix((weights, cols, [0, cols.size]), shape=(1, width))
            dots = np.asarray((tail @ q.T).todense()).ravel()
            scores[m:] = dots / (norms * np.linalg.norm(weights) + 1e-12)
        return scores

    def query(self, title: str, body: str, *, exclude: int | None = None,
              query_vector: Sequence[float] | None = None, top: int = 5) -> list[Similar]:
        """The `top` most similar candidates, best first, scores in [0, 1]; never the
        issue itself (`exclude`)."""
        if not len(self):
            return []
        q = self._tf([_text(title, body)])
        known = self._df[q.indices] > 0  # a word no live issue has weighs nothing
        cols = q.indices[known]
        if cols.size == 0:
            return []
        scores = self._cosines(cols, q.data[known])
        scores[~self._live] = -1.0
        if (query_vector is not None and self.vectors is not None
                and self.vectors.shape[0] == len(self.candidates)):  # one per row, in order
            v = np.asarray(query_vector, dtype=float)
            dense = self.vectors @ v / (np.linalg.norm(self.vectors, axis=1)
                                        * np.linalg.norm(v) + 1e-12)
            scores = (scores + np.clip(dense, 0.0, 1.0)) / 2
        if exclude is not None and (own := self._row_of.get(exclude)) is not None:
            scores[own] = -1.0
        best = np.argpartition(-scores, min(top, scores.size - 1))[: top + 1]
        order = [int(k) for k in sorted(best, key=lambda k: (-scores[k], k))
                 if self._live[k] and self.candidates[k].number != exclude][:top]
        return [Similar(self.candidates[k], min(1.0, max(0.0, float(scores[k]))))
                for k in order]


def worth_suggesting(similar: Sequence[Similar]) -> list[Similar]:
    return [s for s in similar if s.score >= SUGGEST_AT][:MAX_SUGGESTIONS]


# Workers on several machines stamp rows with their own clocks: a refresh re-reads this
# many seconds before its watermark, and rows already indexed at the same stamp are skipped.
CLOCK_SKEW = 120.0


@dataclass
class KnownIssues:
    """One repository's duplicate index, kept between triage jobs in one process and
    brought up to date from the store with only what changed since its watermark. Used
    under its lock (the index is not safe for concurrent use)."""

    index: DuplicateIndex = field(default_factory=DuplicateIndex)
    stamps: dict[int, float] = field(default_factory=dict)  # number -> updated_at indexed
    watermark: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def since(self) -> float | None:
        return None if self.watermark is None else self.watermark - CLOCK_SKEW

    def refresh(self, rows: Sequence[tuple[Candidate, float]]) -> int:
        """Index rows read from the store (candidate, updated_at); how many were new."""
        fresh = [(c, at) for c, at in rows if self.stamps.get(c.number) != at]
        self.index.add([c for c, _ in fresh])
        for c, at in fresh:
            self.stamps[c.number] = at
        if rows:
            newest = max(at for _, at in rows)
            self.watermark = newest if self.watermark is None else max(self.watermark, newest)
        return len(fresh)


class IndexCache:
    """The known issues of the repositories triaged lately, at most `size` of them (the
    least recently used is dropped, and rebuilt from the store if it comes back)."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._repos: OrderedDict[str, KnownIssues] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, repository: str) -> KnownIssues:
        with self._lock:
            known = self._repos.pop(repository, None) or KnownIssues()
            self._repos[repository] = known
            while len(self._repos) > self.size:
                self._repos.popitem(last=False)
            return known
