"""What every command does at start-up: settings (without echoing values), JSON logging,
process hardening."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from collections.abc import Mapping

from pydantic import ValidationError

from bot.errors import ConfigError
from bot.settings import Settings, settings_from

log = logging.getLogger(__name__)
PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from `environ` (by default the process's environment)."""
    try:
        return Settings() if environ is None else settings_from(environ)
    except ValidationError as exc:
        # Never pydantic's own text: it echoes the input, i.e. the secrets.
        raise ConfigError(f"invalid settings: {settings_problems(exc)}") from None


def settings_problems(exc: ValidationError) -> str:
    """Which settings are wrong and why, without any of their values."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
        for err in exc.errors(include_input=False, include_url=False, include_context=False))


def setup_logging(settings: Settings) -> None:
    from bot.obs.logs import configure_logging

    configure_logging(settings.log_level, settings.secret_values())


def make_undumpable() -> bool:
    """Linux: mark this process non-dumpable. Its /proc/<pid>/environ (which holds the App
    key and the webhook secret) then belongs to root, so another process of the same user,
    such as a linter misled into reading it, is refused; no core dump holds them either.
    Children get the default back at exec. Returns whether it took effect."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        log.warning("could not mark the process non-dumpable",
                    extra={"errno": ctypes.get_errno()})
        return False
    return bool(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0)
