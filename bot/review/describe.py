"""`/describe`: the walkthrough of the PR as it is now, posted as one comment of reviewbot's
that later asks update (found again by its hidden marker, and only among reviewbot's own
comments: anyone can paste the marker). No model is needed."""

from __future__ import annotations

from bot.core.description import with_section
from bot.core.limits import fit_body
from bot.core.payloads import PullRef
from bot.github.gateway import InstallationClient
from bot.github.issues import edit_issue_comment, find_own_comment
from bot.review.remote import pull_now, request_from_pull
from bot.review.walkthrough import walkthrough_markdown

MARKER = "<!-- reviewbot:walkthrough -->"


async def describe(gh: InstallationClient, ref: PullRef) -> int:
    """Post or update the walkthrough comment (its id); with `walkthrough_in_description`,
    reviewbot's own section of the PR description too."""
    pull = await pull_now(gh, ref)
    request = await request_from_pull(gh, pull, set())
    sources = {p: c.decode("utf-8", "replace") for p, c in request.contents.items()
               if c is not None}
    text = walkthrough_markdown(request.diff, sources) or "### Walkthrough\n\nNo changed files."
    body = (f"{text}\n\n<sub>At {pull.info.head_sha[:12]}; `/describe` updates this comment."
            f"</sub>\n{MARKER}")
    repo = ref.where.repo
    if pull.config.config.walkthrough_in_description:
        await update_description(gh, repo, ref.number, text)
    found = await find_own_comment(gh, repo, ref.number, MARKER)
    if found is not None:
        await edit_issue_comment(gh, repo, found, body)
        return found
    return await gh.create_issue_comment(repo, ref.number, body)


async def update_description(gh: InstallationClient, repo: str, number: int,
                             walkthrough: str) -> None:
    """reviewbot's section of the description, between its markers; the author's text as
    it is (read just before, so an edit of theirs is kept)."""
    data = await gh.request("GET", f"/repos/{repo}/pulls/{number}")
    current = data.get("body") if isinstance(data, dict) else None
    body = with_section(str(current) if current is not None else None, walkthrough)
    if body != current:
        await gh.request("PATCH", f"/repos/{repo}/pulls/{number}", json={"body": fit_body(body)})
