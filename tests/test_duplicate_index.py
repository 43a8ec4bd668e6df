"""The duplicate index kept between triage jobs (issue 16, item 7): the same TF-IDF cosine
as a fitted vectorizer, whether an issue sits in the rebuilt part or the recent tail; an
edited issue replaces its old text; a refresh reads only what changed since."""

from __future__ import annotations

import random

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy.engine import Engine

from bot.core.known import Candidate
from bot.store import triage as store
from bot.triage.duplicates import IDENTIFIER, DuplicateIndex, KnownIssues, _text

RNG = random.Random(7)
WORDS = [f"w{i}" for i in range(400)] + ["org.apache.fs.FileSystem", "os.path.join"]


def issues(first: int, n: int) -> list[Candidate]:
    return [Candidate(k, " ".join(RNG.choices(WORDS, k=6)), " ".join(RNG.choices(WORDS, k=50)))
            for k in range(first, first + n)]


def reference(cands: list[Candidate], title: str, body: str) -> list[tuple[int, float]]:
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english",
                                 token_pattern=IDENTIFIER)
    matrix = vectorizer.fit_transform([_text(c.title, c.body) for c in cands])
    scores = np.asarray((matrix @ vectorizer.transform([_text(title, body)]).T).todense()
                        ).ravel()
    return [(cands[k].number, round(float(scores[k]), 6)) for k in np.argsort(-scores)[:5]]


def test_scores_match_a_fitted_tfidf_in_main_and_in_the_tail() -> None:
    main, tail = issues(1, 600), issues(601, 40)
    index = DuplicateIndex(main)  # 600 rows: rebuilt into main
    index.add(tail)  # 40 more: they wait in the tail
    everyone = main + tail
    for probe in (main[3], tail[5]):
        got = [(s.candidate.number, round(s.score, 6))
               for s in index.query(probe.title, probe.body[:150])]
        want = reference(everyone, probe.title, probe.body[:150])
        assert [n for n, _ in got][:1] == [n for n, _ in want][:1] == [probe.number]
        # main was weighed with the IDF of 600 issues, the tail with today's: close.
        assert np.allclose([s for _, s in got], [s for _, s in want], atol=0.02)


def test_an_edited_issue_replaces_its_old_text_and_self_is_never_suggested() -> None:
    index = DuplicateIndex(issues(1, 50))
    index.add([Candidate(7, "parser crashes on unicode", "UnicodeDecodeError in os.path.join")])
    assert len(index) == 50
    (best, *_) = index.query("crash on unicode", "UnicodeDecodeError os.path.join")
    assert best.candidate.number == 7 and best.candidate.title.startswith("parser")
    assert all(s.candidate.number != 7 for s in
               index.query("crash on unicode", "UnicodeDecodeError", exclude=7))


def test_a_refresh_reads_only_what_changed(sqlite_engine: Engine) -> None:
    for c in issues(1, 30):
        store.index_issue(sqlite_engine, "o/r", c)
    known = KnownIssues()
    assert known.refresh(store.indexed_since(sqlite_engine, "o/r", known.since())) == 30
    store.index_issue(sqlite_engine, "o/r", Candidate(31, "disk full on upload", "ENOSPC"))
    assert known.refresh(store.indexed_since(sqlite_engine, "o/r", known.since())) == 1
    assert known.index.query("upload fails disk full", "ENOSPC")[0].candidate.number == 31
