"""bench/model: the model review against a real local server — llama-cpp-python serving
SmolLM2-135M-Instruct on this machine's CPU (`make model-venv`) — beside the fake-latency
figures of bench/agent: the demo and the golden set (fixtures/eval, `reviewbot eval`).
Wall time, calls, tokens, seconds per call, and false comments per clean change (must be
0). A 135M model finds nothing: this measures the plumbing's cost, not review quality.

    python -m bench.model   (make bench-model)
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import openai

from bot.core.usage import CallRecord
from bot.llm.client import LLMClient
from bot.review.demo import build_demo_repo
from bot.review.evaluate import evaluate, load_cases, report
from bot.review.local import request_from_git
from bot.review.pipeline import Reviewers, run_review
from tests.helpers.local_model import MODEL_ALIAS, llama_server, server_python
from tests.test_serve_e2e import free_port


def client(url: str) -> LLMClient:
    sdk = openai.AsyncOpenAI(api_key="local", base_url=url, timeout=300, max_retries=1)
    return LLMClient(sdk=sdk, model=MODEL_ALIAS, fast_model=MODEL_ALIAS)


def figures(calls: list[CallRecord], wall: float) -> dict[str, Any]:
    answered = [c for c in calls if c.ok and not c.cache_hit]
    return {"wall_s": round(wall, 1), "calls": len(calls),
            "failed": sum(not c.ok for c in calls),
            "prompt_tokens": sum(c.prompt_tokens for c in calls),
            "completion_tokens": sum(c.completion_tokens for c in calls),
            "s_per_call": round(sum(c.latency_seconds for c in answered) / len(answered), 2)
            if answered else None}


async def demo(url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        base, head = build_demo_repo(Path(tmp))
        request = request_from_git(Path(tmp), base, head)
        llm = client(url)
        started = time.perf_counter()
        try:
            plan = await run_review(request, reviewers=Reviewers(llm=llm))
        finally:
            await llm.aclose()
    wall = time.perf_counter() - started
    inline_by_model = sum(1 for c in plan.comments for f in plan.findings
                          if f.fingerprint == c.fingerprint and f.tool == "llm")
    return {**figures(list(plan.calls), wall), "inline_from_model": inline_by_model}


async def golden(url: str) -> dict[str, Any]:
    llm = client(url)
    started = time.perf_counter()
    try:
        results = await evaluate(load_cases(), llm)
    finally:
        await llm.aclose()
    wall = time.perf_counter() - started
    summary = report(results)
    calls = [c for r in results for c in r.calls]
    return {**figures(calls, wall), "cases": summary["cases"], "recall": summary["recall"],
            "false_comments_per_clean_change": summary["false_comments_per_clean_change"]}


def main() -> None:
    python = server_python()
    if python is None:
        raise SystemExit("bench/model needs the local model: run `make model-venv` first")
    with tempfile.TemporaryDirectory() as tmp, \
            llama_server(python, free_port(), Path(tmp) / "server.log") as url:
        first = asyncio.run(demo(url))
        again = asyncio.run(demo(url))  # the server's format is learnt again per process
        gold = asyncio.run(golden(url))
    print("| run | wall s | calls (failed) | prompt tok | completion tok | s/call | "
          "false comments |")
    print("|---|---|---|---|---|---|---|")
    for name, r in (("demo", first), ("demo again", again)):
        print(f"| {name} | {r['wall_s']} | {r['calls']} ({r['failed']}) | {r['prompt_tokens']:,} "
              f"| {r['completion_tokens']:,} | {r['s_per_call']} | "
              f"{r['inline_from_model']} inline from the model |")
    print(f"| golden set ({gold['cases']} cases) | {gold['wall_s']} | {gold['calls']} "
          f"({gold['failed']}) | {gold['prompt_tokens']:,} | {gold['completion_tokens']:,} | "
          f"{gold['s_per_call']} | {gold['false_comments_per_clean_change']} per clean "
          f"change (recall {gold['recall']}) |")


if __name__ == "__main__":
    main()
