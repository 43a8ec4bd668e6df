"""GitHub through one token, as a workflow reaches it: the same clients as the App's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from githubkit import TokenAuthStrategy

from bot.core.redact import SecretMask
from bot.core.repo_config import CONFIG_PATH
from bot.errors import ConfigError
from bot.github.gateway import GitHubApp, InstallationClient, Shared
from bot.github.identity import AppIdentity
from bot.github.transport import Connection, MutationPacer, RequestTally, configured_github


class TokenGitHub:
    """GitHub through one token (a workflow's GITHUB_TOKEN, or an App installation token
    minted by the workflow): the same clients as the App's, for the one repository the
    token was issued for. Its own identity is the token's bot login (`github-actions[bot]`
    for GITHUB_TOKEN): markers count only from what that login wrote."""

    def __init__(self, *, token: str, connection: Connection, login: str,
                 secrets: Sequence[str] = (), read_only: bool = False,
                 config_path: str = CONFIG_PATH) -> None:
        if not login.endswith("[bot]"):
            raise ConfigError(f"the token's login must be a bot's (`name[bot]`), not {login!r}:"
                              " a person's comments must never count as reviewbot's own")
        slug = login.removesuffix("[bot]")
        self.identity = AppIdentity(slug, self._configured_slug(slug))
        self.mask = SecretMask([*secrets, token])
        self._pacer = MutationPacer(connection.mutation_interval)
        self._transport, self._github = configured_github(TokenAuthStrategy(token), connection)
        self._client: InstallationClient | None = None
        self.shared = Shared(self.mask, None, self.identity, RequestTally(), read_only,
                             config_path)

    @staticmethod
    def _configured_slug(slug: str) -> Callable[[], Awaitable[object]]:
        async def ask() -> object:
            return slug  # GET /app needs an App's JWT; the login is configured
        return ask

    def installation(self, installation_id: int) -> InstallationClient:
        """The one client (one token, one repository): its request count is the run's."""
        if self._client is None:
            self._client = InstallationClient(self._github, self._pacer, self.shared,
                                              installation_id)
        return self._client

    @property
    def requests_sent(self) -> int:
        return self.shared.tally.total

    async def aclose(self) -> None:
        await self._transport.close_pool()


# What the handlers reach GitHub through: an App (per installation) or one token.
GitHubAccess = GitHubApp | TokenGitHub
