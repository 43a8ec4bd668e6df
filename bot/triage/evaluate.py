"""`reviewbot triage eval`: one model per repository, trained on its labelled issues (other
repositories' at a low weight) and measured on a test file or by K-fold cross-validation:
per-class precision/recall/F1, macro-F1 per repository and averaged over repositories, and
the precision and coverage of the labels applied at the calibrated thresholds."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from bot.triage.classifier import DEFAULT_OPTIONS, TrainingOptions, TriageModelError, train
from bot.triage.dataset import by_repo
from bot.triage.text import Issue

Tick = Callable[[], None]
VectorOf = Callable[[Issue], Sequence[float]]


def planned_fits(train_issues: list[Issue], folds: int | None,
                 options: TrainingOptions) -> int:
    """How many model fits an evaluation makes (for the progress bar)."""
    per_model = options.folds + 1
    return len(by_repo(train_issues)) * per_model * (folds or 1)


def at_threshold(truth: list[str], applied: list[str | None]) -> dict[str, float | None]:
    """Of the labels applied (above their thresholds): how many were right, and the share
    of issues that got one."""
    covered = [(t, a) for t, a in zip(truth, applied, strict=True) if a is not None]
    return {"precision_at_threshold": (sum(t == a for t, a in covered) / len(covered)
                                       if covered else None),
            "coverage_at_threshold": len(covered) / len(truth) if truth else 0.0}


def _scores(truth: list[str], best: list[str], applied: list[str | None]) -> dict[str, Any]:
    labels = sorted(set(truth) | set(best))
    p, r, f, support = precision_recall_fscore_support(truth, best, labels=labels,
                                                       zero_division=0)
    return {
        "macro_f1": float(f1_score(truth, best, labels=sorted(set(truth)), average="macro",
                                   zero_division=0)),
        "per_class": {label: {"precision": float(p[k]), "recall": float(r[k]),
                              "f1": float(f[k]), "support": int(support[k])}
                      for k, label in enumerate(labels)},
        **at_threshold(truth, applied),
        "issues": len(truth),
    }


def evaluate(train_issues: list[Issue], test_issues: list[Issue] | None = None, *,
             folds: int | None = None, options: TrainingOptions = DEFAULT_OPTIONS,
             tick: Tick | None = None, vector_of: VectorOf | None = None) -> dict[str, Any]:
    """`vector_of`: an embedding per issue, for the soft vote (None: TF-IDF alone)."""
    if (test_issues is None) == (folds is None):
        raise ValueError("give either a test set or a number of folds")
    train_by, test_by = by_repo(train_issues), by_repo(test_issues or [])
    per_repo: dict[str, Any] = {}
    not_evaluated: dict[str, str] = {}
    all_truth: list[str] = []
    all_applied: list[str | None] = []
    for repo, own in train_by.items():
        pool = [i for r, items in train_by.items() if r != repo for i in items]
        splits: list[tuple[list[Issue], list[Issue]]]
        if folds is not None:
            y = [i.label for i in own]
            cv = StratifiedKFold(folds, shuffle=True, random_state=options.seed)
            splits = [([own[k] for k in tr], [own[k] for k in te])
                      for tr, te in cv.split(np.zeros(len(own)), y)]
        elif repo in test_by:
            splits = [(own, test_by[repo])]
        else:
            continue  # nothing to test this repository's model on
        truth: list[str] = []
        best: list[str] = []
        applied: list[str | None] = []
        train_seconds: list[float] = []
        classify_seconds = 0.0
        skipped = None
        for fit_on, test_on in splits:
            started = time.perf_counter()
            try:
                model = train(fit_on, options, pool=pool, progress=tick,
                              vectors=[vector_of(i) for i in [*fit_on, *pool]]
                              if vector_of else None)
            except TriageModelError as exc:
                skipped = str(exc)
                break
            train_seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
            predictions = model.predict(test_on, [vector_of(i) for i in test_on]
                                        if vector_of else None)
            classify_seconds += time.perf_counter() - started
            truth += [i.label for i in test_on]
            best += [p.best for p in predictions]
            applied += [p.label for p in predictions]
        if skipped is not None:
            not_evaluated[repo] = skipped
            continue
        per_repo[repo] = _scores(truth, best, applied) | {
            "train_seconds": float(np.mean(train_seconds)),
            "classify_ms_per_issue": 1000 * classify_seconds / max(1, len(truth)),
        }
        all_truth += truth
        all_applied += applied
    for repo in test_by.keys() - train_by.keys():
        not_evaluated[repo] = "no training issues of this repository"
    if not per_repo:
        reasons = "; ".join(f"{r}: {why}" for r, why in not_evaluated.items())
        raise ValueError(f"no repository could be evaluated{': ' + reasons if reasons else ''}"
                         " (each needs training and test issues)")
    return {
        "macro_f1": float(np.mean([r["macro_f1"] for r in per_repo.values()])),
        **at_threshold(all_truth, all_applied),
        "precision_target": options.precision_target,
        "method": "word 1-2 + char 2-5 TF-IDF, linear SVM, temperature-scaled"
                  + (", soft vote with a logistic regression on embeddings" if vector_of
                     else "")
                  + f"; other repositories' issues at weight {options.pool_weight}",
        "folds": folds,
        "per_repo": per_repo,
        "not_evaluated": not_evaluated,
    }
