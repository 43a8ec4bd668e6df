"""What reviewbot takes from a repository's linter configuration, and only that (pure).

The input is the default branch's configuration files (never the PR's: a PR must not
configure or switch off its own review). Even those are not handed to the tools as they
are: a linter setting can name another file to read (`extend`, `--rcfile`, plugins,
`init-hook`), and a tool that fails on such a file prints its contents in its error. So each
tool gets a configuration *built* here from an allow-list of keys, written outside the
snapshot and passed explicitly; everything else is dropped with a note the summary shows.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import PurePosixPath
from typing import Any

import yaml

from bot.core.inert import code_span, inert
from checks.linters.excludes import Excludes, as_patterns, ini_file, repository_excludes
from checks.linters.other_settings import (
    OTHER_CONFIG_FILES,
    OtherToolSettings,
    load_other_settings,
)

# The files fetched from the default branch (repository root only).
LINTER_CONFIG_FILES = (
    "pyproject.toml", "setup.cfg", "tox.ini", ".pylintrc", "pylintrc", "ruff.toml",
    ".ruff.toml", ".bandit", ".semgrep.yml", ".semgrep.yaml", ".flake8",
    ".pre-commit-config.yaml", *OTHER_CONFIG_FILES,
)
RUFF_FILES = (".ruff.toml", "ruff.toml", "pyproject.toml")  # ruff's own precedence
SEMGREP_FILES = (".semgrep.yml", ".semgrep.yaml")

# ruff settings that only choose rules, their options and which files they apply to.
# Left out on purpose: `extend` (handled below), `cache-dir`, `src`, `namespace-packages`,
# `required-version`, `output-format`, `fix`, `format`, `analyze`: paths to read or write,
# or settings that change what ruff does rather than what it reports.
RUFF_TOP_KEYS = frozenset({
    "line-length", "indent-width", "target-version", "preview", "builtins", "exclude",
    "extend-exclude", "extend-include", "include", "per-file-target-version",
    "respect-gitignore", "force-exclude", "lint",
})
# Rule settings ruff used to accept at the top level; moved under `lint` when found there.
RUFF_LEGACY_LINT_KEYS = frozenset({
    "select", "ignore", "extend-select", "extend-ignore", "per-file-ignores",
    "extend-per-file-ignores", "dummy-variable-rgx", "allowed-confusables", "task-tags",
    "typing-modules", "explicit-preview-rules", "extend-safe-fixes", "extend-unsafe-fixes",
})
# Settings that cannot change what ruff reports: dropped without a note (a note on every
# review of a repository with `[tool.ruff.format]` would be noise).
RUFF_SILENT_KEYS = frozenset({
    "format", "cache-dir", "src", "namespace-packages", "required-version", "output-format",
    "fix", "unsafe-fixes", "show-fixes", "show-source", "analyze",
})
MAX_EXTEND_DEPTH = 3
MAX_SEMGREP_RULES = 500


@dataclass(frozen=True)
class LinterSettings:
    """The repository's linter preferences, reduced to what is safe to apply."""

    ruff: Mapping[str, Any] | None = None  # a ruff.toml's content, or None: ours only
    pylint_disable: tuple[str, ...] = ()
    bandit_skip: tuple[str, ...] = ()
    semgrep_rules: str | None = None  # validated YAML text of the repository's rules
    notes: tuple[str, ...] = field(default=())  # what was ignored, and why
    # The oldest Python the project supports (`requires-python`), as ruff names it: ruff
    # infers it only from a pyproject.toml it reads itself, and it reads ours.
    python_target: str | None = None
    # What the repository's black, flake8 and pre-commit settings leave out (ruff's are in
    # `ruff`): applied to every tool.
    excludes: Excludes = field(default_factory=Excludes)
    # oxlint's, shellcheck's, hadolint's and zizmor's (other_settings.py).
    others: OtherToolSettings = field(default_factory=OtherToolSettings)

    def excluded_by(self, path: str) -> str | None:
        """The tool whose settings leave `path` out of the review, or None."""
        if ruff_excluded(self.ruff, path):
            return "ruff"
        return self.excludes.excluded_by(path)


def load_linter_settings(files: Mapping[str, bytes]) -> LinterSettings:
    notes: list[str] = []
    texts = {name: data.decode("utf-8", errors="replace") for name, data in files.items()
             if name in LINTER_CONFIG_FILES}
    excludes = repository_excludes(texts)
    notes += excludes.notes
    others = load_other_settings(texts, notes)  # before `notes` is frozen below
    return LinterSettings(
        ruff=_ruff(texts, notes),
        pylint_disable=_pylint_disable(texts, notes),
        bandit_skip=_bandit_skip(texts, notes),
        semgrep_rules=_semgrep(texts, notes),
        notes=tuple(notes),
        python_target=python_target(texts.get("pyproject.toml")),
        excludes=excludes,
        others=others,
    )


REQUIRES = re.compile(r"(>=|~=|\^|==|>)\s*3\.(\d+)")


def python_target(pyproject: str | None) -> str | None:
    """`requires-python = ">=3.8"` as ruff's `py38` (`>3.8` as `py39`); None if unknown."""
    if pyproject is None:
        return None
    try:
        spec = _table(tomllib.loads(pyproject), "project").get("requires-python")
    except tomllib.TOMLDecodeError:
        return None
    match = REQUIRES.search(spec) if isinstance(spec, str) else None
    if match is None:
        return None
    minor = int(match.group(2)) + (1 if match.group(1) == ">" else 0)
    return f"py3{minor}" if 7 <= minor <= 14 else None


# --- ruff --------------------------------------------------------------------------------

def _toml(name: str, text: str, notes: list[str]) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        notes.append(f"`{name}` is not valid TOML; its linter settings were not used")
        return None


def _ruff_table(name: str, texts: Mapping[str, str], notes: list[str]) -> dict[str, Any] | None:
    if name not in texts:
        return None
    data = _toml(name, texts[name], notes)
    if data is None:
        return None
    if name == "pyproject.toml":
        return _table(data, "tool", "ruff") or None
    return data


def _ruff(texts: Mapping[str, str], notes: list[str]) -> dict[str, Any] | None:
    for name in RUFF_FILES:
        table = _ruff_table(name, texts, notes)
        if table is not None:
            return _ruff_resolved(name, table, texts, notes, depth=0)
    return None


def _ruff_resolved(name: str, table: dict[str, Any], texts: Mapping[str, str],
                   notes: list[str], depth: int) -> dict[str, Any]:
    """`table` reduced to the allowed keys, with an `extend` of another root configuration
    file merged in underneath (ruff's semantics); any other `extend` is dropped."""
    base: dict[str, Any] = {}
    target = table.get("extend")
    if target is not None:
        extended = _extend_target(target)
        if extended is None or extended == name or depth >= MAX_EXTEND_DEPTH:
            notes.append(f"ruff {code_span('extend = ' + _short(target))} in `{name}` was "
                         "ignored: only "
                         "another configuration file at the repository root can be extended")
        elif (parent := _ruff_table(extended, texts, notes)) is None:
            notes.append(f"ruff `extend` in `{name}` names {code_span(extended)}, which has "
                         "no ruff "
                         "settings on the default branch; ignored")
        else:
            base = _ruff_resolved(extended, parent, texts, notes, depth + 1)
    own = _ruff_allowed(name, table, notes)
    merged = {**base, **own}
    if isinstance(base.get("lint"), dict) and isinstance(own.get("lint"), dict):
        merged["lint"] = {**base["lint"], **own["lint"]}
    return merged


def _extend_target(value: object) -> str | None:
    """The root configuration file an `extend` names, or None when it points anywhere
    else (absolute, outside the repository, a file we do not take from the default branch)."""
    if not isinstance(value, str):
        return None
    path = PurePosixPath(value)
    if path.is_absolute() or "\\" in value:
        return None
    parts = [p for p in path.parts if p != "."]
    if len(parts) != 1 or parts[0] not in RUFF_FILES:
        return None
    return parts[0]


def _ruff_allowed(name: str, table: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    lint = dict(table["lint"]) if isinstance(table.get("lint"), dict) else {}
    dropped = []
    for key, value in table.items():
        if key in RUFF_TOP_KEYS:
            if key != "lint":
                out[key] = value
        elif key in RUFF_LEGACY_LINT_KEYS or key.startswith(("flake8-", "pep8-")) or key in (
                "isort", "mccabe", "pycodestyle", "pydocstyle", "pyflakes", "pylint",
                "pyupgrade", "flake8-bugbear"):
            lint.setdefault(key, value)
        elif key != "extend" and key not in RUFF_SILENT_KEYS:
            dropped.append(key)
    if dropped:
        notes.append(f"ruff settings {', '.join(code_span(k) for k in sorted(dropped))} in "
                     f"`{name}` were not used (reviewbot applies rule settings only)")
    if lint:
        out["lint"] = lint
    return out


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- pylint ------------------------------------------------------------------------------

_MESSAGE_SECTIONS = ("messages control", "messages_control", "pylint.messages control",
                     "pylint.messages_control")


def _pylint_disable(texts: Mapping[str, str], notes: list[str]) -> tuple[str, ...]:
    """Only the messages a repository disables are taken from its pylint settings: they can
    also load plugins and run an init-hook, i.e. execute code."""
    found: list[str] = []
    for name in (".pylintrc", "pylintrc", "setup.cfg", "tox.ini"):
        if name not in texts:
            continue
        parser = ini_file(name, texts[name], "pylint settings", notes)
        if parser is None:
            continue
        for section in parser.sections():
            if section.lower() in _MESSAGE_SECTIONS and parser.has_option(section, "disable"):
                found += _split(parser.get(section, "disable"))
    if "pyproject.toml" in texts:
        data = _toml("pyproject.toml", texts["pyproject.toml"], []) or {}
        for key in ("messages control", "messages_control", "MESSAGES CONTROL"):
            value = _table(data, "tool", "pylint", key).get("disable")
            if isinstance(value, list):
                found += [str(v).strip() for v in value]
            elif isinstance(value, str):
                found += _split(value)
    names = {f for f in found if f and all(c.isalnum() or c in "-_" for c in f)}
    if "all" in {n.lower() for n in names}:
        # A blanket disable would silently turn off the bug checker; a repository that
        # wants that says so in .github/reviewbot.yml instead.
        notes.append("pylint `disable=all` was not applied (reviewbot runs its own selection "
                     "of pylint's bug-class messages; switch checkers off in "
                     "`.github/reviewbot.yml`)")
        names = {n for n in names if n.lower() != "all"}
    return tuple(sorted(names))


def _table(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    """data[k1][k2]... when each level is a table, else an empty one."""
    for key in keys:
        value = data.get(key)
        if not isinstance(value, dict):
            return {}
        data = value
    return data


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]


# --- bandit ------------------------------------------------------------------------------

def _bandit_skip(texts: Mapping[str, str], notes: list[str]) -> tuple[str, ...]:
    """Only `skips` (test ids) is taken: bandit profiles can load plugins and name paths."""
    skips: list[str] = []
    if ".bandit" in texts:
        parser = ini_file(".bandit", texts[".bandit"], "settings", notes)
        if parser is not None and parser.has_option("bandit", "skips"):
            skips += _split(parser.get("bandit", "skips"))
    if "pyproject.toml" in texts:
        data = _toml("pyproject.toml", texts["pyproject.toml"], []) or {}
        value = _table(data, "tool", "bandit").get("skips")
        if isinstance(value, list):
            skips += [str(v) for v in value]
    return tuple(sorted({s.strip() for s in skips
                         if s.strip()[:1] == "B" and s.strip()[1:].isdigit()}))


# --- semgrep -----------------------------------------------------------------------------

def _semgrep(texts: Mapping[str, str], notes: list[str]) -> str | None:
    """The repository's rules when they are a local rule file semgrep can load; a registry
    name, a URL or a malformed file is dropped (ours still run) with the reason."""
    for name in SEMGREP_FILES:
        if name not in texts:
            continue
        problem = semgrep_rules_problem(texts[name])
        if problem is not None:
            notes.append(f"the repository's semgrep rules in `{name}` were ignored: "
                         f"{inert(problem)}")
            return None
        return texts[name]
    return None


def semgrep_rules_problem(text: str) -> str | None:
    """Why a semgrep rule file cannot be used, or None (structure only; semgrep itself is
    the judge of patterns, and a file it rejects is dropped at run time)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return "not valid YAML"
    if isinstance(data, str):
        return "a registry name or URL, not a local rule file (reviewbot runs offline)"
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        return "no `rules:` list at the top level"
    rules = data["rules"]
    if len(rules) > MAX_SEMGREP_RULES:
        return f"more than {MAX_SEMGREP_RULES} rules"
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or not isinstance(rule.get("id"), str):
            return f"rule {index + 1} has no `id`"
        if not isinstance(rule.get("languages"), list):
            return f"rule `{_short(rule['id'])}` has no `languages` list"
        if not any(k in rule for k in ("pattern", "patterns", "pattern-either", "pattern-regex",
                                       "match", "taint", "pattern-sources", "mode")):
            return f"rule `{_short(rule['id'])}` has no pattern"
    return None


def ruff_ignores(ruff: Mapping[str, Any] | None, path: str) -> frozenset[str]:
    """The rule codes (or prefixes) the repository's ruff settings ignore in `path`:
    `ignore`, `extend-ignore`, and the `per-file-ignores` whose pattern matches it."""
    lint = ruff.get("lint") if ruff else None
    if not isinstance(lint, Mapping):
        return frozenset()
    codes: set[str] = set()
    for key in ("ignore", "extend-ignore"):
        codes |= {str(c) for c in lint.get(key) or () if isinstance(c, str)}
    name = path.rsplit("/", 1)[-1]
    for key in ("per-file-ignores", "extend-per-file-ignores"):
        table = lint.get(key)
        if not isinstance(table, Mapping):
            continue
        for pattern, ignored in table.items():
            if not isinstance(ignored, list):
                continue
            pattern = str(pattern).removeprefix("./")
            if fnmatch(path, pattern) or fnmatch(name, pattern) or fnmatch(
                    path, f"*/{pattern}"):
                codes |= {str(c) for c in ignored}
    return frozenset(codes)


def ruff_excluded(ruff: Mapping[str, Any] | None, path: str) -> bool:
    """Whether the repository's ruff `exclude`/`extend-exclude` leave `path` out (ruff
    itself does not apply them to files named on its command line, nor do the other
    tools know them)."""
    return Excludes(tuple(as_patterns(ruff))).excluded_by(path) is not None
