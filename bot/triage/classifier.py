"""The offline issue classifier: word and character TF-IDF with a linear SVM, one
model per repository, trained in seconds on 2 CPU cores, no weights to download (chosen by
measurement: docs/BENCHMARKS.md, bench/triage).

Per-label thresholds are calibrated for precision on held-out folds of the training data:
below its label's threshold (or for a label with too few examples) the model abstains and
the issue is left to people. Other repositories' labelled issues may join the training at a
low weight (`pool`): a prior for what a bug report or a question looks like anywhere, which
the repository's own issues then outweigh.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from bot.errors import ReviewbotError
from bot.triage.text import Issue, issue_text

NEVER = 1.01  # a threshold no probability reaches: the label is never applied alone


class TriageModelError(ReviewbotError):
    """A model cannot be trained or loaded."""


@dataclass(frozen=True)
class TrainingOptions:
    # The precision each label's threshold aims at on held-out folds; they are a little
    # optimistic, so the aim is above the 0.90 wanted on new issues (bench/triage).
    precision_target: float = 0.93
    min_examples: int = 10  # a label with fewer training examples is never predicted
    min_support: int = 5  # held-out predictions a threshold must rest on
    folds: int = 3  # inner folds for the thresholds and the temperature
    pool_weight: float = 0.2  # weight of other repositories' issues (0: none)
    c: float = 1.0  # inverse regularisation of the linear SVM
    seed: int = 0


DEFAULT_OPTIONS = TrainingOptions()


@dataclass(frozen=True)
class Prediction:
    label: str | None  # None: abstain (below its threshold)
    best: str  # the most probable label, shown as a suggestion when abstaining
    confidence: float
    probabilities: dict[str, float] = field(default_factory=dict)


def features() -> FeatureUnion:
    return FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=200_000)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                 min_df=2, max_features=300_000)),
    ])


def softmax(scores: np.ndarray[Any, Any], temperature: float) -> np.ndarray[Any, Any]:
    z = scores * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def fit_temperature(scores: np.ndarray[Any, Any], truth: np.ndarray[Any, Any]) -> float:
    """The scale that turns the SVM's margins into the best-calibrated probabilities on
    held-out data (least log-loss), found on a grid: one parameter, no overfitting."""
    grid = np.geomspace(0.25, 50, 60)
    rows = np.arange(len(truth))

    def loss(t: float) -> float:
        return float(-np.log(softmax(scores, t)[rows, truth] + 1e-12).mean())
    return float(min(grid, key=loss))


def precision_threshold(probs: Sequence[float], correct: Sequence[bool], target: float,
                        min_support: int) -> float:
    """The lowest probability above which the predictions of one label were right at least
    `target` of the time, resting on at least `min_support` of them (pure)."""
    order = np.argsort(-np.asarray(probs, dtype=float))
    best = NEVER
    right = 0
    for rank, i in enumerate(order, start=1):
        right += bool(correct[i])
        if rank >= min_support and right / rank >= target:
            best = float(probs[i])
    return best


Vectors = Sequence[Sequence[float]]


@dataclass
class TriageModel:
    labels: list[str]
    thresholds: dict[str, float]
    pipeline: Pipeline  # features, then the linear SVM
    temperature: float
    trained_on: int
    counts: dict[str, int]
    # With embeddings: a logistic regression on them, soft-voting with the SVM.
    head: LogisticRegression | None = None
    embeddings_model: str = ""

    def probabilities(self, texts: Sequence[str],
                      vectors: Vectors | None = None) -> np.ndarray[Any, Any]:
        """Rows in the order of `labels`; the vote of both heads when vectors are given."""
        rows = self.pipeline.named_steps["features"].transform(list(texts))
        probs = softmax(_scores(self.pipeline.named_steps["model"], rows, len(self.labels)),
                        self.temperature)
        if self.head is not None and vectors is not None:
            probs = (probs + _head_probs(self.head, vectors, len(self.labels))) / 2
        return probs

    def predict(self, issues: Sequence[Issue],
                vectors: Vectors | None = None) -> list[Prediction]:
        if not issues:
            return []
        probs = self.probabilities([issue_text(i.title, i.body) for i in issues], vectors)
        out = []
        for row in probs:
            k = int(np.argmax(row))
            best, confidence = self.labels[k], float(row[k])
            applied = best if confidence >= self.thresholds.get(best, NEVER) else None
            out.append(Prediction(applied, best, confidence,
                                  {c: float(p) for c, p in zip(self.labels, row, strict=True)}))
        return out

    def to_bytes(self) -> bytes:
        import skops.io as sio

        parts = {"pipeline": self.pipeline, **({"head": self.head} if self.head else {})}
        blob = bytes(sio.dumps(parts))
        refused = stored_types(blob) - STORED_TYPES
        if refused:  # never store what could not be loaded back as data
            raise TriageModelError(f"the triage model holds types reviewbot does not store: "
                                   f"{sorted(refused)[:5]}")
        return json.dumps({"labels": self.labels, "thresholds": self.thresholds,
                           "temperature": self.temperature, "trained_on": self.trained_on,
                           "counts": self.counts, "embeddings_model": self.embeddings_model}
                          ).encode() + b"\n" + blob

    @classmethod
    def from_bytes(cls, data: bytes) -> TriageModel:
        """Only the exact types a model is made of are accepted (skops, not pickle, and
        every object in the file checked against STORED_TYPES before anything is built: a
        function from sklearn's own modules as a vectorizer's analyzer would run code)."""
        import skops.io as sio

        head, _, blob = data.partition(b"\n")
        try:
            meta = json.loads(head)
            refused = stored_types(blob) - STORED_TYPES
            if refused:
                raise TriageModelError(
                    "the stored triage model holds types reviewbot never stores "
                    f"({', '.join(sorted(refused)[:5])}); it is refused and will be retrained")
            untrusted = sio.get_untrusted_types(data=blob)  # all within STORED_TYPES now
            parts = sio.loads(blob, trusted=[t for t in untrusted if t in STORED_TYPES])
        except (ValueError, TypeError, KeyError, zipfile.BadZipFile) as exc:
            raise TriageModelError(f"the stored triage model cannot be read: {exc}") from exc
        pipeline = parts.get("pipeline") if isinstance(parts, dict) else None
        vote = parts.get("head") if isinstance(parts, dict) else None
        if not isinstance(pipeline, Pipeline) or not (
                vote is None or isinstance(vote, LogisticRegression)):
            raise TriageModelError("the stored triage model is not what reviewbot stores")
        return cls(labels=list(meta["labels"]), thresholds=dict(meta["thresholds"]),
                   pipeline=pipeline, temperature=float(meta["temperature"]),
                   trained_on=int(meta["trained_on"]), counts=dict(meta["counts"]),
                   head=vote, embeddings_model=str(meta.get("embeddings_model") or ""))


# Every type a stored triage model is made of (what `train` builds), and nothing else.
STORED_TYPES = frozenset({
    "builtins.dict", "builtins.list", "builtins.str", "builtins.tuple", "builtins.int",
    "builtins.float", "builtins.bool", "builtins.NoneType",
    "numpy.float64", "numpy.float32", "numpy.int64", "numpy.int32", "numpy.bool_",
    "numpy.ndarray", "numpy.dtype",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.pipeline.FeatureUnion", "sklearn.pipeline.Pipeline",
    "sklearn.svm._classes.LinearSVC", "sklearn.linear_model._logistic.LogisticRegression",
})


def stored_types(blob: bytes) -> set[str]:
    """Every `module.class` named anywhere in a skops file's schema (objects, functions,
    types, methods alike)."""
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TriageModelError(f"the stored triage model cannot be read: {exc}") from exc
    found: set[str] = set()
    stack: list[Any] = [schema]
    while stack:  # iterative: a crafted schema may be deep
        node = stack.pop()
        if isinstance(node, dict):
            if "__module__" in node or "__class__" in node:
                found.add(f"{node.get('__module__')}.{node.get('__class__')}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


Progress = Callable[[], None]


def train(issues: Sequence[Issue], options: TrainingOptions = DEFAULT_OPTIONS,
          pool: Sequence[Issue] = (), progress: Progress | None = None,
          vectors: Vectors | None = None, embeddings_model: str = "") -> TriageModel:
    """A model for one repository's labelled `issues`; `pool`: other repositories' issues,
    weighted `options.pool_weight`, restricted to this repository's labels. `vectors`: an
    embedding per issue of `issues` then `pool`, for a second head that votes.

    The vocabulary and IDF are learnt once from all the training text (no labels involved);
    the SVM is fitted per inner fold for the held-out scores that set the temperature and
    the thresholds, then once on everything."""
    counts = Counter(i.label for i in issues if i.label)
    labels = sorted(label for label, n in counts.items() if n >= options.min_examples)
    if len(labels) < 2:
        raise TriageModelError(
            f"too few labelled issues to train: at least 2 labels with {options.min_examples} "
            f"examples each are needed (have {dict(counts)})")
    everyone = [*issues, *pool] if options.pool_weight > 0 else list(issues)
    own_at = [k for k, i in enumerate(issues) if i.label in labels]
    extra_at = [len(issues) + k for k, i in enumerate(pool) if i.label in labels] \
        if options.pool_weight > 0 else []
    chosen = [everyone[k] for k in own_at + extra_at]
    texts = [issue_text(i.title, i.body) for i in chosen]
    y = np.asarray([labels.index(i.label) for i in chosen])
    weights = np.asarray([1.0] * len(own_at) + [options.pool_weight] * len(extra_at))
    dense = np.asarray([vectors[k] for k in own_at + extra_at], dtype=float) \
        if vectors is not None else None
    vectoriser = features()
    matrix = vectoriser.fit_transform(texts)
    n_own = len(own_at)
    extra_rows = np.arange(n_own, len(texts))

    def fit(rows: np.ndarray[Any, Any]) -> tuple[LinearSVC, LogisticRegression | None]:
        rows = np.concatenate([rows, extra_rows])
        svm = LinearSVC(C=options.c)
        svm.fit(matrix[rows], y[rows], sample_weight=weights[rows])
        vote = None
        if dense is not None:
            vote = LogisticRegression(C=1.0, max_iter=2000)
            vote.fit(dense[rows], y[rows], sample_weight=weights[rows])
        if progress is not None:
            progress()
        return svm, vote

    held_out = np.zeros((n_own, len(labels)))
    held_vote = np.zeros((n_own, len(labels)))
    folds = StratifiedKFold(options.folds, shuffle=True, random_state=options.seed)
    for tr, te in folds.split(np.zeros(n_own), y[:n_own]):
        svm, vote = fit(tr)
        held_out[te] = _scores(svm, matrix[te], len(labels))
        if vote is not None and dense is not None:
            held_vote[te] = _head_probs(vote, dense[te], len(labels))
    truth = y[:n_own]
    temperature = fit_temperature(held_out, truth)
    probs = softmax(held_out, temperature)
    if dense is not None:
        probs = (probs + held_vote) / 2
    best = probs.argmax(axis=1)
    thresholds = {}
    for k, label in enumerate(labels):
        mine = best == k
        thresholds[label] = precision_threshold(probs[mine, k], (truth[mine] == k).tolist(),
                                                options.precision_target, options.min_support)
    svm, vote = fit(np.arange(n_own))
    return TriageModel(labels=labels, thresholds=thresholds,
                       pipeline=Pipeline([("features", vectoriser), ("model", svm)]),
                       temperature=temperature, trained_on=n_own, counts=dict(counts),
                       head=vote, embeddings_model=embeddings_model if vote else "")


def _head_probs(head: LogisticRegression, vectors: Vectors | np.ndarray[Any, Any],
                n_labels: int) -> np.ndarray[Any, Any]:
    """The embedding head's probabilities with one column per label (a label missing from
    a fold's training rows gets 0)."""
    out = np.zeros((len(vectors), n_labels))
    out[:, [int(c) for c in head.classes_]] = head.predict_proba(np.asarray(vectors,
                                                                            dtype=float))
    return out


def _scores(svm: LinearSVC, rows: Any, n_labels: int) -> np.ndarray[Any, Any]:
    """Decision values with one column per label (a binary SVM gives one column)."""
    scores = np.asarray(svm.decision_function(rows))
    if n_labels == 2:
        scores = np.column_stack([-scores, scores]) / 2
    return scores
