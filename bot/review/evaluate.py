"""`reviewbot eval`: the golden set of planted defects (fixtures/eval/cases.yml) reviewed
with the configured model endpoint: recall (the planted defect found on its line), false
comments per clean change, tokens, cost and latency per model."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError
from bot.llm.client import LLMClient
from bot.review.gitrepo import commit_tree
from bot.review.local import request_from_git
from bot.review.pipeline import Reviewers, run_review
from checks.linters.workspace import Runner

CASES = Path(__file__).resolve().parent.parent.parent / "fixtures" / "eval" / "cases.yml"


@dataclass(frozen=True)
class Case:
    name: str
    base: Mapping[str, str]
    head: Mapping[str, str]
    defect: tuple[str, int] | None  # (path, line); None for a clean change


@dataclass
class CaseResult:
    case: Case
    found: bool
    comments: int
    seconds: float
    calls: list[Any] = field(default_factory=list)


def load_cases(path: Path = CASES) -> list[Case]:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the golden set {path}: {exc}") from exc
    cases = []
    for kind in ("defects", "clean"):
        for item in data.get(kind, []):
            defect = item.get("defect")
            cases.append(Case(item["name"], item.get("base") or {}, item["head"],
                              (defect["path"], int(defect["line"])) if defect else None))
    return cases


async def evaluate(cases: Sequence[Case], llm: LLMClient,
                   runners: Mapping[str, Runner] | None = None) -> list[CaseResult]:
    results = []
    for case in cases:
        with tempfile.TemporaryDirectory(prefix="reviewbot-eval-") as tmp:
            repo = Path(tmp)
            base = commit_tree(repo, {"README": "eval\n", **case.base}, "base")
            head = commit_tree(repo, case.head, "head")
            started = time.perf_counter()
            plan = await run_review(request_from_git(repo, base, head),
                                    reviewers=Reviewers(llm=llm, runners=runners))
            seconds = time.perf_counter() - started
        found = case.defect is not None and any(
            c.path == case.defect[0] and (c.start_line or c.line) <= case.defect[1] <= c.line
            for c in plan.comments)
        results.append(CaseResult(case, found, len(plan.comments), seconds, list(plan.calls)))
    return results


def report(results: Sequence[CaseResult]) -> dict[str, Any]:
    defects = [r for r in results if r.case.defect is not None]
    clean = [r for r in results if r.case.defect is None]
    models: dict[str, dict[str, float]] = {}
    for r in results:
        for call in r.calls:
            m = models.setdefault(call.model, {"calls": 0, "prompt_tokens": 0,
                                               "completion_tokens": 0, "cost_usd": 0.0,
                                               "latency_seconds": 0.0})
            m["calls"] += 1
            m["prompt_tokens"] += call.prompt_tokens
            m["completion_tokens"] += call.completion_tokens
            m["cost_usd"] += call.cost_usd
            m["latency_seconds"] += call.latency_seconds
    return {
        "cases": len(results),
        "recall": round(sum(r.found for r in defects) / len(defects), 3) if defects else None,
        "found": [r.case.name for r in defects if r.found],
        "missed": [r.case.name for r in defects if not r.found],
        "false_comments_per_clean_change": round(
            sum(r.comments for r in clean) / len(clean), 3) if clean else None,
        "median_review_seconds": round(statistics.median(r.seconds for r in results), 3)
        if results else None,
        "models": {name: {k: round(v, 6) for k, v in m.items()}
                   for name, m in sorted(models.items())},
    }
