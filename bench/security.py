"""bench/security: do security findings follow the data? Our own handler fixtures
(tests/security/, written from the frameworks' documentation), one case per function: a
function with a `# ruleid:` line is vulnerable, one with only `# ok:` lines is not.

A tool "flags" a case when it reports a security finding inside the function. Score =
true-positive rate - false-positive rate (the OWASP Benchmark's measure), for bandit alone
(all severities, as `bandit -r`) and for reviewbot's linters-only review (its security
findings after the selection: taint rules, superseded pattern rules dropped), in one run.

    python -m bench.security
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from bot.review.gitrepo import commit_tree
from bot.review.local import request_from_git
from bot.review.pipeline import run_review
from bot.review.policy import ReviewPolicy
from checks.linters.runner import find_executable

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "security"
Case = tuple[str, str, int, int, bool]  # file, function, first line, last line, vulnerable


def cases() -> list[Case]:
    out = []
    for path in sorted(FIXTURES.glob("*.py")):
        text = path.read_text()
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                body = lines[node.lineno - 1: node.end_lineno]
                marks = [m.group(1) for line in body
                         if (m := re.search(r"# (ruleid|ok):", line))]
                if marks:
                    out.append((path.name, node.name, node.lineno, node.end_lineno or 0,
                                "ruleid" in marks))
    return out


def score(flagged: set[tuple[str, int]], all_cases: list[Case]) -> dict[str, float]:
    def hit(c: Case) -> bool:
        return any(f == c[0] and c[2] <= line <= c[3] for f, line in flagged)
    positives = [c for c in all_cases if c[4]]
    negatives = [c for c in all_cases if not c[4]]
    tpr = sum(hit(c) for c in positives) / len(positives)
    fpr = sum(hit(c) for c in negatives) / len(negatives)
    return {"tpr": round(tpr, 2), "fpr": round(fpr, 2), "score": round(tpr - fpr, 2)}


def bandit_alone(folder: Path) -> set[tuple[str, int]]:
    out = subprocess.run([find_executable("bandit"), "-f", "json", "-q", "-r", "."],
                         cwd=folder, capture_output=True, text=True, check=False)
    return {(Path(r["filename"]).name, r["line_number"])
            for r in json.loads(out.stdout)["results"]}


def reviewbot(folder: Path) -> set[tuple[str, int]]:
    repo = folder / "repo"
    base = commit_tree(repo, {"README.md": "handlers\n"}, "base")
    files = {p.name: p.read_text() for p in folder.glob("*.py")}
    head = commit_tree(repo, {f"app/{name}": text for name, text in files.items()}, "head")
    plan = asyncio.run(run_review(request_from_git(repo, base, head), ReviewPolicy(use_llm=False)))
    return {(Path(f.path).name, f.line) for f in plan.findings if f.checker == "security"}


def main() -> None:
    all_cases = cases()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for path in FIXTURES.glob("*.py"):
            shutil.copy(path, folder / path.name)
        results = {"bandit alone": score(bandit_alone(folder), all_cases),
                   "reviewbot (linters only)": score(reviewbot(folder), all_cases)}
    print(f"{sum(c[4] for c in all_cases)} vulnerable and "
          f"{sum(not c[4] for c in all_cases)} safe handler functions")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
