"""The review's first stage on GitHub, after `remote.pull_now`: what people did with
reviewbot's comments, and the request the pipeline reviews."""

from __future__ import annotations

import dataclasses

from bot.github.gateway import InstallationClient
from bot.review.aggregate.select import Decisions
from bot.review.lifecycle import PullMemory, remember
from bot.review.remote import Pull, request_from_pull
from bot.review.request import ReviewRequest
from bot.review.services import ReviewServices


async def gather(services: ReviewServices, gh: InstallationClient,
                 pull: Pull) -> tuple[ReviewRequest, PullMemory]:
    """The request to review (files, contents at head, linter settings, what reviewbot
    already posted, what people decided), and the PR's memory for after the review."""
    where, number = pull.ref.where, pull.ref.number
    remembered = await remember(services.stores.decisions, gh, pull.ref)
    posted = await services.stores.runs.posted(where.repo, number)
    request = await request_from_pull(gh, pull, posted | remembered.posted)
    return dataclasses.replace(request, decisions=Decisions(
        dismissed=remembered.rejected, ignored_rules=remembered.ignored_rules,
        suppressed_rules=remembered.suppressed_rules)), remembered
