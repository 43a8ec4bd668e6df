"""What one review job may post, decided from what is already known (pure): the run the
store holds for this head, a review of ours found on GitHub for it, a re-run, a dry run.

Idempotent across retries, crashes and re-runs: a review is posted at most once per head;
a check run created before a crash is found again rather than left spinning beside a new
one; a re-run (the check's button, `/review`) gets a fresh check run, never a second review.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# What to do about the check run before reviewing: keep the stored one, adopt an open one
# of ours or else create one, create one (a re-run), or none (a dry run posts nothing).
CheckRun = Literal["keep", "adopt-or-create", "create", "none"]


@dataclass(frozen=True)
class Known:
    """What is known before the review runs."""

    stored_review: int | None  # the review id the store holds for this head
    stored_check: int | None  # the check run id the store holds for this head
    check_completed: bool  # the stored check run was completed
    found_review: int | None = None  # a review of ours on GitHub marked with this head
    # A completed check run of ours on this head (looked for only when the store knows no
    # review: a workflow's store starts empty each run, and its re-run must post nothing).
    found_check_completed: bool = False
    rerun: bool = False
    dry_run: bool = False


@dataclass(frozen=True)
class Posting:
    skip: str = ""  # why nothing at all is done ("" : go on)
    adopt_review: int | None = None  # a review posted before the store heard of it
    check: CheckRun = "keep"
    post_review: bool = True  # post the review (else only the check run, if any)


def decide_posting(k: Known) -> Posting:
    if k.stored_review is not None and k.check_completed and not k.rerun:
        return Posting(skip="already reviewed at this head; nothing to post")
    adopt = k.found_review if k.stored_review is None else None
    if adopt is not None and k.found_check_completed and not (k.rerun or k.dry_run):
        return Posting(skip="already reviewed at this head (found on GitHub); nothing to post")
    reviewed = k.stored_review is not None or adopt is not None
    if k.dry_run:
        return Posting(adopt_review=adopt, check="none" if k.stored_check is None or (
            k.rerun and k.check_completed) else "keep", post_review=False)
    if k.rerun and k.check_completed:
        check: CheckRun = "create"
    elif k.stored_check is not None:
        check = "keep"
    else:
        check = "create" if k.rerun else "adopt-or-create"
    return Posting(adopt_review=adopt, check=check, post_review=not reviewed)
