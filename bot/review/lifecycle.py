"""A PR's life between reviews. Before a review: what people did with reviewbot's comments
(👍/👎, threads a human resolved, /ignore) is read and remembered, so that a rejected
finding is never raised again on the PR and a repository's feedback can silence a rule.
After it: the comments just posted are recorded, and reviewbot's own threads on findings
that are gone from the new head (fixed, or the code changed) are resolved, unless a human
replied in them."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import anyio

from bot.core.markers import posted_fingerprints
from bot.core.plan import ReviewPlan
from bot.errors import GitHubError
from bot.github.gateway import InstallationClient
from bot.github.threads import CommentReactions, ReviewThread
from bot.jobs.context import JobContext
from bot.store import feedback, memory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PullMemory:
    reactions: Sequence[CommentReactions] = ()
    threads: Sequence[ReviewThread] = ()
    threads_known: bool = True  # False: GraphQL failed; no thread is resolved this time
    rejected: frozenset[str] = frozenset()  # never raised again on this PR
    ignored_rules: frozenset[str] = frozenset()
    suppressed_rules: Mapping[str, str] = field(default_factory=dict)


def own_fingerprint(thread: ReviewThread) -> str | None:
    """The finding a thread is about, when reviewbot (a bot) opened it."""
    if not thread.comments or not thread.comments[0].by_bot:
        return None
    found = posted_fingerprints(thread.comments[0].body)
    return next(iter(sorted(found)), None)


def reaction_counts(reactions: Iterable[CommentReactions]) -> dict[str, tuple[int, int]]:
    return {fp: (r.up, r.down) for r in reactions for fp in posted_fingerprints(r.body)}


def threads_to_resolve(threads: Iterable[ReviewThread], seen: frozenset[str],
                       unreviewed: frozenset[str]) -> list[tuple[ReviewThread, str]]:
    """reviewbot's open threads whose finding nothing reported at the new head, on files
    that were reviewed (or deleted) this time, where no human has replied (pure)."""
    out = []
    for thread in threads:
        fp = own_fingerprint(thread)
        if (fp is None or thread.resolved or thread.human_replied or fp in seen
                or thread.path in unreviewed):
            continue
        out.append((thread, fp))
    return out


async def recall(ctx: JobContext, gh: InstallationClient, repo: str,
                 number: int) -> PullMemory:
    reactions = await gh.review_comment_feedback(repo, number)
    try:
        threads, known = await gh.review_threads(repo, number), True
    except GitHubError as exc:  # reviews go on without thread state; said in the log
        log.warning("review threads unavailable: %s", exc, extra={"repo": repo})
        threads, known = [], False
    engine = ctx.engine
    counts = reaction_counts(reactions)
    fixed = await anyio.to_thread.run_sync(feedback.marked, engine, repo, number, "fixed")
    resolved_by_people = {fp for t in threads if t.resolved
                          and (fp := own_fingerprint(t)) is not None and fp not in fixed}
    down = {fp for fp, (_up, n) in counts.items() if n}

    def remember() -> memory.Ignored:
        feedback.record_reactions(engine, repo, number, counts)
        for fp in resolved_by_people:
            feedback.mark(engine, repo, number, fp, "resolved")
        ignored = memory.ignored_on(engine, repo, number)
        for fp, why in [*((fp, "(a thumbs-down)") for fp in down),
                        *((fp, "(thread resolved)") for fp in resolved_by_people)]:
            if fp not in ignored.fingerprints:  # remembered once: survives a deleted comment
                memory.remember_ignored(engine, repo, number, "finding", fp, why)
        return ignored

    ignored = await anyio.to_thread.run_sync(remember)
    suppressed = await anyio.to_thread.run_sync(feedback.suppressed_rules, engine, repo)
    return PullMemory(reactions=reactions, threads=threads, threads_known=known,
                      rejected=ignored.fingerprints | down | resolved_by_people,
                      ignored_rules=ignored.rules, suppressed_rules=suppressed)


async def settle(ctx: JobContext, gh: InstallationClient, repo: str, number: int,
                 plan: ReviewPlan, remembered: PullMemory) -> int:
    """Record what was posted and resolve reviewbot's threads on findings that are gone;
    the number of threads resolved."""
    by_fp = {f.fingerprint: f for f in plan.findings}
    posted = [feedback.Posted(c.fingerprint, f.tool, f.rule, f.checker)
              for c in plan.comments if (f := by_fp.get(c.fingerprint)) is not None]
    await anyio.to_thread.run_sync(feedback.record_posted, ctx.engine, repo, number, posted)
    if plan.seen is None or not remembered.threads_known:
        return 0  # a tool or the model failed: what it did not see is not known to be gone
    unreviewed = frozenset(p for p, why in plan.coverage.skipped if why != "deleted")
    resolved = 0
    for thread, fp in threads_to_resolve(remembered.threads, plan.seen, unreviewed):
        await gh.resolve_thread(thread.node_id)
        await anyio.to_thread.run_sync(feedback.mark, ctx.engine, repo, number, fp, "fixed")
        resolved += 1
    return resolved
