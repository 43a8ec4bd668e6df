"""A PR's life between reviews. Before a review: what people with write access did with
reviewbot's own comments (👍/👎, threads they resolved, /ignore) is read and remembered, so
that a finding they dismissed is not repeated inline on the PR and a repository's feedback
can quiet a rule. Nobody else's feedback counts: not the PR's author without write access,
not an outsider, not a comment that merely carries copies of reviewbot's markers.
After a review: the comments just posted are recorded, and reviewbot's own threads on
findings that are gone from the new head are resolved, unless someone replied in them."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.markers import posted_fingerprint
from bot.core.payloads import PullRef
from bot.core.plan import ReviewPlan
from bot.errors import GitHubError
from bot.github.gateway import InstallationClient
from bot.github.models import ReviewComment
from bot.github.permissions import Deciders
from bot.github.threads import ReviewThread
from bot.store import feedback
from bot.store.decisions import PullDecisions, Said

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PullMemory:
    own_comments: Sequence[ReviewComment] = ()
    threads: Sequence[ReviewThread] = ()
    threads_known: bool = True  # False: GraphQL failed; no thread is resolved this time
    own_login: str = ""
    # Dismissed by a person with write access (fingerprint -> who and how): not repeated
    # inline on this PR, kept in the check run, not counted in its conclusion.
    rejected: Mapping[str, str] = field(default_factory=dict)
    ignored_rules: Mapping[str, str] = field(default_factory=dict)
    suppressed_rules: Mapping[str, str] = field(default_factory=dict)

    @property
    def posted(self) -> frozenset[str]:
        """The fingerprints of reviewbot's own comments on the PR."""
        return frozenset(fp for c in self.own_comments
                         if (fp := posted_fingerprint(c.body)) is not None)


def own_fingerprint(thread: ReviewThread, own_login: str) -> str | None:
    """The finding a thread is about, when reviewbot itself opened it."""
    if not own_login or not thread.comments or thread.comments[0].author != own_login:
        return None
    return posted_fingerprint(thread.comments[0].body)


def replied_by_others(thread: ReviewThread, own_login: str) -> bool:
    """Someone other than reviewbot (a person, or another bot) answered in the thread."""
    return any(c.author != own_login for c in thread.comments[1:])


def threads_to_resolve(threads: Iterable[ReviewThread], seen: frozenset[str],
                       unreviewed: frozenset[str],
                       own_login: str) -> list[tuple[ReviewThread, str]]:
    """reviewbot's open threads whose finding nothing reported at the new head, on files
    that were reviewed (or deleted) this time, where nobody else replied (pure)."""
    out = []
    for thread in threads:
        fp = own_fingerprint(thread, own_login)
        if (fp is None or thread.resolved or replied_by_others(thread, own_login)
                or fp in seen or thread.path in unreviewed):
            continue
        out.append((thread, fp))
    return out


async def _votes(gh: InstallationClient, repo: str, comments: Sequence[ReviewComment],
                 deciders: Deciders) -> tuple[dict[str, tuple[int, int]], dict[str, str]]:
    """👍/👎 per fingerprint counted only from people with write access (GitHub's counts
    include anyone's, so the reactions are listed with their users when there are any),
    and who turned each finding down."""
    counts: dict[str, tuple[int, int]] = {}
    down_by: dict[str, str] = {}
    for c in comments:
        fp = posted_fingerprint(c.body)
        if fp is None:
            continue
        up = down = 0
        if c.up or c.down:
            try:
                reactions = await gh.reactions_of(repo, c.id)
            except GitHubError as exc:  # who reacted is unknown: nobody's reaction counts
                log.warning("reactions unavailable: %s", exc, extra={"repo": repo})
                reactions = []
            for login, content in reactions:
                if content not in ("+1", "-1") or not await deciders.may_decide(login):
                    continue
                if content == "+1":
                    up += 1
                else:
                    down += 1
                    down_by.setdefault(fp, login)
        counts[fp] = (up, down)
    return counts, down_by


async def remember(decisions: PullDecisions, gh: InstallationClient,
                   ref: PullRef) -> PullMemory:
    """Read what people with write access did with reviewbot's comments since the last
    review, and remember it (votes, resolutions, turned-down findings) in the store."""
    repo, number = ref.where.repo, ref.number
    own_login = await gh.own_login()
    comments = await gh.own_review_comments(repo, number)
    try:
        threads, known = await gh.review_threads(repo, number), True
    except GitHubError as exc:  # reviews go on without thread state; said in the log
        log.warning("review threads unavailable: %s", exc, extra={"repo": repo})
        threads, known = [], False
    deciders = Deciders(gh, repo)
    counts, down_by = await _votes(gh, repo, comments, deciders)
    fixed = await decisions.fixed(repo, number)
    resolved_by: dict[str, str] = {}
    for t in threads:
        fp = own_fingerprint(t, own_login)
        if (t.resolved and fp is not None and fp not in fixed and t.resolved_by
                and await deciders.may_decide(t.resolved_by)):
            resolved_by[fp] = t.resolved_by
    down = {fp: f"@{who} (a thumbs-down)" for fp, (up, n) in counts.items()
            if n > up and (who := down_by.get(fp))}
    ignored = await decisions.remember(repo, number, Said(counts, resolved_by, down))
    suppressed = await decisions.suppressed_rules(repo)
    return PullMemory(own_comments=comments, threads=threads, threads_known=known,
                      own_login=own_login, rejected=dict(ignored.fingerprints),
                      ignored_rules=dict(ignored.rules), suppressed_rules=suppressed)


async def settle(decisions: PullDecisions, gh: InstallationClient, ref: PullRef,
                 plan: ReviewPlan, remembered: PullMemory) -> int:
    """Record what was posted and resolve reviewbot's threads on findings that are gone;
    the number of threads resolved."""
    repo, number = ref.where.repo, ref.number
    by_fp = {f.fingerprint: f for f in plan.findings}
    posted = [feedback.Posted(c.fingerprint, f.tool, f.rule, f.checker)
              for c in plan.comments if (f := by_fp.get(c.fingerprint)) is not None]
    await decisions.record_posted(repo, number, posted)
    if plan.seen is None or not remembered.threads_known:
        return 0  # a tool or the model failed: what it did not see is not known to be gone
    unreviewed = frozenset(p for p, why in plan.coverage.skipped if why != "deleted")
    resolved = 0
    for thread, fp in threads_to_resolve(remembered.threads, plan.seen, unreviewed,
                                         remembered.own_login):
        await gh.resolve_thread(thread.node_id)
        await decisions.mark_fixed(repo, number, fp)
        resolved += 1
    return resolved
