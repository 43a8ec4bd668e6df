"""Who may start paid work or dismiss a finding, for a comment's author."""

from __future__ import annotations

from bot.core.commands import AMBIGUOUS_ASSOCIATIONS, may_spend
from bot.core.payloads import CommentRef
from bot.github.gateway import InstallationClient
from bot.github.permissions import Deciders
from bot.jobs.context import Services


async def has_write_access(ctx: Services, gh: InstallationClient, ref: CommentRef) -> bool:
    """Whether the comment's author may start paid work (/review, /ask, /explain, /triage)
    or dismiss a finding: write access as the permission API says. An association is a
    hint, not a permission (an org MEMBER may have no access to this repository; a
    COLLABORATOR may only read): it only spares the API call for those who cannot have
    write access (NONE, FIRST_TIMER, ...) or whom the operator did not allow."""
    association = ref.association.upper()
    if not (may_spend(association, ctx.settings.allowed_associations)
            or association in AMBIGUOUS_ASSOCIATIONS) or not ref.author:
        return False
    return await Deciders(gh, ref.where.repo).may_decide(ref.author)
