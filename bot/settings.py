"""Settings read once from the environment and passed down (the only place that reads it)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from bot.errors import ConfigError

AUTHOR_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR",
                                 "FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "MANNEQUIN", "NONE"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    github_app_id: int | None = Field(default=None, validation_alias="GITHUB_APP_ID")
    github_private_key: SecretStr | None = Field(
        default=None, validation_alias="GITHUB_PRIVATE_KEY"
    )
    github_private_key_path: Path | None = Field(
        default=None, validation_alias="GITHUB_PRIVATE_KEY_PATH"
    )
    github_webhook_secret: SecretStr | None = Field(
        default=None, validation_alias="GITHUB_WEBHOOK_SECRET"
    )
    github_api_url: str = Field(default="https://api.github.com", validation_alias="GITHUB_API_URL")
    # Seconds between mutating GitHub requests per installation (GitHub's guidance: 1).
    github_write_interval: float = Field(default=1.0, ge=0,
                                         validation_alias="REVIEWBOT_GITHUB_WRITE_INTERVAL")
    # Seconds any one GitHub request may take (connect at most 10 s of it).
    github_timeout_seconds: float = Field(default=30.0, gt=0,
                                          validation_alias="REVIEWBOT_GITHUB_TIMEOUT")
    # The bot's own login is "<slug>[bot]"; events it caused are acknowledged and ignored.
    app_slug: str | None = Field(default=None, validation_alias="REVIEWBOT_APP_SLUG")

    # The operator's page (/ops) is off unless one of these is set: a password for HTTP
    # Basic (any user name) or a token for `Authorization: Bearer`.
    ops_password: SecretStr | None = Field(default=None, validation_alias="REVIEWBOT_OPS_PASSWORD")
    ops_token: SecretStr | None = Field(default=None, validation_alias="REVIEWBOT_OPS_TOKEN")

    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    model: str = Field(default="gpt-4o", validation_alias="REVIEWBOT_MODEL")
    fast_model: str = Field(default="gpt-4o-mini", validation_alias="REVIEWBOT_FAST_MODEL")
    # Tried once when a model still fails after the SDK's own retries.
    fallback_model: str | None = Field(default=None, validation_alias="REVIEWBOT_FALLBACK_MODEL")
    llm_timeout_seconds: float = Field(default=60.0, gt=0,
                                       validation_alias="REVIEWBOT_LLM_TIMEOUT")
    llm_max_retries: int = Field(default=2, ge=0, le=10,
                                 validation_alias="REVIEWBOT_LLM_MAX_RETRIES")
    # Model calls in flight at once per review (each checker asks about each file).
    llm_concurrency: int = Field(default=40, ge=1, le=256,
                                 validation_alias="REVIEWBOT_LLM_CONCURRENCY")
    # The aggregator drops a model finding it scores below this (0-10) when verifying it.
    llm_verify_threshold: int = Field(default=6, ge=0, le=10,
                                      validation_alias="REVIEWBOT_LLM_VERIFY_THRESHOLD")
    # Model findings below this confidence are not reported.
    llm_min_confidence: float = Field(default=0.6, ge=0, le=1,
                                      validation_alias="REVIEWBOT_LLM_MIN_CONFIDENCE")
    # Input tokens the critiques of one PR may send (0: no cap); files past it, in priority
    # order (source before tests and docs, most added lines first), are not read.
    llm_pr_tokens: int = Field(default=300_000, ge=0, validation_alias="REVIEWBOT_LLM_PR_TOKENS")
    # Model spend caps in USD (0: none): per pull request, and per installation per UTC day.
    budget_pr_usd: float = Field(default=1.0, ge=0, validation_alias="REVIEWBOT_BUDGET_PR_USD")
    budget_day_usd: float = Field(default=20.0, ge=0,
                                  validation_alias="REVIEWBOT_BUDGET_DAY_USD")
    # Paid commands (/review, /ask, /explain) per user and per PR in any hour (0: no limit).
    commands_per_user_hour: int = Field(default=10, ge=0,
                                        validation_alias="REVIEWBOT_COMMANDS_PER_USER_HOUR")
    commands_per_pull_hour: int = Field(default=20, ge=0,
                                        validation_alias="REVIEWBOT_COMMANDS_PER_PULL_HOUR")
    # Free commands (/help, /config, /ignore) per user in any hour (0: no limit): each is
    # answered with a comment, so a stranger's forty /help must not make forty comments.
    free_commands_per_user_hour: int = Field(
        default=10, ge=0, validation_alias="REVIEWBOT_FREE_COMMANDS_PER_USER_HOUR")
    # An embeddings model on the same OpenAI-compatible endpoint (e.g. nomic-embed-text):
    # triage then adds embedding similarity to its classifier and duplicate search.
    embeddings_model: str | None = Field(default=None,
                                         validation_alias="REVIEWBOT_EMBEDDINGS_MODEL")
    # A repository's stored triage model older than this is retrained from its labelled
    # issues at the next triage (0: only `reviewbot triage train` trains).
    triage_retrain_days: int = Field(default=30, ge=0,
                                     validation_alias="REVIEWBOT_TRIAGE_RETRAIN_DAYS")
    # Who may start paid commands, by GitHub author_association (comma-separated); a
    # CONTRIBUTOR not listed may still, when the permission API confirms write access.
    command_associations: str = Field(default="OWNER,MEMBER,COLLABORATOR",
                                      validation_alias="REVIEWBOT_COMMAND_ASSOCIATIONS")
    # Output tokens a call may write, per purpose (critique, verify, ask, triage), merged
    # with the defaults (bot/llm/client.py); a model that needs more is cut off, and says so.
    llm_max_tokens: dict[str, int] = Field(default_factory=dict,
                                           validation_alias="REVIEWBOT_LLM_MAX_TOKENS")
    # Sampling temperature of every call (0: the most repeatable answers); a model that
    # refuses the parameter is asked without it.
    llm_temperature: float = Field(default=0.0, ge=0, le=2,
                                   validation_alias="REVIEWBOT_LLM_TEMPERATURE")
    # USD per million tokens, {"model": [input, output]}; overrides the built-in table.
    model_prices: dict[str, tuple[float, float]] = Field(
        default_factory=dict, validation_alias="REVIEWBOT_MODEL_PRICES")

    database_url: str = Field(
        default="sqlite:///reviewbot.db",
        validation_alias=AliasChoices("DATABASE_URL", "REVIEWBOT_DATABASE_URL"),
    )
    sqlite_synchronous: Literal["NORMAL", "FULL"] = Field(
        default="FULL", validation_alias="REVIEWBOT_SQLITE_SYNCHRONOUS"
    )
    dry_run: bool = Field(default=False, validation_alias="REVIEWBOT_DRY_RUN")

    # Queue tuning; the defaults suit a single small installation.
    job_lease_seconds: float = Field(default=300.0, validation_alias="REVIEWBOT_JOB_LEASE_SECONDS")
    job_max_attempts: int = Field(default=5, validation_alias="REVIEWBOT_JOB_MAX_ATTEMPTS")
    job_backoff_base_seconds: float = Field(default=10.0, validation_alias="REVIEWBOT_BACKOFF_BASE")
    job_backoff_max_seconds: float = Field(default=3600.0, validation_alias="REVIEWBOT_BACKOFF_MAX")
    # A job still running after this long is stopped and failed (then retried).
    job_deadline_seconds: float = Field(default=900.0, gt=0,
                                        validation_alias="REVIEWBOT_JOB_DEADLINE")
    # Deliveries (full payloads) and their finished jobs are deleted after this many days;
    # 0 keeps them for ever. Workers prune every `prune_interval` seconds.
    delivery_retention_days: float = Field(default=30.0, ge=0,
                                           validation_alias="REVIEWBOT_RETENTION_DAYS")
    prune_interval_seconds: float = Field(default=3600.0, gt=0,
                                          validation_alias="REVIEWBOT_PRUNE_INTERVAL")
    worker_poll_seconds: float = Field(default=1.0, validation_alias="REVIEWBOT_POLL_SECONDS")
    shutdown_grace_seconds: float = Field(default=30.0, validation_alias="REVIEWBOT_SHUTDOWN_GRACE")
    max_body_bytes: int = Field(default=25 * 1024 * 1024, validation_alias="REVIEWBOT_MAX_BODY")
    # Hostile or broken clients: time to send the headers, then the body; bodies buffered
    # at once (count and bytes, 503 beyond); connections served at once (503 beyond).
    header_timeout_seconds: float = Field(default=10.0, gt=0,
                                          validation_alias="REVIEWBOT_HEADER_TIMEOUT")
    body_timeout_seconds: float = Field(default=20.0, gt=0,
                                        validation_alias="REVIEWBOT_BODY_TIMEOUT")
    max_inflight_bodies: int = Field(default=64, ge=1, validation_alias="REVIEWBOT_MAX_BODIES")
    max_buffered_bytes: int = Field(default=100 * 1024 * 1024, ge=1,
                                    validation_alias="REVIEWBOT_MAX_BUFFERED_BYTES")
    max_connections: int = Field(default=256, ge=1, validation_alias="REVIEWBOT_MAX_CONNECTIONS")
    keep_alive_seconds: float = Field(default=5.0, gt=0,
                                      validation_alias="REVIEWBOT_KEEP_ALIVE")
    log_level: str = Field(default="INFO", validation_alias="REVIEWBOT_LOG_LEVEL")

    @model_validator(mode="after")
    def _one_private_key(self) -> Settings:
        if self.github_private_key is not None and self.github_private_key_path is not None:
            raise ValueError("set GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH, not both")
        return self

    def webhook_secret_bytes(self) -> bytes:
        if self.github_webhook_secret is None or not self.github_webhook_secret.get_secret_value():
            raise ConfigError(
                "GITHUB_WEBHOOK_SECRET is not set: reviewbot refuses to accept unsigned "
                "webhooks. Set it to the secret configured on your GitHub App."
            )
        return self.github_webhook_secret.get_secret_value().encode()

    def private_key_pem(self) -> str | None:
        if self.github_private_key is not None:
            return self.github_private_key.get_secret_value()
        if self.github_private_key_path is not None:
            try:
                return self.github_private_key_path.read_text()
            except OSError as exc:
                raise ConfigError(f"cannot read GITHUB_PRIVATE_KEY_PATH: {exc}") from exc
        return None

    @field_validator("command_associations")
    @classmethod
    def _known_associations(cls, value: str) -> str:
        names = [n.strip().upper() for n in value.split(",") if n.strip()]
        unknown = sorted(set(names) - AUTHOR_ASSOCIATIONS)
        if unknown:
            raise ValueError(f"unknown author associations {unknown}; known: "
                             f"{sorted(AUTHOR_ASSOCIATIONS)}")
        return ",".join(names)

    @property
    def allowed_associations(self) -> frozenset[str]:
        return frozenset(self.command_associations.split(",")) - {""}

    def secret_values(self) -> list[str]:
        """Every secret value, so the log redactor can mask them wherever they appear."""
        values = [
            s.get_secret_value()
            for s in (self.github_webhook_secret, self.github_private_key, self.openai_api_key,
                      self.ops_password, self.ops_token)
            if s is not None and s.get_secret_value()
        ]
        return values

    @property
    def llm_enabled(self) -> bool:
        return self.openai_api_key is not None or self.openai_base_url is not None


class _EnvironSource(EnvSettingsSource):
    """The environment source, reading a given mapping instead of the process's."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty,
                              self.env_parse_none_str)


def settings_from(environ: Mapping[str, str]) -> Settings:
    """Settings read from `environ` alone (not the process's environment), parsed exactly as
    the environment is."""
    class FromEnviron(Settings):
        @classmethod
        def settings_customise_sources(
            cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, _EnvironSource(settings_cls, environ))
    return FromEnviron()
