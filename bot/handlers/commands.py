"""Slash commands in PR comments: acknowledged with 👀, answered in the same thread.

Thin: the comment's references in; parsing and the rules of who may ask live in
bot/core/commands.py; a `/review` runs the same pipeline as a push.
"""

from __future__ import annotations

import logging

import anyio

from bot.core.commands import HELP, PAID, Command, may_spend, parse_command
from bot.core.payloads import CommentRef, comment_ref, validator
from bot.core.repo_config import CONFIG_PATH, RepoConfig, parse_repo_config
from bot.github.gateway import InstallationClient
from bot.handlers.review import github_of
from bot.jobs.context import ClaimedJob, JobContext
from bot.jobs.routing import Router
from bot.review.publish import review_pull
from bot.store import reviews as store

log = logging.getLogger(__name__)
NOT_YET = ("`/{name}` is not available in this version of reviewbot yet; `/help` lists what "
           "is.")


async def handle_issue_comment(ctx: JobContext, job: ClaimedJob) -> None:
    ref = comment_ref(job.payload)
    if not ref.on_pull_request or ref.from_bot:
        return  # issues are triage's; bots (reviewbot too) are never obeyed
    command = parse_command(ref.body)
    if command is None:
        return
    gh = github_of(ctx).installation(ref.where.installation_id)
    await gh.add_reaction(ref.where.repo, ref.comment_id, "eyes")
    log.info("command received", extra={"repo": ref.where.repo, "command": command.name})
    if command.name in PAID and not may_spend(ref.association):
        await _refuse_once(ctx, gh, ref, command)
        return
    if command.name == "review":
        await review_pull(ctx, gh, ref.where.repo, ref.number, ref.where.default_branch,
                          rerun=True, last_attempt=job.attempts >= job.max_attempts)
        return
    await gh.create_issue_comment(ref.where.repo, ref.number,
                                  await _answer(ctx, gh, ref, command))


async def _answer(ctx: JobContext, gh: InstallationClient, ref: CommentRef,
                  command: Command) -> str:
    if command.name == "help":
        return HELP
    if command.name == "config":
        text = await gh.get_file(ref.where.repo, CONFIG_PATH, ref.where.default_branch)
        loaded = parse_repo_config(text.decode("utf-8", "replace") if text else None)
        return config_table(loaded.config, loaded.error, found=text is not None)
    if command.name in ("ask", "explain"):
        if ctx.llm is None:
            return (f"`/{command.name}` needs a language model, and none is configured for "
                    "this reviewbot installation. The linters' review and `/review`, "
                    "`/config` and `/help` work without one.")
        return NOT_YET.format(name=command.name)
    if command.name == "ignore":
        return NOT_YET.format(name=command.name)
    return f"Unknown command `{command.raw}`.\n\n{HELP}"


async def _refuse_once(ctx: JobContext, gh: InstallationClient, ref: CommentRef,
                       command: Command) -> None:
    """One polite refusal per PR, however often someone without write access asks."""
    first = await anyio.to_thread.run_sync(store.claim_notice, ctx.engine, ref.where.repo,
                                           ref.number, "command-refused")
    if first:
        await gh.create_issue_comment(
            ref.where.repo, ref.number,
            f"Sorry @{ref.author}, `/{command.name}` starts paid work, which only users with "
            "write access to this repository can ask for. A maintainer can run it.")


def config_table(config: RepoConfig, error: str | None, *, found: bool) -> str:
    """The effective configuration, each value with where it came from (pure)."""
    chosen = config.model_fields_set
    rows = [f"| `{name}` | `{getattr(config, name)!r}` | "
            f"{'`' + CONFIG_PATH + '`' if name in chosen else 'default'} |"
            for name in type(config).model_fields]
    head = (f"**Effective configuration** (from `{CONFIG_PATH}` on the default branch)"
            if found else f"**Effective configuration** (no `{CONFIG_PATH}`: defaults)")
    problem = f"\n\n> {error}. The defaults are used." if error else ""
    return "\n".join([head + problem, "", "| setting | value | from |", "|---|---|---|",
                      *rows])


def register(router: Router) -> None:
    router.add("issue_comment", ["created"], "commands.issue_comment", handle_issue_comment,
               validate=validator(comment_ref))
