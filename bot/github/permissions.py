"""Who may decide about reviewbot's findings on a repository: people with write access,
as the collaborator permission API says (an `author_association` is not a permission: an
org MEMBER may have no access to the repository, a COLLABORATOR may only read). Never
reviewbot itself, never another bot."""

from __future__ import annotations

import logging

from bot.errors import GitHubError
from bot.github.gateway import InstallationClient

log = logging.getLogger(__name__)

WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})
REPOSITORY_PERMISSIONS = frozenset({"admin", "maintain"})  # may decide for the whole repo


class Deciders:
    """The permission API asked once per login for one job (a job is minutes long; a
    permission revoked meanwhile counts from the next job)."""

    def __init__(self, gh: InstallationClient, repo: str) -> None:
        self._gh = gh
        self._repo = repo
        self._known: dict[str, str] = {}

    async def permission(self, login: str) -> str:
        if not login or login.endswith("[bot]"):
            return "none"  # bots, reviewbot included, decide nothing
        if login not in self._known:
            try:
                self._known[login] = await self._gh.permission_of(self._repo, login)
            except GitHubError as exc:  # fail closed: unknown permission decides nothing
                log.warning("permission of a user unavailable: %s", exc,
                            extra={"repo": self._repo})
                return "none"
        return self._known[login]

    async def may_decide(self, login: str) -> bool:
        """May dismiss a finding on a PR (👍/👎, /ignore, resolving a thread)."""
        return await self.permission(login) in WRITE_PERMISSIONS

    async def may_decide_for_repository(self, login: str) -> bool:
        """May silence something in the whole repository (/ignore --repo)."""
        return await self.permission(login) in REPOSITORY_PERMISSIONS
