"""Token counting before a call: tiktoken's exact count when its encoding file is on this
machine (never fetched), an estimate otherwise; and the per-PR token budget that stops the
critiques in priority order, saying which files the model did not read."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import tiktoken

from bot.llm.tokens import BLOB, TokenCounter, cached_file, estimate, offline_encoder
from bot.review.pipeline import Reviewers, run_review
from bot.review.policy import ReviewPolicy
from tests.fakellm import FakeLLM
from tests.helpers.processes import served
from tests.recorded import recorded_runners
from tests.test_llm_review import client
from tests.test_serve_e2e import free_port


def test_no_encoding_file_means_an_estimate_and_no_download(tmp_path: Path) -> None:
    env = {"TIKTOKEN_CACHE_DIR": str(tmp_path)}
    assert offline_encoder("gpt-4o", env) is None  # known model, but no file: not fetched
    assert offline_encoder("qwen2.5-coder:32b", env) is None  # not an OpenAI tokenizer
    counter = TokenCounter(env=env)
    text = "def f(x):\n    return x + 1\n"
    assert counter.count("gpt-4o", text) == estimate(text) == 8
    assert not counter.exact("gpt-4o")


def test_a_cached_file_is_used_only_when_it_is_intact(tmp_path: Path) -> None:
    name = hashlib.sha1(BLOB.format("o200k_base").encode()).hexdigest()
    (tmp_path / name).write_bytes(b"not the published file")
    assert cached_file("o200k_base", {"TIKTOKEN_CACHE_DIR": str(tmp_path)}) is None


def test_an_encoder_at_hand_counts_exactly() -> None:
    # A byte-level encoding built here (no file, no network): one token per byte.
    bytes_only = tiktoken.Encoding("bytes", pat_str=r"\S+|\s+",
                                   mergeable_ranks={bytes([b]): b for b in range(256)},
                                   special_tokens={})
    counter = TokenCounter(env={}, find_encoder=lambda _model, _env: (
        lambda text: len(bytes_only.encode(text))))
    assert counter.count("gpt-4o", "héllo") == 6 and counter.exact("gpt-4o")


def test_the_pr_token_budget_reads_source_first_and_says_what_was_not_read(
        tmp_path: Path) -> None:
    from bot.review.demo import build_demo_repo
    from bot.review.local import request_from_git

    repo = tmp_path / "demo"
    base, head = build_demo_repo(repo)
    request = request_from_git(repo, base, head)
    llm = FakeLLM()

    async def go(budget: int) -> tuple[str, int]:
        sdk_client = client(f"{url}/v1")
        try:
            plan = await run_review(request, ReviewPolicy(token_budget=budget),
                                    Reviewers(llm=sdk_client, runners=recorded_runners()))
        finally:
            await sdk_client.aclose()
        return plan.summary, len(llm.requests)

    with served(llm.app, free_port()) as url:
        summary, calls = asyncio.run(go(2_500))
    # Each critique of the one source file is ~1,000 tokens: two fit, two do not; then the
    # verifier reads the linters' inline candidates (not a critique: outside this budget).
    assert calls == 3, summary
    assert "The model read 1 of 1 changed file(s)." in summary
    assert "2 critique(s) by " in summary and "over the PR's 2,500-token budget" in summary


def test_files_are_read_source_first_then_by_added_lines() -> None:
    from bot.core.diffmap import parse_unified_diff
    from checks.critique import prioritised

    diff = parse_unified_diff("".join(
        f"diff --git a/{p} b/{p}\n--- a/{p}\n+++ b/{p}\n@@ -0,0 +1,{n} @@\n" + "+x\n" * n
        for p, n in [("tests/test_a.py", 9), ("docs/guide.md", 9), ("pkg/small.py", 1),
                     ("pkg/big.py", 5), ("test_top.py", 9)]))
    assert prioritised(sorted(diff.files), diff) == [
        "pkg/big.py", "pkg/small.py", "docs/guide.md", "test_top.py", "tests/test_a.py"]
