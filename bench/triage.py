"""bench/triage: the offline issue classifier and the duplicate search, measured.

Classification: `../shared/data/issues/nlbse24/issues_train.csv` (NLBSE'24 training split,
5 repositories x 300 issues), 5-fold cross-validation per repository, one model per
repository: mean macro-F1, training time per repository, classification time per issue,
precision and coverage at the calibrated thresholds; the same without other repositories'
issues in training, side by side. Duplicates: `../shared/data/issues/duplicates_hadoop/`
(2,503 Hadoop bug reports, 126 duplicate pairs): recall@1/5/10 of the duplicate search over
all the other reports.

Growth: a triage's duplicate search with 1,000, 5,000 and 20,000 known issues, before
(all read and refitted per triage) and now (an index kept in memory), side by side.

    python -m bench.triage [--skip-classifier] [--skip-duplicates] [--skip-growth]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.core.known import Candidate
from bot.triage.classifier import DEFAULT_OPTIONS
from bot.triage.dataset import read_issues
from bot.triage.duplicates import DuplicateIndex
from bot.triage.evaluate import evaluate

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "issues"


def classification(data: Path) -> None:
    issues = read_issues(data / "nlbse24" / "issues_train.csv")
    runs: dict[str, dict[str, Any]] = {}
    for name, weight in (("pooled (default)", DEFAULT_OPTIONS.pool_weight),
                         ("own issues only", 0.0)):
        runs[name] = evaluate(issues, folds=5, options=replace(DEFAULT_OPTIONS,
                                                                pool_weight=weight))
    print("| repository | macro-F1 pooled | macro-F1 own only | precision at threshold "
          "| coverage | training s | ms per issue |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    pooled, own = runs["pooled (default)"], runs["own issues only"]
    for repo, r in pooled["per_repo"].items():
        print(f"| {repo} | {r['macro_f1']:.3f} | {own['per_repo'][repo]['macro_f1']:.3f} | "
              f"{r['precision_at_threshold']:.3f} | {r['coverage_at_threshold']:.1%} | "
              f"{r['train_seconds']:.1f} | {r['classify_ms_per_issue']:.2f} |")
    print(f"| **mean** | **{pooled['macro_f1']:.3f}** | {own['macro_f1']:.3f} | "
          f"{pooled['precision_at_threshold']:.3f} | {pooled['coverage_at_threshold']:.1%} "
          "| | |")
    print(f"\nprecision target of the thresholds on held-out folds: "
          f"{DEFAULT_OPTIONS.precision_target}; own-only at the thresholds: precision "
          f"{own['precision_at_threshold']:.3f}, coverage {own['coverage_at_threshold']:.1%}")


def duplicates(data: Path) -> None:
    csv.field_size_limit(sys.maxsize)
    folder = data / "duplicates_hadoop"
    with (folder / "hadoop_bugs.csv").open(newline="", encoding="utf-8") as handle:
        reports = {str(r["Issue id"]).strip(): r for r in csv.DictReader(handle)}
    ids = sorted(reports)
    number = {i: k for k, i in enumerate(ids, start=1)}
    candidates = [Candidate(number[i], reports[i]["Summary"] or "",
                            reports[i]["Description"] or "") for i in ids]
    started = time.perf_counter()
    index = DuplicateIndex(candidates)
    built = time.perf_counter() - started
    for split in ("combined", "test"):
        with (folder / f"hadoop_bugs-{split}.csv").open(newline="", encoding="utf-8") as h:
            pairs = [(str(r["Issue id"]).strip(),
                      {d.strip() for d in str(r["Duplicate id"]).split(",")})
                     for r in csv.DictReader(h)]
        pairs = [(a, dups & reports.keys()) for a, dups in pairs if a in reports]
        pairs = [(a, dups) for a, dups in pairs if dups]
        hits = {1: 0, 5: 0, 10: 0}
        started = time.perf_counter()
        for query, dups in pairs:
            r = reports[query]
            found = index.query(r["Summary"] or "", r["Description"] or "",
                                exclude=number[query], top=10)
            ranked = [ids[s.candidate.number - 1] for s in found]
            for k in hits:
                hits[k] += bool(set(ranked[:k]) & dups)
        per_query = (time.perf_counter() - started) / max(1, len(pairs))
        print(f"duplicates ({split}, {len(pairs)} queries over {len(ids)} reports): "
              + ", ".join(f"recall@{k} {v / len(pairs):.3f}" for k, v in hits.items())
              + f"; {per_query * 1000:.0f} ms per query, index built in {built:.1f} s")


def growth(data: Path, sizes: tuple[int, ...] = (1_000, 5_000, 20_000),
           new_issues: int = 20) -> None:
    """A triage's duplicate search as the known issues grow, on a real SQLite store: each
    new issue is stored, then searched for. Before: every triage read all known issues
    and fitted TF-IDF over them. Now: the index kept in memory reads only what changed
    since the last triage. The real issues (NLBSE'24 and Hadoop) are repeated to reach the
    sizes, each copy with words of its own so the vocabulary grows too."""
    import tempfile

    import sqlalchemy as sa

    from bot.store import triage as store
    from bot.store.engine import create_engine
    from bot.store.migrate import upgrade
    from bot.store.tables import issue_index
    from bot.triage.duplicates import KnownIssues

    real = [(i.title, i.body) for i in read_issues(data / "nlbse24" / "issues_train.csv")]
    csv.field_size_limit(sys.maxsize)
    with (data / "duplicates_hadoop" / "hadoop_bugs.csv").open(newline="",
                                                              encoding="utf-8") as h:
        real += [(r["Summary"] or "", r["Description"] or "") for r in csv.DictReader(h)]
    print("| known issues | before: ms per triage | now: ms per triage | now / before | "
          "now, first triage after a restart (s) |")
    print("|---:|---:|---:|---:|---:|")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            engine = create_engine(f"sqlite:///{tmp}/bench.db", sqlite_synchronous="NORMAL")
            upgrade(engine)
            now = time.time()
            rows = [{"repository": "o/r", "number": k, "title": real[k % len(real)][0][:1000],
                     "body": f"{real[k % len(real)][1][:5000]} copy{k // len(real)}x{k % 97}",
                     "state": "open", "updated_at": now - size + k}
                    for k in range(1, size + 1)]
            with engine.begin() as conn:
                conn.execute(sa.insert(issue_index), rows)
            known = KnownIssues()
            started = time.perf_counter()
            known.refresh(store.indexed_since(engine, "o/r", None))
            cold = time.perf_counter() - started
            before = after = 0.0
            for k in range(new_issues):
                number = size + 1 + k
                title, body = real[(7 * k) % len(real)]
                store.index_issue(engine, "o/r", Candidate(number, title, body))
                started = time.perf_counter()
                everything = [c for c, _ in store.indexed_issues(engine, "o/r", limit=size * 2)
                              if c.number != number]
                DuplicateIndex(everything).query(title, body, exclude=number)
                before += time.perf_counter() - started
                started = time.perf_counter()
                known.refresh(store.indexed_since(engine, "o/r", known.since()))
                known.index.query(title, body, exclude=number)
                after += time.perf_counter() - started
            engine.dispose()
        b, a = before / new_issues * 1000, after / new_issues * 1000
        print(f"| {size:,} | {b:.0f} | {a:.1f} | {a / b:.3f} | {cold:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-classifier", action="store_true")
    parser.add_argument("--skip-duplicates", action="store_true")
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument("--data", type=Path, default=SHARED,
                        help="the folder holding nlbse24/ and duplicates_hadoop/")
    args = parser.parse_args()
    if not args.skip_duplicates:
        duplicates(args.data)
    if not args.skip_growth:
        growth(args.data)
    if not args.skip_classifier:
        classification(args.data)


if __name__ == "__main__":
    main()
