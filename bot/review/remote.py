"""A review's inputs read from GitHub: the PR's files and diff, their content at head, the
default branch's linter settings, what was already posted. The counterpart of local.py.

Contents are read in batches (bot/github/contents.py): a review costs about
`10 + files/100` requests, not one more per file."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field

from bot.core.diffmap import from_pull_files
from bot.core.instructions import Instruction
from bot.core.payloads import PullRef
from bot.core.repo_config import LoadedConfig
from bot.github.contents import default_branch_settings, read_files
from bot.github.gateway import InstallationClient
from bot.github.models import PullInfo
from bot.review.request import ReviewRequest, files_to_fetch
from checks.linters.settings import LINTER_CONFIG_FILES


@dataclass(frozen=True)
class Pull:
    """The PR as this job found it: where it is, its state at the current head, and the
    repository's settings (reviewbot's and the linters') from the default branch."""

    ref: PullRef
    info: PullInfo
    config: LoadedConfig
    linter_configs: Mapping[str, bytes] = field(default_factory=dict)
    instructions: tuple[Instruction, ...] = ()  # the maintainers' (default branch)


async def pull_now(gh: InstallationClient, ref: PullRef) -> Pull:
    """The current head (a newer push may have landed since the event) and the settings,
    all of them in one batched read."""
    where = ref.where
    info = await gh.get_pull(where.repo, ref.number)
    found = await default_branch_settings(gh, where.repo, where.default_branch,
                                          LINTER_CONFIG_FILES)
    return Pull(ref, info, found.config, found.linter_configs, found.instructions)


async def request_from_pull(gh: InstallationClient, pull: Pull,
                            posted: Set[str]) -> ReviewRequest:
    """`posted`: fingerprints reviewbot already posted on the PR (the store's, and those of
    its own comments found on GitHub; never anyone else's comments)."""
    repo, number, info = pull.ref.where.repo, pull.ref.number, pull.info
    diff = from_pull_files(await gh.list_pull_files(repo, number))
    wanted = files_to_fetch(diff, pull.config.config)
    contents = await read_files(gh, repo, info.head_sha, wanted)
    return ReviewRequest(
        base=info.base_sha, head=info.head_sha, diff=diff,
        contents={p: contents[p] for p in wanted}, config=pull.config,
        linter_configs=dict(pull.linter_configs), already_posted=frozenset(posted),
        instructions=pull.instructions,
    )
