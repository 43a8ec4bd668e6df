"""A review's inputs read from GitHub: the PR's files and diff, their content at head, the
default branch's linter settings, what was already posted. The counterpart of local.py."""

from __future__ import annotations

import asyncio
from collections.abc import Set

from bot.core.diffmap import from_pull_files
from bot.core.payloads import PullRef
from bot.core.repo_config import LoadedConfig
from bot.github.gateway import InstallationClient
from bot.github.models import PullInfo
from bot.review.request import ReviewRequest, files_to_fetch
from checks.linters.settings import LINTER_CONFIG_FILES


async def request_from_pull(gh: InstallationClient, ref: PullRef, info: PullInfo,
                            config: LoadedConfig, posted: Set[str]) -> ReviewRequest:
    """`posted`: fingerprints reviewbot already posted on the PR (the store's, and those of
    its own comments found on GitHub; never anyone else's comments)."""
    repo, number = ref.where.repo, ref.number
    diff = from_pull_files(await gh.list_pull_files(repo, number))
    wanted = files_to_fetch(diff, config.config)
    contents = await asyncio.gather(*(gh.get_file(repo, p, info.head_sha) for p in wanted))
    configs = await asyncio.gather(*(gh.get_file(repo, n, ref.where.default_branch)
                                     for n in LINTER_CONFIG_FILES))
    return ReviewRequest(
        base=info.base_sha, head=info.head_sha, diff=diff,
        contents=dict(zip(wanted, contents, strict=True)), config=config,
        linter_configs={n: c for n, c in zip(LINTER_CONFIG_FILES, configs, strict=True) if c},
        already_posted=frozenset(posted),
    )
