"""bench/precision: is a linters-only review worth reading? Judged comment by comment.

Real changes of our own choosing: consecutive releases of fourteen Python libraries, rebuilt
from their PyPI source distributions (one commit per release; base = the older, head = the
newer). Each is reviewed linters-only (no model), as `make demo` and many users run it, and
every inline comment is looked up in `fixtures/precision/labels.yml`, where each comment the
review posted (before or after a change to the defaults) was judged by hand:

- useful: a maintainer would want to know (a likely defect, a real risk);
- nitpick: true but not worth a maintainer's minute in a review (style, taste, noise);
- wrong: not true, or true only in a way that does not matter here (a false positive).

A comment is identified by (change, path, tool:rule, the stripped text of its line), so it
keeps its label when unrelated lines move. Unlabelled comments are listed: judge them and add
them to the file before trusting the numbers.

    python -m bench.precision [--only NAME] [--dump]   (downloads the sdists once, cached)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tarfile
import tempfile
import urllib.request
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from bot.core.plan import ReviewPlan
from bot.core.repo_config import LoadedConfig, RepoConfig
from bot.review.aggregate.rules import RULES
from bot.review.gitrepo import git_runner
from bot.review.local import request_from_git
from bot.review.pipeline import run_review
from bot.review.policy import ReviewPolicy

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache" / "precision"
LABELS = ROOT / "fixtures" / "precision" / "labels.yml"
INDEX = "https://pypi.org/simple/{}/"
# (project, older release, newer release): libraries of different kinds and styles.
CHANGES = [
    ("marshmallow", "3.21.2", "3.21.3"),
    ("sqlparse", "0.5.0", "0.5.1"),
    ("more-itertools", "10.3.0", "10.4.0"),
    ("cachetools", "5.3.3", "5.4.0"),
    ("tomlkit", "0.12.5", "0.13.0"),
    ("humanize", "4.9.0", "4.10.0"),
    ("pyparsing", "3.1.2", "3.1.4"),
    ("boltons", "23.1.1", "24.0.0"),
    ("bleach", "6.1.0", "6.2.0"),
    ("python-slugify", "8.0.3", "8.0.4"),
    ("starlette", "0.37.2", "0.38.0"),
    ("waitress", "3.0.0", "3.0.1"),
    ("itsdangerous", "2.1.2", "2.2.0"),
    ("paramiko", "3.4.0", "3.4.1"),
]
LABEL_KINDS = ("useful", "nitpick", "wrong")


def sdist(project: str, version: str) -> Path:
    """The release's source distribution from PyPI (cached; the only network access)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    wanted = sdist_name(project, version)
    for cached in CACHE.glob("*.tar.gz"):
        if sdist_name(*cached.name.removesuffix(".tar.gz").rsplit("-", 1)) == wanted:
            return cached
    request = urllib.request.Request(INDEX.format(project),
                                     headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        files = json.load(answer)["files"]
    entry = next((f for f in files if f["filename"].endswith(".tar.gz") and sdist_name(
        *f["filename"].removesuffix(".tar.gz").rsplit("-", 1)) == wanted), None)
    if entry is None:
        raise SystemExit(f"{project} {version}: no source distribution on PyPI")
    target = CACHE / entry["filename"]
    with urllib.request.urlopen(entry["url"], timeout=120) as answer:
        target.write_bytes(answer.read())
    return target


def sdist_name(project: str, version: str) -> str:
    """An sdist's name as PyPI normalises it (Jinja2-3.1.3 and jinja2-3.1.4 are one project)."""
    return f"{re.sub(r'[-_.]+', '-', project).lower()}-{version}"


def commit_release(repo: Path, archive: Path, message: str) -> str:
    """Replace the repository's files with the release's and commit (PKG-INFO and egg-info
    are kept: they are part of what a release diff shows)."""
    run = git_runner(repo, "bench", "bench@example.com")
    if not (repo / ".git").exists():
        repo.mkdir(parents=True)
        run("init", "-q")
    for child in repo.iterdir():
        if child.name != ".git":
            run("rm", "-rq", "--ignore-unmatch", "--", child.name)
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
        (top,) = Path(tmp).iterdir()
        for path in sorted(top.rglob("*")):
            if path.is_file() and not path.is_symlink():
                target = repo / path.relative_to(top)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
    run("add", "-A")
    run("commit", "-q", "--allow-empty", "-m", message)
    return run("rev-parse", "HEAD")


@dataclass(frozen=True)
class Comment:
    change: str
    path: str
    rule: str  # "tool:rule"
    text: str  # the stripped line
    checker: str
    severity: str
    message: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.change, self.path, self.rule, self.text)


def inline_comments(change: str, plan: ReviewPlan, repo: Path, head: str) -> list[Comment]:
    run = git_runner(repo)
    by_fp = {f.fingerprint: f for f in plan.findings}
    out = []
    for c in plan.comments:
        f = by_fp[c.fingerprint]
        lines = run("show", f"{head}:{f.path}").splitlines()
        text = lines[f.line - 1].strip() if 0 < f.line <= len(lines) else ""
        out.append(Comment(change, f.path, f"{f.tool}:{f.rule}", text, f.checker,
                           f.severity.value, f.message))
    return out


# Everything the linters report, inline: the review without the precision-first defaults
# (every rule on, advice inline), for comparison in the same run.
EVERYTHING = RepoConfig(inline="all", enable_rules=[f"{tool}:{rule}" for (tool, rule), (tier, _)
                                                    in RULES.items() if tier == "off"])


def added_python_lines(request: Any) -> int:
    """The change's size as reviewers see it: lines added to Python files."""
    return sum(len(fd.added_lines) for path, fd in request.diff.files.items()
               if path.endswith((".py", ".pyi")))


async def review_change(project: str, old: str, new: str, workdir: Path
                        ) -> tuple[list[Comment], list[Comment], int]:
    """The inline comments with the defaults, and with everything on; the lines added."""
    repo = workdir / project
    base = commit_release(repo, sdist(project, old), old)
    head = commit_release(repo, sdist(project, new), new)
    request = request_from_git(repo, base, head)
    change = f"{project} {old}..{new}"
    plan = await run_review(request, ReviewPolicy(use_llm=False))
    everything = await run_review(replace(request, config=LoadedConfig(EVERYTHING)),
                                  ReviewPolicy(use_llm=False))
    return (inline_comments(change, plan, repo, head),
            inline_comments(change, everything, repo, head), added_python_lines(request))


def load_labels() -> dict[tuple[str, str, str, str], str]:
    data = yaml.safe_load(LABELS.read_text()) if LABELS.exists() else None
    labels = {}
    for item in (data or {}).get("comments", []):
        if item["label"] not in LABEL_KINDS:
            raise ValueError(f"unknown label {item['label']!r}")
        labels[(item["change"], item["path"], item["rule"], item["text"])] = item["label"]
    return labels


def report(comments: list[Comment], labels: dict[tuple[str, str, str, str], str]
           ) -> dict[str, Any]:
    judged = Counter(labels.get(c.key, "unlabelled") for c in comments)
    by_tool: dict[str, Counter[str]] = {}
    for c in comments:
        by_tool.setdefault(f"{c.checker} / {c.rule.split(':')[0]}", Counter())[
            labels.get(c.key, "unlabelled")] += 1
    all_useful = sum(1 for v in labels.values() if v == "useful")
    posted_useful = judged["useful"]
    bad_labelled = sum(1 for v in labels.values() if v != "useful")
    return {"inline": len(comments), **{k: judged[k] for k in (*LABEL_KINDS, "unlabelled")},
            "useful_kept": f"{posted_useful}/{all_useful}",
            "bad_still_posted": f"{judged['nitpick'] + judged['wrong']}/{bad_labelled}",
            "by_checker_tool": {k: dict(v) for k, v in sorted(by_tool.items())}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="one project")
    parser.add_argument("--dump", action="store_true",
                        help="print every inline comment as a label entry to judge")
    parser.add_argument("--pair", nargs=3, action="append", metavar=("PROJECT", "OLD", "NEW"),
                        help="review these release pairs instead (e.g. held-out ones, to "
                             "read the comments by hand); repeatable")
    args = parser.parse_args()
    if args.pair:
        read_by_hand([tuple(p) for p in args.pair])
        return
    labels = load_labels()
    comments: list[Comment] = []
    everything: list[Comment] = []
    lines = 0
    with tempfile.TemporaryDirectory() as tmp:
        for project, old, new in CHANGES:
            if args.only and project != args.only:
                continue
            defaults, every, added = asyncio.run(review_change(project, old, new, Path(tmp)))
            lines += added
            comments += defaults
            everything += every
    if args.dump:
        entries = [{"change": c.change, "path": c.path, "rule": c.rule, "text": c.text,
                    "label": labels.get(c.key, "?"), "message": c.message[:160]}
                   for c in dict.fromkeys([*comments, *everything])]
        print(yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=200))
        return
    print(json.dumps({"added_python_lines": lines,
                      "defaults": {**report(comments, labels),
                                   "inline_per_1000_lines": per_thousand(comments, lines)},
                      "everything inline": {**report(everything, labels),
                                            "inline_per_1000_lines": per_thousand(everything,
                                                                                  lines)}},
                     indent=2))


def read_by_hand(pairs: list[tuple[str, ...]]) -> None:
    """Every inline comment the defaults post on these pairs, with its line, to judge."""
    with tempfile.TemporaryDirectory() as tmp:
        for project, old, new in pairs:
            defaults, _every, added = asyncio.run(review_change(project, old, new, Path(tmp)))
            print(f"## {project} {old}..{new}: {added} Python lines added, "
                  f"{len(defaults)} inline comment(s)")
            for c in defaults:
                print(f"- {c.path}: {c.rule} [{c.severity}] `{c.text[:100]}`\n  {c.message[:200]}")


def per_thousand(comments: list[Comment], lines: int) -> float:
    return round(1000 * len(comments) / lines, 2) if lines else 0.0


if __name__ == "__main__":
    main()
