"""What reviewbot takes from the settings of its non-Python linters, and only that (pure).

As for ruff and pylint (settings.py): the files come from the default branch, never the
PR's, and are not handed to the tools as they are. A setting that names another file, a
plugin or a network resource (oxlint's `extends`, `plugins`, `jsPlugins`; shellcheck's
`source-path` and `external-sources`; zizmor's anything but `rules`) is dropped with a note;
what is kept is written outside the snapshot and passed explicitly, and every tool is told
not to look for a configuration of its own in the snapshot."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.core.inert import code_span

OXLINT_FILE = ".oxlintrc.json"
SHELLCHECK_FILE = ".shellcheckrc"
HADOLINT_FILES = (".hadolint.yaml", ".hadolint.yml")
ZIZMOR_FILES = ("zizmor.yml", ".github/zizmor.yml")
OTHER_CONFIG_FILES = (OXLINT_FILE, SHELLCHECK_FILE, *HADOLINT_FILES, *ZIZMOR_FILES)

OXLINT_KEYS = frozenset({"rules", "globals", "env"})  # data only: what to report, which names
OXLINT_LEVELS = frozenset({"off", "allow", "warn", "error", "deny", 0, 1, 2})
SHELLCHECK_KEYS = frozenset({"disable", "enable", "shell"})
SHELLS = frozenset({"sh", "bash", "dash", "ksh", "busybox"})
HADOLINT_KEYS = frozenset({"ignored", "trustedRegistries", "override"})
CODE = re.compile(r"^(?:SC\d{4}|DL\d{4}|all|[a-z][a-z0-9-]*)$")
NAME = re.compile(r"^@?[A-Za-z0-9][A-Za-z0-9/_-]{0,119}$")  # a rule or a global's name
REGISTRY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.:/_-]{0,199}$")
MAX_ENTRIES = 500


@dataclass(frozen=True)
class OtherToolSettings:
    oxlint: Mapping[str, Any] = field(default_factory=dict)  # .oxlintrc.json, data keys
    shellcheck_disable: tuple[str, ...] = ()
    shellcheck_enable: tuple[str, ...] = ()
    shellcheck_shell: str | None = None
    hadolint: Mapping[str, Any] = field(default_factory=dict)
    zizmor: Mapping[str, Any] = field(default_factory=dict)  # zizmor.yml's `rules`


def load_other_settings(texts: Mapping[str, str], notes: list[str]) -> OtherToolSettings:
    disable, enable, shell = _shellcheck(texts.get(SHELLCHECK_FILE), notes)
    hadolint_name = next((n for n in HADOLINT_FILES if n in texts), None)
    zizmor_name = next((n for n in ZIZMOR_FILES if n in texts), None)
    return OtherToolSettings(
        oxlint=_oxlint(texts.get(OXLINT_FILE), notes),
        shellcheck_disable=disable, shellcheck_enable=enable, shellcheck_shell=shell,
        hadolint=_hadolint(hadolint_name, texts.get(hadolint_name or ""), notes),
        zizmor=_zizmor(zizmor_name, texts.get(zizmor_name or ""), notes))


def _strip_comments(text: str) -> str:
    """.oxlintrc.json may carry // and /* */ comments (JSONC); strings are left alone."""
    return re.sub(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "",
                  text, flags=re.DOTALL)


def _oxlint(text: str | None, notes: list[str]) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        data = json.loads(_strip_comments(text))
    except json.JSONDecodeError:
        notes.append(f"{code_span(OXLINT_FILE)} was ignored: it is not JSON")
        return {}
    if not isinstance(data, dict):
        notes.append(f"{code_span(OXLINT_FILE)} was ignored: it is not a JSON object")
        return {}
    dropped = sorted(k for k in data if k not in OXLINT_KEYS and k != "$schema")
    if dropped:
        notes.append(f"{code_span(OXLINT_FILE)}: {', '.join(code_span(k) for k in dropped)} "
                     "ignored (reviewbot applies only rules, globals and env)")
    out: dict[str, Any] = {}
    rules = data.get("rules")
    if isinstance(rules, dict):
        out["rules"] = {name: level for name, level in list(rules.items())[:MAX_ENTRIES]
                        if isinstance(name, str) and NAME.match(name) and _oxlint_level(level)}
    for key in ("globals", "env"):
        value = data.get(key)
        if isinstance(value, dict):
            out[key] = {k: v for k, v in list(value.items())[:MAX_ENTRIES]
                        if isinstance(k, str) and NAME.match(k)
                        and isinstance(v, bool | str)}
    return out


def _oxlint_level(level: object) -> bool:
    """A severity, or [severity, options...] with options that are plain JSON data."""
    if isinstance(level, list) and level:
        return _hashable_level(level[0]) and all(
            isinstance(o, str | int | float | bool | dict | list) for o in level[1:])
    return _hashable_level(level)


def _hashable_level(level: object) -> bool:
    return isinstance(level, str | int) and not isinstance(level, bool) \
        and level in OXLINT_LEVELS


def _shellcheck(text: str | None, notes: list[str]
                ) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    if text is None:
        return (), (), None
    disable: list[str] = []
    enable: list[str] = []
    shell: str | None = None
    dropped: set[str] = set()
    for raw in text.splitlines()[:MAX_ENTRIES]:
        line = raw.split("#", 1)[0].strip()
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            continue
        if key not in SHELLCHECK_KEYS:
            dropped.add(key[:40])
            continue
        if key == "shell":
            shell = value if value in SHELLS else shell
            continue
        codes = [c.strip() for c in value.split(",") if CODE.match(c.strip())]
        (disable if key == "disable" else enable).extend(codes)
    if dropped:
        notes.append(f"{code_span(SHELLCHECK_FILE)}: {', '.join(sorted(dropped))} ignored "
                     "(reviewbot applies only disable, enable and shell)")
    return tuple(disable), tuple(enable), shell


def _yaml_mapping(name: str, text: str, notes: list[str]) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        notes.append(f"{code_span(name)} was ignored: it is not valid YAML")
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        notes.append(f"{code_span(name)} was ignored: it is not a mapping")
        return None
    return data


def _hadolint(name: str | None, text: str | None, notes: list[str]) -> dict[str, Any]:
    if name is None or text is None:
        return {}
    data = _yaml_mapping(name, text, notes)
    if not data:
        return {}
    dropped = sorted(str(k) for k in data if k not in HADOLINT_KEYS)
    if dropped:
        notes.append(f"{code_span(name)}: {', '.join(dropped)} ignored (reviewbot applies "
                     "only ignored, trustedRegistries and override)")
    out: dict[str, Any] = {}
    for key in ("ignored", "trustedRegistries"):
        if isinstance(data.get(key), list):
            pattern = CODE if key == "ignored" else REGISTRY
            out[key] = [str(v) for v in data[key][:MAX_ENTRIES]
                        if isinstance(v, str) and pattern.match(v)]
    override = data.get("override")
    if isinstance(override, dict):
        out["override"] = {level: [c for c in codes[:MAX_ENTRIES]
                                   if isinstance(c, str) and CODE.match(c)]
                           for level, codes in override.items()
                           if level in ("error", "warning", "info", "style")
                           and isinstance(codes, list)}
    return out


def _zizmor(name: str | None, text: str | None, notes: list[str]) -> dict[str, Any]:
    """zizmor.yml's `rules`: per audit, the findings to ignore (`file.yml:line`) and the
    audit's own options (data)."""
    if name is None or text is None:
        return {}
    data = _yaml_mapping(name, text, notes)
    if not data:
        return {}
    dropped = sorted(str(k) for k in data if k != "rules")
    if dropped:
        notes.append(f"{code_span(name)}: {', '.join(dropped)} ignored (reviewbot applies "
                     "only rules)")
    rules = data.get("rules")
    if not isinstance(rules, dict):
        return {}
    out: dict[str, Any] = {}
    for audit, body in list(rules.items())[:MAX_ENTRIES]:
        if not (isinstance(audit, str) and NAME.match(audit) and isinstance(body, dict)):
            continue
        kept: dict[str, Any] = {}
        if isinstance(body.get("ignore"), list):
            kept["ignore"] = [str(i) for i in body["ignore"][:MAX_ENTRIES]
                              if isinstance(i, str | int)]
        if isinstance(body.get("config"), dict):
            kept["config"] = body["config"]
        if isinstance(body.get("disable"), bool):
            kept["disable"] = body["disable"]
        out[audit] = kept
    return {"rules": out} if out else {}
