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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.checkers import TOOL_NAMES, TOOL_READS
from bot.core.commands import BY_NAME, FREE, HELP, PAID, Command, parse_command
from bot.core.inert import code_span, inert
from bot.core.instructions import Instruction
from bot.core.markers import posted_fingerprint
from bot.core.payloads import CommentRef, PullRef, comment_ref, review_comment_ref, validator
from bot.core.repo_config import CONFIG_PATH, RepoConfig
from bot.github.contents import default_branch_settings
from bot.github.gateway import InstallationClient
from bot.github.permissions import Deciders
from bot.handlers.access import has_write_access
from bot.handlers.review import github_of
from bot.handlers.triage import run_triage_command
from bot.jobs.context import ClaimedJob, Services
from bot.jobs.routing import Router
from bot.review.ask import answer_question
from bot.review.describe import describe
from bot.review.flow import review_pull
from bot.store import memory

log = logging.getLogger(__name__)
IGNORE_ARGS = re.compile(r"^(?:rule\s+(?P<rule>[\w.:/-]{1,200}))?\s*(?P<repo>--repo)?\s*$")
Reply = Callable[[str], Awaitable[object]]


async def handle_issue_comment(services: Services, job: ClaimedJob) -> None:
    """One job per comment, a pull request's or an issue's: the one command table."""
    await _command(services, job, comment_ref(job.payload))


async def handle_review_comment(services: Services, job: ClaimedJob) -> None:
    await _command(services, job, review_comment_ref(job.payload))


@dataclass(frozen=True)
class Asked:
    """One command as a handler receives it: who asked what, where, and how to answer."""

    services: Services
    gh: InstallationClient
    ref: CommentRef
    command: Command
    job: ClaimedJob
    reply: Reply


async def _command(services: Services, job: ClaimedJob, ref: CommentRef) -> None:
    """The one gate: bots are never obeyed; a command that does not apply here is ignored
    on an issue and pointed elsewhere on a pull request; free commands have their own hourly
    limit; paid ones need write access (one polite refusal per PR or issue) and pass the
    paid limits (said once an hour)."""
    if ref.from_bot:
        return  # bots, reviewbot too, are never obeyed: no loops
    command = parse_command(ref.body)
    if command is None:
        return
    spec = BY_NAME.get(command.name)
    applies = spec is None or (spec.on_pulls if ref.on_pull_request else spec.on_issues)
    if not ref.on_pull_request and (spec is None or not spec.on_issues):
        return  # on an issue only its own commands are read
    paid = spec is not None and spec.paid and applies
    gh = github_of(services).installation(ref.where.installation_id)
    repo, decisions, s = ref.where.repo, services.stores.decisions, services.settings
    asked = memory.CommandAsked(repo, ref.number, ref.author, command.name)
    if not paid and not await decisions.admit(asked, memory.CommandLimit(
            per_user=s.free_commands_per_user_hour, counted=FREE | {command.name})):
        # Each answer is a comment: past the limit, nothing at all (not even 👀).
        log.info("free command over the hourly limit; not answered",
                 extra={"repo": repo, "command": command.name})
        return
    await gh.add_reaction(repo, ref.comment_id, "eyes", review_comment=ref.in_thread)
    log.info("command received", extra={"repo": repo, "command": command.name})

    async def reply(text: str) -> object:
        if ref.in_thread:
            return await gh.reply_in_thread(repo, ref.number, ref.in_reply_to or ref.comment_id,
                                            text)
        return await gh.create_issue_comment(repo, ref.number, text)

    if paid and not await has_write_access(services, gh, ref):
        await _refuse_once(services, ref, command, reply)
        return
    if paid and not await decisions.admit(asked, memory.CommandLimit(
            per_user=s.commands_per_user_hour, per_pull=s.commands_per_pull_hour,
            counted=PAID)):
        bucket = f"rate-limited:{int(time.time() // memory.HOUR)}"
        if await services.stores.runs.claim_notice(repo, ref.number, bucket):
            await reply(f"@{ref.author}, the limit of paid commands per hour is reached "
                        f"(`/{command.name}` not run); please try again later.")
        return
    if spec is not None and not applies:
        await reply(spec.elsewhere)
        return
    handler = HANDLERS.get(command.name, _unknown)
    answer = await handler(Asked(services, gh, ref, command, job, reply))
    if answer is not None:
        await reply(answer)


async def _review(a: Asked) -> str | None:
    await review_pull(a.services, a.gh, PullRef(a.ref.where, a.ref.number), rerun=True,
                      last_attempt=a.job.attempts >= a.job.max_attempts)
    return None


async def _describe(a: Asked) -> None:
    await describe(a.gh, PullRef(a.ref.where, a.ref.number))


async def _help(_a: Asked) -> str:
    return HELP


async def _config(a: Asked) -> str:
    ref, decisions = a.ref, a.services.stores.decisions
    settings = await default_branch_settings(a.gh, ref.where.repo, ref.where.default_branch, ())
    loaded = settings.config
    suppressed = await decisions.suppressed_rules(ref.where.repo)
    ignored = await decisions.ignored(ref.where.repo, ref.number)
    return config_table(loaded.config, loaded.error, found=loaded.found,
                        suppressed=suppressed, ignored=ignored,
                        instructions=settings.instructions)


async def _unknown(a: Asked) -> str:
    return f"Unknown command {code_span(a.command.raw)}.\n\n{HELP}"


async def _triage(a: Asked) -> None:
    await run_triage_command(a.services, a.gh, a.ref)


async def _ask_or_explain(a: Asked) -> str:
    if a.services.llm is None:
        return (f"`/{a.command.name}` needs a language model, and none is configured for "
                "this reviewbot installation. The linters' review and `/review`, "
                "`/ignore`, `/config` and `/help` work without one.")
    return await _ask(a.services, a.gh, a.ref, a.command)


async def _ignore_command(a: Asked) -> str | None:
    return await _ignore(a.services, a.gh, a.ref, a.command)


async def _ask(ctx: Services, gh: InstallationClient, ref: CommentRef,
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
    return await answer_question(ctx, gh, PullRef(ref.where, ref.number), question, history)


async def _ignore(ctx: Services, gh: InstallationClient, ref: CommentRef,
                  command: Command) -> str | None:
    """`/ignore` in a reviewbot comment's thread: that finding; `/ignore rule RULE`: that
    rule on this PR; `--repo` (admin or maintain): in the whole repository from now on.
    Only people with write access decide; the finding stays in the check run's
    annotations and stops failing the check."""
    match = IGNORE_ARGS.match(command.args)
    if match is None:
        return "Use `/ignore`, `/ignore rule RULE` or either with `--repo`."
    deciders = Deciders(gh, ref.where.repo)
    if not ref.author or not await deciders.may_decide(ref.author):
        first = await ctx.stores.runs.claim_notice(ref.where.repo, ref.number,
                                                   "ignore-refused")
        log.info("/ignore from someone without write access; not obeyed",
                 extra={"repo": ref.where.repo})
        return (f"Sorry @{ref.author}, only people with write access to this repository can "
                "dismiss a finding. A maintainer can." if first else None)
    repo_wide = match.group("repo") is not None
    if repo_wide and not await deciders.may_decide_for_repository(ref.author):
        return ("Only the repository's admins and maintainers can ignore something "
                "repository-wide.")
    number = memory.WHOLE_REPOSITORY if repo_wide else ref.number
    where = "in this repository" if repo_wide else "on this pull request"
    rule = match.group("rule")
    if rule is not None:
        kind, value, what = "rule", rule, f"rule {code_span(rule)}"
    else:
        parent = (await gh.own_review_comment_body(ref.where.repo, ref.in_reply_to)
                  if ref.in_reply_to is not None else None)
        fingerprint = posted_fingerprint(parent) if parent is not None else None
        if fingerprint is None:  # only a thread reviewbot itself opened names a finding
            return ("Reply `/ignore` in the thread of the reviewbot comment to ignore, or use "
                    "`/ignore rule RULE`.")
        kind, value, what = "finding", fingerprint, "this finding"
    await ctx.stores.decisions.ignore(ref.where.repo, number, (kind, value),
                                      f"@{ref.author} (/ignore)")
    return (f"Ignored {what} {where}: reviewbot will not raise it inline again; it stays in "
            "the check run's annotations and no longer fails the check.")


async def _refuse_once(ctx: Services, ref: CommentRef, command: Command,
                       reply: Reply) -> None:
    """One polite refusal per PR, however often someone without write access asks."""
    first = await ctx.stores.runs.claim_notice(ref.where.repo, ref.number, "command-refused")
    if first:
        await reply(f"Sorry @{ref.author}, `/{command.name}` starts paid work, which only "
                    "users with write access to this repository can ask for. A maintainer "
                    "can run it.")



HANDLERS: Mapping[str, Callable[[Asked], Awaitable[str | None]]] = {
    "review": _review, "ask": _ask_or_explain, "explain": _ask_or_explain,
    "ignore": _ignore_command, "config": _config, "help": _help, "triage": _triage,
    "describe": _describe,
}


def config_table(config: RepoConfig, error: str | None, *, found: bool,
                 suppressed: Mapping[str, str] | None = None,
                 ignored: memory.Ignored | None = None,
                 instructions: Sequence[Instruction] = ()) -> str:
    """The effective configuration, each value with where it came from; what people with
    write access ignored and who; and the rules this repository's feedback keeps rejecting,
    with how to decide about them (pure)."""
    chosen = config.model_fields_set
    rows = [f"| {code_span(name, in_table=True)} | "
            f"{code_span(repr(getattr(config, name)), in_table=True)} | "
            f"{code_span(CONFIG_PATH) if name in chosen else 'default'} |"
            for name in type(config).model_fields]
    head = (f"**Effective configuration** (from `{CONFIG_PATH}` on the default branch)"
            if found else f"**Effective configuration** (no `{CONFIG_PATH}`: defaults)")
    problem = f"\n\n> {inert(error)}. The defaults are used." if error else ""
    lines = [head + problem, "", "| setting | value | from |", "|---|---|---|", *rows,
             "", "**Linters** (`tools:` switches one off or sets its findings' tier):", "",
             "| tool | reads | runs | tier |", "|---|---|---|---|"]
    lines += [f"| {name} | {TOOL_READS[name]} | {'yes' if config.tool_enabled(name) else 'no'}"
              f" | {config.tool_tier(name)} |" for name in TOOL_NAMES]
    lines += ["", "**Maintainers' instructions** (default branch; given to the model for the "
                  "files they apply to):", ""]
    lines += [f"- {code_span(i.path)}: {inert(i.scope())}"
              + (" (cut to its first part)" if i.cut else "") for i in instructions] or [
        "- None (`AGENTS.md`, `.github/copilot-instructions.md`, `.github/reviewbot.md`, "
        "`.github/instructions/*.instructions.md`)."]
    if ignored is not None and ignored.rules:
        lines += ["", "**Rules ignored by people with write access** (`/ignore rule`):", ""]
        lines += [f"- {code_span(rule)}: by {inert(who)}"
                  for rule, who in sorted(ignored.rules.items())]
    if ignored is not None and ignored.fingerprints:
        lines += ["", f"**Findings dismissed on this pull request**: "
                      f"{len(ignored.fingerprints)}, by "
                      + ", ".join(sorted({inert(w) for w in ignored.fingerprints.values()}))
                      + " (still in the check run's annotations)."]
    if suppressed:
        enabled = set(config.enable_rules)
        lines += ["", "**Rules this repository's feedback keeps rejecting** (👎 and `/ignore` "
                      "by people with write access): no longer posted inline; still in the "
                      "check run and its conclusion. For the security checker this is only "
                      "a proposal: its comments stay inline until a maintainer decides.", ""]
        lines += [f"- {code_span(rule)}: {inert(why)}"
                  + (" — kept inline anyway: listed in `enable_rules`"
                     if {rule, rule.split(':', 1)[-1]} & enabled else "")
                  for rule, why in sorted(suppressed.items())]
        lines += ["", f"To turn one off, list it in `disabled_rules` in `{CONFIG_PATH}`; to "
                      "keep it inline, list it in `enable_rules`."]
    return "\n".join(lines)


def register(router: Router) -> None:
    router.add("issue_comment", ["created"], "commands.issue_comment", handle_issue_comment,
               validate=validator(comment_ref))
    router.add("pull_request_review_comment", ["created"], "commands.review_comment",
               handle_review_comment, validate=validator(review_comment_ref))
