"""bench/agent: an end-to-end review of a 10-file PR with the agent core, against a fake
OpenAI-compatible server that answers every call after a fixed latency L, and FakeGitHub.

Reports the review's wall time in units of L (target <= 2.5: checkers in parallel, then the
aggregator's verification round, the linters overlapping the model), calls and tokens per
review, the same review without a model (the linters alone, for comparison), and after a
one-line push the tokens of the re-review as a share of the first (target <= 20 %, thanks to
the answer cache).

    python -m bench.agent [--latency 1.0] [--files 10]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import tempfile
import time
from pathlib import Path

import openai
import sqlalchemy as sa

from bot.llm.client import LLMClient
from bot.store.engine import create_engine
from bot.store.migrate import upgrade
from bot.store.tables import llm_calls
from tests.fakellm import FakeLLM, findings
from tests.github_world import commit_files, load_repo_into, make_world, pr_event
from tests.helpers.processes import served
from tests.test_serve_e2e import free_port


def module(i: int, extra: str = "") -> str:
    body = "".join(f"        if item.kind == {k}:\n            total += item.value * {k}\n"
                   for k in range(12))
    return (f'"""Module {i}: totals of orders."""\n\n\ndef total_{i}(items):\n'
            f"    total = 0\n    for item in items:\n{body}{extra}    return total\n")


async def review_twice(workdir: Path, url: str | None, files: int) -> tuple[float, float]:
    engine = create_engine(f"sqlite:///{workdir / 'bench.db'}")
    upgrade(engine)
    repo = workdir / "repo"
    base = commit_files(repo, {"README": "bench\n"}, "base")
    head1 = commit_files(repo, {f"pkg/orders_{i}.py": module(i) for i in range(files)}, "one")
    head2 = commit_files(repo, {"pkg/orders_3.py": module(3, "    total += 0\n")}, "two")
    world = make_world(engine)  # the real linters
    llm = None
    if url is not None:
        sdk = openai.AsyncOpenAI(api_key="bench", base_url=url, max_retries=0, timeout=60)
        llm = LLMClient(sdk=sdk, model="strong-model", fast_model="fast-model")
        world.worker.context = dataclasses.replace(world.worker.context, llm=llm)
    times = []
    for number, head, action in ((7, head1, "opened"), (7, head2, "synchronize")):
        load_repo_into(world.fake, repo, base, head, number=number)
        await world.deliver(pr_event(number, head, action), f"{head}-{action}")
        started = time.perf_counter()
        await world.run_jobs()
        times.append(time.perf_counter() - started)
    if llm is not None:
        await llm.aclose()
    await world.web.aclose()
    engine.dispose()
    return times[0], times[1]


def stored_calls(db: Path) -> list[sa.Row]:  # type: ignore[type-arg]
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = list(conn.execute(sa.select(llm_calls).order_by(llm_calls.c.id)))
    engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--files", type=int, default=10)
    args = parser.parse_args()
    fake = FakeLLM(latency=args.latency)
    # The bug reviewer reports one problem, so the aggregator's verification round runs too.
    fake.script("bug", *[findings({"path": "pkg/orders_0.py", "line": 9, "severity": "warning",
                                   "title": "Kinds are compared one by one.",
                                   "scenario": "Twelve branches where a mapping would do.",
                                   "confidence": 0.8})] * args.files)
    with tempfile.TemporaryDirectory() as plain, tempfile.TemporaryDirectory() as agent:
        linters_only = asyncio.run(review_twice(Path(plain), None, args.files))
        with served(fake.app, free_port()) as url:
            with_model = asyncio.run(review_twice(Path(agent), f"{url}/v1", args.files))
        rows = stored_calls(Path(agent) / "bench.db")
    heads = sorted({r.head_sha for r in rows}, key=lambda h: min(r.id for r in rows
                                                                  if r.head_sha == h))
    first = [r for r in rows if r.head_sha == heads[0]]
    second = [r for r in rows if r.head_sha == heads[1]]

    def tokens(calls: list[sa.Row]) -> int:  # type: ignore[type-arg]
        return sum(r.prompt_tokens + r.completion_tokens for r in calls)

    latency = args.latency
    print(f"fake model latency L = {latency:.2f} s; {args.files}-file PR; real linters\n")
    print("| review | wall s | wall / L | model calls (cache hits) | tokens |")
    print("|---|---:|---:|---:|---:|")
    print(f"| linters only, first push | {linters_only[0]:.2f} | - | - | - |")
    print(f"| with the model, first push | {with_model[0]:.2f} | {with_model[0] / latency:.2f} "
          f"| {len(first)} ({sum(r.cache_hit for r in first)}) | {tokens(first)} |")
    print(f"| with the model, one-line push | {with_model[1]:.2f} | "
          f"{with_model[1] / latency:.2f} | {len(second)} ({sum(r.cache_hit for r in second)})"
          f" | {tokens(second)} |")
    share = tokens(second) / max(1, tokens(first))
    print(f"\nre-review tokens / first review tokens: {share:.1%} (target <= 20%); "
          f"first review wall / L: {with_model[0] / latency:.2f} (target <= 2.5)")


if __name__ == "__main__":
    main()
