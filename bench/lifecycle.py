"""bench/lifecycle: a PR lived with. A 10-file PR is opened, then pushed to five times, each
push changing one file, with the real linters, FakeGitHub and a fake OpenAI-compatible model
answering after a latency L. Per push: inline comments posted and how many repeat one posted
before (target: none), model tokens relative to the first full review (target <= 20 %),
GitHub write requests (GitHub's secondary limit: 80 content-creating requests a minute),
reviewbot threads resolved (the third push fixes its file's defect); then the time from a
`/help` comment to its answer.

    python -m bench.lifecycle [--latency 0.5] [--files 10] [--pushes 5]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import openai
import sqlalchemy as sa

from bench.agent import module
from bot.core.markers import posted_fingerprint
from bot.llm.client import LLMClient
from bot.store.engine import create_engine
from bot.store.migrate import upgrade
from bot.store.tables import llm_calls
from tests.fakellm import FakeLLM
from tests.github_world import (
    INSTALLATION,
    REPO,
    commit_files,
    load_repo_into,
    make_world,
    pr_event,
)
from tests.helpers.processes import served
from tests.test_commands import comment_event
from tests.test_serve_e2e import free_port

NUMBER = 7


def defective(i: int, extra: str = "") -> str:
    """A module with one likely defect (a mutable default that is mutated: B006)."""
    return module(i, extra).replace(f"def total_{i}(items):",
                                    f"def total_{i}(items, seen=[]):\n    seen.append(items)")


def writes(requests: list[tuple[str, str, int]]) -> int:
    return sum(1 for method, path, _ in requests
               if method != "GET" and not path.startswith("/app/"))


async def live(workdir: Path, url: str, files: int, pushes: int) -> dict[str, object]:
    engine = create_engine(f"sqlite:///{workdir / 'bench.db'}")
    upgrade(engine)
    repo = workdir / "repo"
    base = commit_files(repo, {"README": "bench\n"}, "base")
    heads = [commit_files(repo, {f"pkg/orders_{i}.py": defective(i) for i in range(files)},
                          "open")]
    for p in range(pushes):
        changed = p % files
        # The third push also fixes its file's defect: its reviewbot thread gets resolved.
        write = module if p == 2 else defective
        heads.append(commit_files(
            repo, {f"pkg/orders_{changed}.py": write(changed, "    total += 0\n" * (p + 1))},
            f"push {p + 1}"))
    world = make_world(engine)  # the real linters
    sdk = openai.AsyncOpenAI(api_key="bench", base_url=url, max_retries=0, timeout=60)
    llm = LLMClient(sdk=sdk, model="strong-model", fast_model="fast-model")
    world.worker.context = dataclasses.replace(world.worker.context, llm=llm)
    rows: list[dict[str, object]] = []
    seen_bodies: set[tuple[str, int, str]] = set()
    seen_fps: set[str] = set()
    for n, head in enumerate(heads):
        load_repo_into(world.fake, repo, base, head, number=NUMBER)
        before = len(world.fake.requests)
        known = len(world.fake.review_comments.get((REPO, NUMBER), []))
        resolved = len(world.fake.resolved_threads)
        action = "opened" if n == 0 else "synchronize"
        started = time.perf_counter()
        await world.deliver(pr_event(NUMBER, head, action), f"{head}-{action}")
        await world.run_jobs()
        wall = time.perf_counter() - started
        new = world.fake.review_comments.get((REPO, NUMBER), [])[known:]
        repeats = 0
        for c in new:
            fp = posted_fingerprint(c["body"])
            fps = {fp} if fp else set()
            if fps & seen_fps or (c["path"], c["line"], c["body"]) in seen_bodies:
                repeats += 1
            seen_fps |= fps
            seen_bodies.add((c["path"], c["line"], c["body"]))
        rows.append({"push": n, "head": head, "comments": len(new), "repeats": repeats,
                     "writes": writes(world.fake.requests[before:]), "wall": wall,
                     "resolved": len(world.fake.resolved_threads) - resolved})
    event = comment_event("/help")
    data = json.loads(event)
    data["installation"] = {"id": INSTALLATION}
    started = time.perf_counter()
    await world.deliver(json.dumps(data).encode(), "help-1", event="issue_comment")
    await world.run_jobs()
    help_seconds = time.perf_counter() - started
    answered = any("`/review`" in c["body"] for c in world.fake.issue_comments)
    await llm.aclose()
    await world.web.aclose()
    with engine.connect() as conn:
        calls = list(conn.execute(sa.select(llm_calls)))
    engine.dispose()
    for row in rows:
        mine = [c for c in calls if c.head_sha == row["head"]]
        row["tokens"] = sum(c.prompt_tokens + c.completion_tokens for c in mine)
        row["calls"] = len(mine)
    return {"rows": rows, "help_seconds": help_seconds, "help_answered": answered}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--pushes", type=int, default=5)
    args = parser.parse_args()
    fake = FakeLLM(latency=args.latency)
    with tempfile.TemporaryDirectory() as tmp, served(fake.app, free_port()) as url:
        result = asyncio.run(live(Path(tmp), f"{url}/v1", args.files, args.pushes))
    rows: list[dict[str, object]] = result["rows"]  # type: ignore[assignment]
    first_tokens = max(1, int(rows[0]["tokens"]))  # type: ignore[call-overload]
    print(f"fake model latency L = {args.latency:.2f} s; {args.files}-file PR; real linters\n")
    print("| push | wall s | inline comments | repeated | threads resolved | GitHub writes "
          "| model calls | tokens | tokens / first |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        name = "open" if row["push"] == 0 else f"push {row['push']}"
        share = int(row["tokens"]) / first_tokens  # type: ignore[call-overload]
        print(f"| {name} | {row['wall']:.2f} | {row['comments']} | {row['repeats']} | "
              f"{row['resolved']} | {row['writes']} | {row['calls']} | {row['tokens']} | "
              f"{share:.1%} |")
    later = rows[1:]
    worst = max((int(r["tokens"]) for r in later), default=0)  # type: ignore[call-overload]
    print(f"\nrepeated comments over all pushes: {sum(int(r['repeats']) for r in rows)} "  # type: ignore[call-overload]
          f"(target 0); worst push tokens / first: {worst / first_tokens:.1%} (target <= 20%);"
          f" most GitHub writes in one push: {max(int(r['writes']) for r in rows)}; "  # type: ignore[call-overload]
          f"/help answered in {result['help_seconds']:.3f} s (in-process, no queue polling)"
          f"{'' if result['help_answered'] else ' -- NOT ANSWERED'}")


if __name__ == "__main__":
    main()
