"""What a workflow run gives reviewbot, read from its environment once (pure): the event,
its payload file, the token, the repository, the API's address (GitHub Enterprise too) and
the step summary file; and the Action's own inputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.core.findings import Severity
from bot.core.repo_config import CONFIG_PATH
from bot.errors import ConfigError
from bot.review.snapshot import UnsafePath, safe_relpath

DEFAULT_LOGIN = "github-actions[bot]"  # who GITHUB_TOKEN writes as
DEFAULT_MAX_WAIT = 300.0  # seconds a rate-limited run may wait for GitHub's reset


@dataclass(frozen=True)
class ActionEnv:
    event_name: str
    event_path: Path
    token: str
    repository: str
    api_url: str
    step_summary: Path | None
    run_id: str
    run_attempt: str
    login: str  # the token's bot login: only what it wrote counts as reviewbot's own
    fail_on: Severity | None
    max_wait_seconds: float
    database_url: str | None  # a store kept between runs (e.g. restored by actions/cache)
    config_path: str = CONFIG_PATH  # read from the default branch only

    @property
    def delivery_id(self) -> str:
        return f"actions-{self.run_id}-{self.run_attempt}"


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set: `reviewbot action` runs inside a GitHub "
                          "workflow (see action.yml), which sets it")
    return value


def read_action_env(env: Mapping[str, str]) -> ActionEnv:
    """The run's facts, or a clear error naming what is missing or wrong."""
    fail_on_text = env.get("REVIEWBOT_FAIL_ON", "").strip()
    try:
        fail_on = Severity.parse(fail_on_text) if fail_on_text else None
    except ValueError as exc:
        raise ConfigError(f"REVIEWBOT_FAIL_ON: {exc}") from exc
    wait_text = env.get("REVIEWBOT_MAX_WAIT", "").strip()
    try:
        max_wait = float(wait_text) if wait_text else DEFAULT_MAX_WAIT
    except ValueError as exc:
        raise ConfigError(f"REVIEWBOT_MAX_WAIT is not a number of seconds: {wait_text!r}") \
            from exc
    if not 0 <= max_wait <= 3600:
        raise ConfigError("REVIEWBOT_MAX_WAIT must be between 0 and 3600 seconds")
    summary = env.get("GITHUB_STEP_SUMMARY", "").strip()
    token = env.get("GITHUB_TOKEN", "").strip() or env.get("INPUT_GITHUB-TOKEN", "").strip()
    if not token:
        raise ConfigError("GITHUB_TOKEN is not set: pass `github-token` (by default the "
                          "workflow's own `${{ github.token }}`)")
    return ActionEnv(
        event_name=_required(env, "GITHUB_EVENT_NAME"),
        event_path=Path(_required(env, "GITHUB_EVENT_PATH")),
        token=token,
        repository=_required(env, "GITHUB_REPOSITORY"),
        api_url=env.get("GITHUB_API_URL", "").strip() or "https://api.github.com",
        step_summary=Path(summary) if summary else None,
        run_id=env.get("GITHUB_RUN_ID", "").strip() or "local",
        run_attempt=env.get("GITHUB_RUN_ATTEMPT", "").strip() or "1",
        login=env.get("REVIEWBOT_BOT_LOGIN", "").strip() or DEFAULT_LOGIN,
        fail_on=fail_on,
        max_wait_seconds=max_wait,
        database_url=env.get("REVIEWBOT_DATABASE_URL", "").strip() or None,
        config_path=_config_path(env.get("REVIEWBOT_CONFIG_PATH", "").strip() or CONFIG_PATH),
    )


def _config_path(path: str) -> str:
    """A file of the repository: relative, inside it, as written (no `a//b`), a YAML file."""
    try:
        safe = safe_relpath(path)
    except UnsafePath:
        safe = ""
    if safe != path or len(path) > 200 or not path.endswith((".yml", ".yaml")):
        raise ConfigError(f"REVIEWBOT_CONFIG_PATH must be a .yml file inside the repository, "
                          f"not {path[:200]!r}")
    return path
