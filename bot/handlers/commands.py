"""Slash commands in PR comments and in review threads: acknowledged with 👀, answered in
the same place.

Thin: the comment's references in; parsing and the rules of who may ask live in
bot/core/commands.py; a `/review` runs the same pipeline as a push; `/ignore` is stored in
the repository's memory (bot/store/memory.py), which every later review reads.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping

import anyio

from bot.core.commands import (
    AMBIGUOUS_ASSOCIATIONS,
    HELP,
    PAID,
    WRITE_PERMISSIONS,
    Command,
    may_spend,
    parse_command,
)
from bot.core.markers import posted_fingerprints
from bot.core.payloads import CommentRef, comment_ref, review_comment_ref, validator
from bot.core.repo_config import CONFIG_PATH, RepoConfig, parse_repo_config
from bot.github.gateway import InstallationClient
from bot.handlers.review import github_of
from bot.jobs.context import ClaimedJob, JobContext
from bot.jobs.routing import Router
from bot.review.ask import answer_question
from bot.review.publish import review_pull
from bot.store import feedback, memory
from bot.store import reviews as store

log = logging.getLogger(__name__)
MAINTAINERS = frozenset({"OWNER", "MEMBER"})
IGNORE_ARGS = re.compile(r"^(?:rule\s+(?P<rule>[\w.:/-]{1,200}))?\s*(?P<repo>--repo)?\s*$")
Reply = Callable[[str], Awaitable[object]]


async def handle_issue_comment(ctx: JobContext, job: ClaimedJob) -> None:
    ref = comment_ref(job.payload)
    if ref.on_pull_request:  # issues are triage's
        await _command(ctx, job, ref)


async def handle_review_comment(ctx: JobContext, job: ClaimedJob) -> None:
    await _command(ctx, job, review_comment_ref(job.payload))


async def _command(ctx: JobContext, job: ClaimedJob, ref: CommentRef) -> None:
    if ref.from_bot:
        return  # bots, reviewbot too, are never obeyed: no loops
    command = parse_command(ref.body)
    if command is None:
        return
    gh = github_of(ctx).installation(ref.where.installation_id)
    repo = ref.where.repo
    await gh.add_reaction(repo, ref.comment_id, "eyes", review_comment=ref.in_thread)
    log.info("command received", extra={"repo": repo, "command": command.name})

    async def reply(text: str) -> object:
        if ref.in_thread:
            return await gh.reply_in_thread(repo, ref.number, ref.in_reply_to or ref.comment_id,
                                            text)
        return await gh.create_issue_comment(repo, ref.number, text)

    if command.name in PAID and not await has_write_access(ctx, gh, ref):
        await _refuse_once(ctx, ref, command, reply)
        return
    if command.name in PAID and not await anyio.to_thread.run_sync(
            lambda: memory.admit_command(
                ctx.engine, repo, ref.number, ref.author, command.name,
                per_user=ctx.settings.commands_per_user_hour,
                per_pull=ctx.settings.commands_per_pull_hour)):
        bucket = f"rate-limited:{int(time.time() // memory.HOUR)}"
        if await anyio.to_thread.run_sync(store.claim_notice, ctx.engine, repo, ref.number,
                                          bucket):  # said once an hour, not per command
            await reply(f"@{ref.author}, the limit of paid commands per hour is reached "
                        f"(`/{command.name}` not run); please try again later.")
        return
    if command.name == "review":
        await review_pull(ctx, gh, repo, ref.number, ref.where.default_branch, rerun=True,
                          last_attempt=job.attempts >= job.max_attempts)
        return
    if command.name == "ignore":
        await reply(await _ignore(ctx, gh, ref, command))
        return
    await reply(await _answer(ctx, gh, ref, command))


async def has_write_access(ctx: JobContext, gh: InstallationClient, ref: CommentRef) -> bool:
    """Whether the comment's author may start paid work (/review, /ask, /explain, /triage):
    the configured associations may; a CONTRIBUTOR may when the permission API confirms
    write access (it may come through a team, which the association does not show)."""
    if may_spend(ref.association, ctx.settings.allowed_associations):
        return True
    if ref.association.upper() in AMBIGUOUS_ASSOCIATIONS and ref.author:
        return await gh.permission_of(ref.where.repo, ref.author) in WRITE_PERMISSIONS
    return False


async def _answer(ctx: JobContext, gh: InstallationClient, ref: CommentRef,
                  command: Command) -> str:
    if command.name == "help":
        return HELP
    if command.name == "config":
        text = await gh.get_file(ref.where.repo, CONFIG_PATH, ref.where.default_branch)
        loaded = parse_repo_config(text.decode("utf-8", "replace") if text else None)
        suppressed = await anyio.to_thread.run_sync(feedback.suppressed_rules, ctx.engine,
                                                    ref.where.repo)
        return config_table(loaded.config, loaded.error, found=text is not None,
                            suppressed=suppressed)
    if command.name in ("ask", "explain"):
        if ctx.llm is None:
            return (f"`/{command.name}` needs a language model, and none is configured for "
                    "this reviewbot installation. The linters' review and `/review`, "
                    "`/ignore`, `/config` and `/help` work without one.")
        return await _ask(ctx, gh, ref, command)
    return f"Unknown command `{command.raw}`.\n\n{HELP}"


async def _ask(ctx: JobContext, gh: InstallationClient, ref: CommentRef,
               command: Command) -> str:
    """`/ask QUESTION` anywhere in the PR; `/explain` in a reviewbot comment's thread. In a
    thread, its earlier messages are the short-term memory."""
    history: list[str] = []
    if ref.in_thread and ref.in_reply_to is not None:
        history = await gh.thread_bodies(ref.where.repo, ref.number, ref.in_reply_to)
    if command.name == "explain":
        if not history:
            return "Reply `/explain` in the thread of the reviewbot comment to explain."
        question = ("Explain the first message of this thread (a review comment): is it "
                    "right, and why? Give the evidence from the code.")
    elif not command.args:
        return "Ask a question after `/ask`, e.g. `/ask why is this loop needed?`."
    else:
        question = command.args
    return await answer_question(ctx, gh, ref.where.repo, ref.number,
                                 ref.where.default_branch, question, history)


async def _ignore(ctx: JobContext, gh: InstallationClient, ref: CommentRef,
                  command: Command) -> str:
    """`/ignore` in a reviewbot comment's thread: that finding; `/ignore rule RULE`: that
    rule on this PR; `--repo` (maintainers): in the whole repository from now on."""
    match = IGNORE_ARGS.match(command.args)
    if match is None:
        return "Use `/ignore`, `/ignore rule RULE` or either with `--repo`."
    repo_wide = match.group("repo") is not None
    if repo_wide and ref.association.upper() not in MAINTAINERS:
        return "Only the repository's owners and members can ignore something repository-wide."
    number = memory.WHOLE_REPOSITORY if repo_wide else ref.number
    where = "in this repository" if repo_wide else "on this pull request"
    rule = match.group("rule")
    if rule is not None:
        kind, value, what = "rule", rule, f"rule `{rule}`"
    else:
        parent = (await gh.get_review_comment_body(ref.where.repo, ref.in_reply_to)
                  if ref.in_reply_to is not None else "")
        fingerprints = posted_fingerprints(parent)
        if not fingerprints:
            return ("Reply `/ignore` in the thread of the reviewbot comment to ignore, or use "
                    "`/ignore rule RULE`.")
        kind, value, what = "finding", sorted(fingerprints)[0], "this finding"
    await anyio.to_thread.run_sync(memory.remember_ignored, ctx.engine, ref.where.repo,
                                   number, kind, value, ref.author)
    if kind == "finding":  # counted against its rule in the repository's acceptance
        await anyio.to_thread.run_sync(feedback.mark, ctx.engine, ref.where.repo, ref.number,
                                       value, "ignored")
    return f"Ignored {what} {where}: reviewbot will not raise it again."


async def _refuse_once(ctx: JobContext, ref: CommentRef, command: Command,
                       reply: Reply) -> None:
    """One polite refusal per PR, however often someone without write access asks."""
    first = await anyio.to_thread.run_sync(store.claim_notice, ctx.engine, ref.where.repo,
                                           ref.number, "command-refused")
    if first:
        await reply(f"Sorry @{ref.author}, `/{command.name}` starts paid work, which only "
                    "users with write access to this repository can ask for. A maintainer "
                    "can run it.")


def config_table(config: RepoConfig, error: str | None, *, found: bool,
                 suppressed: Mapping[str, str] | None = None) -> str:
    """The effective configuration, each value with where it came from, and the rules this
    repository's feedback silenced, with how to undo it (pure)."""
    chosen = config.model_fields_set
    rows = [f"| `{name}` | `{getattr(config, name)!r}` | "
            f"{'`' + CONFIG_PATH + '`' if name in chosen else 'default'} |"
            for name in type(config).model_fields]
    head = (f"**Effective configuration** (from `{CONFIG_PATH}` on the default branch)"
            if found else f"**Effective configuration** (no `{CONFIG_PATH}`: defaults)")
    problem = f"\n\n> {error}. The defaults are used." if error else ""
    lines = [head + problem, "", "| setting | value | from |", "|---|---|---|", *rows]
    if suppressed:
        enabled = set(config.enable_rules)
        lines += ["", "**Rules suppressed by this repository's feedback** (👎, `/ignore`):", ""]
        lines += [f"- `{rule}`: {why}" + (" — kept anyway: listed in `enable_rules`"
                                          if {rule, rule.split(':', 1)[-1]} & enabled else "")
                  for rule, why in sorted(suppressed.items())]
        lines += ["", f"To bring one back, list it in `enable_rules` in `{CONFIG_PATH}`."]
    return "\n".join(lines)


def register(router: Router) -> None:
    router.add("issue_comment", ["created"], "commands.issue_comment", handle_issue_comment,
               validate=validator(comment_ref))
    router.add("pull_request_review_comment", ["created"], "commands.review_comment",
               handle_review_comment, validate=validator(review_comment_ref))
