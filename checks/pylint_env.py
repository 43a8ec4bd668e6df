"""A folder of links to pylint and its own dependencies only (see pylint_runner.py)."""

from __future__ import annotations

import importlib.metadata as md
import os
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement


def dependency_closure(root: str) -> list[md.Distribution]:
    seen: dict[str, md.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue  # an optional dependency not installed
        seen[key] = dist
        for text in dist.requires or []:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return list(seen.values())


def link_pylint_env(target: Path) -> Path:
    """Link every top-level module of pylint's distribution closure into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for dist in dependency_closure("pylint"):
        for top in {f.parts[0] for f in dist.files or []}:
            # dist-info folders come too: packages read their own version from metadata.
            if top.endswith((".data", ".pth")) or top in ("..", "__pycache__", "bin"):
                continue
            source = Path(str(dist.locate_file(top)))
            link = target / top
            if source.exists() and not link.exists():
                os.symlink(source, link)
    return target


_MESSAGE_SECTIONS = ("messages control", "messages_control", "pylint.messages control",
                     "pylint.messages_control")


def repo_pylint_disables(root: Path) -> list[str]:
    """The message ids a repository's pylint settings disable.

    Only this is taken from them: pylint settings can also load plugins and run an
    init-hook, i.e. import and execute code, which must never come near a PR's files.
    """
    import configparser
    import tomllib

    found: list[str] = []
    for name in (".pylintrc", "pylintrc", "setup.cfg", "tox.ini"):
        path = root / name
        if not path.is_file():
            continue
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read_string(path.read_text(errors="replace"))
        except configparser.Error:
            continue
        for section in parser.sections():
            if section.lower() in _MESSAGE_SECTIONS and parser.has_option(section, "disable"):
                found += _split(parser.get(section, "disable"))
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(errors="replace"))
        except tomllib.TOMLDecodeError:
            data = {}
        pylint_cfg = data.get("tool", {}).get("pylint", {})
        for key in ("messages control", "messages_control", "MESSAGES CONTROL"):
            value = pylint_cfg.get(key, {}).get("disable") if isinstance(
                pylint_cfg.get(key), dict) else None
            if isinstance(value, list):
                found += [str(v).strip() for v in value]
            elif isinstance(value, str):
                found += _split(value)
    return sorted({f for f in found if f and all(c.isalnum() or c in "-_" for c in f)})


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]
