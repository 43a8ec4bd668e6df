"""Prompt templates: package data of `prompts/`, read with importlib.resources and rendered
strictly (a missing variable is an error, never an empty hole in a prompt)."""

from __future__ import annotations

import functools
import string
from importlib import resources

from bot.errors import ConfigError

PROMPT_VERSION = "critique-2"


@functools.cache  # package data: read once per process, not once per model call
def load(name: str) -> str:
    try:
        return resources.files("prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"prompt template {name!r} is missing from prompts/") from exc


def critique_prompt(checker: str) -> str:
    """The system prompt of one checker's critique: the shared frame (critique.md) with the
    checker's focus (<checker>.md)."""
    return render("critique", checker=checker, focus=load(checker).strip())


def render(name: str, **values: str) -> str:
    try:
        return string.Template(load(name)).substitute(values)
    except KeyError as exc:
        raise ConfigError(f"prompt {name!r} needs a value for {exc.args[0]!r}") from exc
