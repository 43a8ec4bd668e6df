"""The review's first stage on GitHub: what the PR is now, the settings from its default
branch, what people did with reviewbot's comments, and the request the pipeline reviews."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.core.payloads import PullRef
from bot.core.repo_config import LoadedConfig
from bot.github.gateway import InstallationClient
from bot.github.models import PullInfo
from bot.review.aggregate.select import Decisions
from bot.review.lifecycle import PullMemory, remember
from bot.review.remote import request_from_pull
from bot.review.request import ReviewRequest
from bot.review.services import ReviewServices


@dataclass(frozen=True)
class Pull:
    """The PR as this job found it: where it is, its state at the current head, and the
    repository's settings from the default branch."""

    ref: PullRef
    info: PullInfo
    config: LoadedConfig


async def pull_now(gh: InstallationClient, ref: PullRef) -> Pull:
    """The current head (a newer push may have landed since the event) and the settings."""
    where = ref.where
    info = await gh.get_pull(where.repo, ref.number)
    return Pull(ref, info, await gh.repo_config(where.repo, where.default_branch))


async def gather(services: ReviewServices, gh: InstallationClient,
                 pull: Pull) -> tuple[ReviewRequest, PullMemory]:
    """The request to review (files, contents at head, linter settings, what reviewbot
    already posted, what people decided), and the PR's memory for after the review."""
    where, number = pull.ref.where, pull.ref.number
    remembered = await remember(services.stores.decisions, gh, pull.ref)
    posted = await services.stores.runs.posted(where.repo, number)
    request = await request_from_pull(gh, pull.ref, pull.info, pull.config,
                                      posted | remembered.posted)
    return dataclasses.replace(request, decisions=Decisions(
        dismissed=remembered.rejected, ignored_rules=remembered.ignored_rules,
        suppressed_rules=remembered.suppressed_rules)), remembered
