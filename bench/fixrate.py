"""bench/fixrate: how often do maintainers fix what each rule reports? Measured, not read.

Release histories of pure-Python PyPI projects (none of bench/precision's, none of the
held-out release pairs), rebuilt from their sdists (one commit per release). Every release
is linted whole with reviewbot's linters, every rule on; each finding is then followed
forward, keyed by (file, tool:rule, the stripped text of its line):

- *fixed*: the next release no longer has it while the enclosing function (or, at module
  level, the file) is still there;
- *left*: it is still there, unchanged, in every following release;
- anything else (the function or file is gone) says nothing and is not counted.

The fix rate of a rule is fixed / (fixed + left), with its sample size, per rule and per
rule and test/non-test file. Slow: each release is linted in full (pylint dominates); the
sdists are cached (bench/.cache/precision), the lint results too (bench/.cache/fixrate).

    python -m bench.fixrate [--only NAME ...] [--releases 5] [--json]
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from bench.precision import CHANGES as TUNED_ON
from bench.precision import EVERYTHING, INDEX, commit_release, sdist
from bot.core.repo_config import LoadedConfig, is_test_data, is_test_path
from bot.review.gitrepo import git_runner
from bot.review.local import request_from_git
from bot.review.pipeline import run_review
from bot.review.policy import ReviewPolicy

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache" / "fixrate"
# Held out for judging by hand (issue 19): never measured here, so never tuned on.
HELD_OUT = {"attrs", "jinja2", "urllib3", "anyio", "structlog", "packaging", "pluggy",
            "tenacity", "arrow", "alembic", "typer", "isort", "black", "tornado", "idna",
            "click"}
# Smaller projects first: the run is cached per project and can be stopped at any point.
PROJECTS = [
    "six", "toolz", "wrapt", "decorator", "docopt", "tabulate", "termcolor", "colorama",
    "pyflakes", "mccabe", "pycodestyle", "astor", "asttokens", "executing", "pure-eval",
    "smmap", "gitdb", "pathspec", "filelock", "h11", "sniffio", "outcome", "hpack",
    "hyperframe", "priority", "wsproto", "webencodings", "cssselect", "iniconfig", "tomli",
    "xmltodict", "backoff", "blinker", "cerberus", "voluptuous", "schema", "jsonpointer",
    "jsonpatch", "prettytable", "wcwidth", "isodate", "rfc3986", "zipp", "pyproject-hooks",
    "typeguard", "cattrs", "configobj", "inflect", "platformdirs", "soupsieve", "tzlocal",
    "stack-data", "requests-toolbelt", "cachecontrol", "rsa", "pyasn1", "mistune",
    "simplejson", "distlib", "chardet", "html5lib", "markdown", "parso", "python-dateutil",
    "jedi", "trio", "babel", "pygments",
]
ALL_RULES = EVERYTHING  # every rule on, advice too
MIN_RELEASES = 4


def releases(project: str, count: int) -> list[str]:
    """The project's last `count` final releases that have an sdist, oldest first."""
    request = urllib.request.Request(INDEX.format(project),
                                     headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        data = json.load(answer)
    found: set[Version] = set()
    for f in data["files"]:
        name = f["filename"]
        if not name.endswith(".tar.gz") or f.get("yanked"):
            continue
        version = name[: -len(".tar.gz")].rsplit("-", 1)[-1]
        try:
            parsed = Version(version)
        except InvalidVersion:
            continue
        if not parsed.is_prerelease and not parsed.is_devrelease:
            found.add(parsed)
    return [str(v) for v in sorted(found)[-count:]]


@dataclass(frozen=True)
class Seen:
    path: str
    rule: str  # tool:rule
    text: str  # the stripped line
    scope: str  # the enclosing function's qualified name ("" at module level)


def scopes(source: str) -> dict[int, str]:
    """Each line's enclosing function (qualified), for the lines inside functions."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    out: dict[int, str] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    for n in range(child.lineno, (child.end_lineno or child.lineno) + 1):
                        out[n] = name
                visit(child, name + ".")
    visit(tree, "")
    return out


async def lint_release(repo: Path, empty: str, head: str) -> tuple[list[Seen], set[str]]:
    """Every finding of every rule in the release (the whole tree reviewed as added), and
    the tools that failed on it (their findings there are unknown, not gone)."""
    request = request_from_git(repo, empty, head)
    config = ALL_RULES.model_copy(update={"max_files": 3000})
    plan = await run_review(dataclasses.replace(request, config=LoadedConfig(config)),
                            ReviewPolicy(use_llm=False, tool_seconds=900))
    run = git_runner(repo)
    texts: dict[str, list[str]] = {}
    out = []
    for f in plan.findings:
        if f.path not in texts:
            texts[f.path] = run("show", f"{head}:{f.path}").splitlines()
        lines = texts[f.path]
        text = lines[f.line - 1].strip() if 0 < f.line <= len(lines) else ""
        scope = scopes("\n".join(lines)).get(f.line, "")
        out.append(Seen(f.path, f"{f.tool}:{f.rule}", text, scope))
    failed = {error.split(":", 1)[0] for error in plan.tool_errors}
    if failed:
        print(f"  {', '.join(sorted(failed))} failed on a release: its findings there "
              "are not followed", file=sys.stderr)
    return out, failed


def outcomes(history: list[list[Seen]], functions: list[dict[str, set[str]]],
             failed: list[set[str]] | None = None) -> Counter[tuple[str, bool, str]]:
    """(rule, in a test file, "fixed" | "left") over consecutive releases. A finding of a
    tool that failed on one of the releases it is followed through is not counted (it
    would look fixed)."""
    counts: Counter[tuple[str, bool, str]] = Counter()
    broken = failed or [set() for _ in history]
    for k in range(len(history) - 1):
        later = [set(history[j]) for j in range(k + 1, len(history))]
        for seen in set(history[k]):
            tool = seen.rule.split(":", 1)[0]
            if tool in broken[k] or tool in broken[k + 1]:
                continue
            test = is_test_path(seen.path)
            if all(seen in release for release in later):
                counts[(seen.rule, test, "left")] += 1
            elif seen not in later[0]:
                alive = functions[k + 1].get(seen.path)
                if alive is not None and (not seen.scope or seen.scope in alive):
                    counts[(seen.rule, test, "fixed")] += 1
    return counts


BASELINE = "baseline:any-line"


def functions_of(repo: Path, head: str) -> tuple[dict[str, set[str]], list[Seen]]:
    """The functions alive in each file, and every code line as a pseudo-finding.

    The lines are the baseline a rule must beat: a line changes between releases for many
    reasons, so a rule's findings "fixed" no more often than any line changes say nothing.
    """
    run = git_runner(repo)
    out: dict[str, set[str]] = {}
    lines: list[Seen] = []
    for path in run("ls-tree", "-r", "--name-only", head).splitlines():
        if not path.endswith(".py"):
            continue
        source = run("show", f"{head}:{path}")
        where = scopes(source)
        out[path] = set(where.values())
        for number, line in enumerate(source.splitlines(), 1):
            text = line.strip()
            if text and not text.startswith("#") and not is_test_data(path):
                lines.append(Seen(path, BASELINE, text, where.get(number, "")))
    return out, lines


@dataclass
class Measured:
    releases: list[str]
    seconds: float  # linting and following, all releases
    counts: Counter[tuple[str, bool, str]]


def measure(project: str, count: int, work: Path) -> Measured:
    cached = CACHE / f"{project}-{count}.json"
    if cached.exists():
        raw = json.loads(cached.read_text())
        return Measured(raw["releases"], raw["seconds"],
                        Counter({(r, bool(t), o): n for r, t, o, n in raw["counts"]}))
    started = time.monotonic()
    repo = work / project
    run = git_runner(repo, "bench", "bench@example.com")
    repo.mkdir(parents=True)
    run("init", "-q")
    run("commit", "-q", "--allow-empty", "-m", "empty")
    empty = run("rev-parse", "HEAD")
    history, functions, failed = [], [], []
    versions = releases(project, count)
    for version in versions:
        head = commit_release(repo, sdist(project, version), version)
        alive, lines = functions_of(repo, head)
        found, broken = asyncio.run(lint_release(repo, empty, head))
        history.append(found + lines)
        functions.append(alive)
        failed.append(broken)
    counts = outcomes(history, functions, failed)
    measured = Measured(versions, round(time.monotonic() - started, 1), counts)
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps({
        "releases": versions, "seconds": measured.seconds,
        "counts": [[r, t, o, n] for (r, t, o), n in sorted(counts.items())]}))
    return measured


def table(counts: Counter[tuple[str, bool, str]]) -> list[dict[str, Any]]:
    rules = sorted({r for r, _, _ in counts})
    rows = []
    for rule in rules:
        fixed = sum(n for (r, _, o), n in counts.items() if r == rule and o == "fixed")
        left = sum(n for (r, _, o), n in counts.items() if r == rule and o == "left")
        by = {kind: (counts[(rule, test, "fixed")],
                     counts[(rule, test, "fixed")] + counts[(rule, test, "left")])
              for kind, test in (("code", False), ("tests", True))}
        rows.append({"rule": rule, "fixed": fixed, "samples": fixed + left,
                     "fix_rate": round(fixed / (fixed + left), 3) if fixed + left else None,
                     "code": by["code"], "tests": by["tests"]})
    return sorted(rows, key=lambda r: (-(r["fix_rate"] or 0), -r["samples"]))


MEASURED = ROOT / "bot" / "review" / "aggregate" / "measured.py"


def write_measured(projects: list[str], release_count: int, rows: list[dict[str, Any]]) -> None:
    """The counts the review reads (bot/review/aggregate/evidence.py), as a Python module."""
    lines = ['"""Generated by `python -m bench.fixrate --write`: do not edit by hand.', "",
             "Per `tool:rule`, ((fixed, followed) in code, (fixed, followed) in tests), "
             "measured on the", "release histories of the projects below (docs/RULES.md, "
             "docs/BENCHMARKS.md).", '"""', "",
             "PROJECTS: tuple[str, ...] = (",
             *[f"    {name!r}," for name in projects], ")",
             f"RELEASES = {release_count}",
             "FIX_RATES: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {"]
    for r in sorted(rows, key=lambda r: r["rule"]):
        (cf, cn), (tf, tn) = r["code"], r["tests"]
        lines.append(f"    {r['rule']!r}: (({cf}, {cn}), ({tf}, {tn})),")
    lines.append("}")
    MEASURED.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", help="these projects")
    parser.add_argument("--releases", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cached", action="store_true",
                        help="only the projects already measured (bench/.cache/fixrate)")
    parser.add_argument("--write", action="store_true",
                        help="write bot/review/aggregate/measured.py and docs/RULES.md")
    args = parser.parse_args()
    tuned = {p for p, _, _ in TUNED_ON}
    chosen = [p for p in (args.only or PROJECTS) if p not in tuned | HELD_OUT
              and (not args.cached or (CACHE / f"{p}-{args.releases}.json").exists())]
    total: Counter[tuple[str, bool, str]] = Counter()
    used: list[str] = []
    release_count = seconds = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for project in chosen:
            try:
                measured = measure(project, args.releases, Path(tmp))
            except (OSError, ValueError, RuntimeError, KeyError) as error:
                # One project without sdists or with a broken archive does not end the run.
                print(f"{project}: skipped ({type(error).__name__}: {error})", file=sys.stderr)
                continue
            if len(measured.releases) < MIN_RELEASES:
                print(f"{project}: skipped (only {len(measured.releases)} releases)",
                      file=sys.stderr)
                continue
            print(f"{project}: {len(measured.releases)} releases, {measured.seconds:.0f} s",
                  file=sys.stderr, flush=True)
            used.append(project)
            total += measured.counts
            release_count += len(measured.releases)
            seconds += measured.seconds
    rows = table(total)
    per_release = seconds / release_count if release_count else 0.0
    if args.write:
        write_measured(used, int(release_count), rows)
        rules_doc = subprocess.run([sys.executable, "-m", "bot.review.aggregate.rules"],
                                   check=True, capture_output=True, text=True, cwd=ROOT).stdout
        (ROOT / "docs" / "RULES.md").write_text(rules_doc)
    if args.json:
        print(json.dumps({"projects": used, "releases": int(release_count),
                          "seconds_per_release": round(per_release, 1), "rules": rows},
                         indent=2))
        return
    print(f"{len(used)} projects, {int(release_count)} releases, "
          f"{per_release:.1f} s per release")
    print("| rule | fix rate | samples | code (fixed/n) | tests (fixed/n) |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        rate = "-" if r["fix_rate"] is None else f"{r['fix_rate']:.2f}"
        print(f"| {r['rule']} | {rate} | {r['samples']} | {r['code'][0]}/{r['code'][1]} "
              f"| {r['tests'][0]}/{r['tests'][1]} |")


if __name__ == "__main__":
    main()
