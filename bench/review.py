"""bench/review: linters-only reviews of 20 real changes of a well-known Python project.

The project is `requests` (psf/requests). GitHub is not reachable from this machine, so the
history is rebuilt from its PyPI source releases: one commit per release, 2.24.0 to 2.34.2,
holding `requests/` and `tests/`; each review is base = the previous release, head = the
next (20 changes, each a real upstream change set).

For each change it measures, in the same run:
- the wall time of the whole review (`run_review`: snapshot, four checkers, aggregator);
- each linter invoked directly, alone, on the same files with the same arguments; the
  review's ratio to the slowest of them (target <= 1.3: the tools overlap, not queue);
- whether every inline comment sits on a line GitHub accepts (checked against the hunks of
  `git diff`, parsed independently of bot/core/diffmap.py);
- peak memory (max RSS) of this process and of the largest linter subprocess.

    python -m bench.review [--changes 20]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from bot.errors import ToolError
from bot.review.local import request_from_git
from bot.review.pipeline import Reviewers, run_review
from bot.review.policy import ReviewPolicy
from bot.review.request import split_reviewable
from bot.review.snapshot import write_snapshot
from checks.linters.kinds import files_by_kind
from checks.linters.tools import TOOLS
from checks.linters.workspace import Runner, ToolResult, Workspace

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache" / "requests"
RELEASES = ["2.24.0", "2.25.0", "2.25.1", "2.26.0", "2.27.0", "2.27.1", "2.28.0", "2.28.1",
            "2.28.2", "2.29.0", "2.30.0", "2.31.0", "2.32.2", "2.32.3", "2.32.4", "2.32.5",
            "2.33.0", "2.33.1", "2.34.0", "2.34.1", "2.34.2"]


def fetch(version: str) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    found = list(CACHE.glob(f"requests-{version}.tar.gz"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", f"requests=={version}",
                        "--no-deps", "--no-binary", ":all:", "-d", str(CACHE)], check=True)
        found = list(CACHE.glob(f"requests-{version}.tar.gz"))
    return found[0]


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "b@b", "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args],
                          check=True, capture_output=True, text=True, env=env).stdout


def build_history(repo: Path) -> list[tuple[str, str]]:
    """(version, sha) per release."""
    git(repo, "init", "-q")
    commits = []
    for version in RELEASES:
        with tempfile.TemporaryDirectory() as tmp, tarfile.open(fetch(version)) as tar:
            tar.extractall(tmp, filter="data")
            top = Path(tmp) / f"requests-{version}"
            for child in repo.iterdir():
                if child.name != ".git":
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            package = top / "src" / "requests" if (top / "src" / "requests").is_dir() \
                else top / "requests"
            shutil.copytree(package, repo / "requests")
            if (top / "tests").is_dir():
                shutil.copytree(top / "tests", repo / "tests")
            for name in ("pyproject.toml", "setup.cfg"):
                if (top / name).is_file():
                    shutil.copy(top / name, repo / name)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", f"requests {version}")
        commits.append((version, git(repo, "rev-parse", "HEAD").strip()))
    return commits


def commentable(repo: Path, base: str, head: str) -> dict[str, set[int]]:
    """RIGHT-side lines inside hunks, per file, from `git diff` (independent parse)."""
    lines: dict[str, set[int]] = {}
    current = None
    line = 0
    for text in git(repo, "diff", "-M", f"{base}...{head}").splitlines():
        if text.startswith("+++ "):
            current = text[6:] if text.startswith("+++ b/") else None
            if current is not None:
                lines.setdefault(current, set())
        elif (m := re.match(r"@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@", text)):
            line = int(m.group(1))
        elif current is not None and text[:1] in (" ", "+"):
            lines[current].add(line)
            line += 1
    return lines


async def direct_tool_times(request, tmp: Path) -> dict[str, float]:  # type: ignore[no-untyped-def]
    reviewable, _ = split_reviewable(request.diff, request.config.config, request.contents)
    root, home = tmp / "repo", tmp / "home"
    root.mkdir()
    home.mkdir()
    write_snapshot(root, {**request.linter_configs, **reviewable})
    kinds = files_by_kind(reviewable)
    ws = Workspace(root=root, home=home, all_files=tuple(sorted(reviewable)),
                   python_files=kinds.get("python", ()), by_kind=kinds)
    times = {}
    for name, runner in TOOLS.items():  # one at a time: each alone on the machine
        started = time.perf_counter()
        try:
            await runner(ws)
        except ToolError as exc:  # not installed here (actionlint): said, not timed
            print(f"{name}: {exc}", file=sys.stderr)
            continue
        times[name] = time.perf_counter() - started
    return times


LARGE = ("Django", "5.0", "5.1")  # 1127 files changed, 577 of them Python


def large_release() -> None:
    """The review of one large release (target: under 90 s on 2 cores), each linter's
    start and end inside it, and what was left out."""
    from bench.precision import commit_release, sdist

    project, old, new = LARGE
    work = Path(tempfile.mkdtemp(prefix="bench-large-"))
    repo = work / project
    base = commit_release(repo, sdist(project, old), old)
    head = commit_release(repo, sdist(project, new), new)
    started = time.perf_counter()
    spans: dict[str, tuple[float, float]] = {}

    def timed(name: str, runner: Runner) -> Runner:
        async def run(ws: Workspace) -> ToolResult:
            begin = time.perf_counter() - started
            result = await runner(ws)
            spans[name] = (begin, time.perf_counter() - started)
            return result
        return run

    request = request_from_git(repo, base, head)
    prepared = time.perf_counter() - started
    plan = asyncio.run(run_review(request, ReviewPolicy(use_llm=False), Reviewers(
        runners={n: timed(n, r) for n, r in TOOLS.items()})))
    wall = time.perf_counter() - started
    python = [p for p in request.diff.files if p.endswith(".py")]
    print(f"{project} {old} -> {new}: {len(request.diff.files)} files changed, "
          f"{len(python)} Python; reviewed {plan.coverage.files_reviewed}; "
          f"wall {wall:.1f} s (git and snapshot {prepared:.1f} s); peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    for name, (begin, end) in sorted(spans.items(), key=lambda kv: kv[1][1]):
        print(f"  {name:8} {begin:6.1f} s -> {end:6.1f} s")
    print(f"  inline comments {len(plan.comments)}, findings {len(plan.findings)}; "
          f"not every tool ran: {'; '.join(e[:160] for e in plan.tool_errors) or 'no'}")
    shutil.rmtree(work, ignore_errors=True)


# A release whose sdist carries its JavaScript and its GitHub workflows beside the Python
# (coverage ships its whole tree): 8 workflows, the HTML report's JavaScript, Python.
MIXED = ("coverage", "7.5.0", "7.6.1")


def mixed_release() -> None:
    """A mixed-language release reviewed with every linter: the wall time against the
    slowest linter alone, and what each linter adds when run alone on the same files."""
    from bench.precision import commit_release, sdist

    project, old, new = MIXED
    work = Path(tempfile.mkdtemp(prefix="bench-mixed-"))
    repo = work / project
    base = commit_release(repo, sdist(project, old), old)
    head = commit_release(repo, sdist(project, new), new)
    request = request_from_git(repo, base, head)
    started = time.perf_counter()
    plan = asyncio.run(run_review(request, ReviewPolicy(use_llm=False)))
    wall = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        direct = asyncio.run(direct_tool_times(request, Path(tmp)))
    reviewable, _ = split_reviewable(request.diff, request.config.config, request.contents)
    kinds = files_by_kind(reviewable)
    slowest = max(direct, key=lambda k: direct[k])
    print(f"{project} {old} -> {new}: {len(request.diff.files)} files changed, reviewed "
          f"{plan.coverage.files_reviewed}; by kind: "
          + ", ".join(f"{k} {len(v)}" for k, v in sorted(kinds.items())))
    print(f"review wall {wall:.2f} s; slowest linter alone {slowest} {direct[slowest]:.2f} s; "
          f"ratio {wall / direct[slowest]:.2f}; sum of all linters alone "
          f"{sum(direct.values()):.2f} s")
    print("| linter | alone, s | findings |\n|---|---:|---:|")
    for name, seconds in sorted(direct.items(), key=lambda kv: -kv[1]):
        found = sum(1 for f in plan.findings if name in f.tool.split("+"))
        print(f"| {name} | {seconds:.2f} | {found} |")
    print(f"not every tool ran: {'; '.join(e[:160] for e in plan.tool_errors) or 'no'}")
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--large", action="store_true",
                        help="time the review of one large release instead")
    parser.add_argument("--mixed", action="store_true",
                        help="time a mixed-language release with every linter instead")
    args = parser.parse_args()
    if args.large:
        large_release()
        return
    if args.mixed:
        mixed_release()
        return
    work = Path(tempfile.mkdtemp(prefix="bench-review-"))
    repo = work / "requests"
    repo.mkdir()
    commits = build_history(repo)[: args.changes + 1]

    rows = []
    for (old_v, base), (new_v, head) in itertools.pairwise(commits):
        request = request_from_git(repo, base, head)
        started = time.perf_counter()
        plan = asyncio.run(run_review(request))
        wall = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as tmp:
            direct = asyncio.run(direct_tool_times(request, Path(tmp)))
        ok_lines = commentable(repo, base, head)
        placed_ok = sum(
            1 for c in plan.comments
            if c.line in ok_lines.get(c.path, set())
            and (c.start_line is None or c.start_line in ok_lines.get(c.path, set())))
        slowest = max(direct, key=lambda k: direct[k])
        rows.append({
            "change": f"{old_v} -> {new_v}", "files": plan.coverage.files_total,
            "reviewed": plan.coverage.files_reviewed, "findings": len(plan.findings),
            "inline": len(plan.comments), "inline_ok": placed_ok, "wall": wall,
            "slowest": slowest, "slowest_s": direct[slowest],
            "ratio": wall / direct[slowest] if direct[slowest] else 0.0,
            "errors": plan.tool_errors,
        })
        print(f"{rows[-1]['change']}: {wall:.2f}s, slowest {slowest} {direct[slowest]:.2f}s, "
              f"{len(plan.findings)} findings, {placed_ok}/{len(plan.comments)} inline ok",
              file=sys.stderr)

    print("| change | files (reviewed) | findings | inline (on commentable lines) | review s "
          "| slowest linter alone | ratio |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for r in rows:
        print(f"| {r['change']} | {r['files']} ({r['reviewed']}) | {r['findings']} | "
              f"{r['inline']} ({r['inline_ok']}) | {r['wall']:.2f} | {r['slowest']} "
              f"{r['slowest_s']:.2f} s | {r['ratio']:.2f} |")
    total_inline = sum(r["inline"] for r in rows)
    total_ok = sum(r["inline_ok"] for r in rows)
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\nchanges: {len(rows)}; median review wall time: "
          f"{statistics.median(r['wall'] for r in rows):.2f} s; median ratio to the slowest "
          f"linter alone: {statistics.median(r['ratio'] for r in rows):.2f} "
          f"(max {max(r['ratio'] for r in rows):.2f}; target <= 1.3)")
    print(f"inline comments on commentable lines: {total_ok} of {total_inline} "
          f"({100 * total_ok / max(1, total_inline):.0f}%; target 100%)")
    print(f"peak memory: reviewbot process {self_rss:.0f} MiB, largest linter subprocess "
          f"{child_rss:.0f} MiB")
    errors = sorted({e for r in rows for e in r["errors"]})
    if errors:
        print("tool problems: " + "; ".join(errors))
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
