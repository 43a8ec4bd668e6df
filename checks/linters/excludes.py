"""The files a repository's own tools leave out, honoured by every tool reviewbot runs
(pure): ruff's and flake8's `exclude`/`extend-exclude` (globs), black's `exclude`,
`extend-exclude` and `force-exclude` (regular expressions), and pre-commit's top-level
`exclude` and the excludes of its linting and formatting hooks (regular expressions).

A formatter's or linter's exclude is how a project says "this is not code we run": black's
test cases, vendored copies, generated modules. The tools reviewbot runs never read those
settings themselves (ruff ignores its excludes for files named on its command line).

The regular expressions come from the repository, so they are matched with the `regex`
library and a time limit: a pattern written to backtrack for ever gets a note, not a
review stuck on it. Settings are read from the default branch only, like every other.
"""

from __future__ import annotations

import configparser
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any

import regex
import yaml

MAX_PATTERN = 4000  # characters of one regular expression
MAX_PATTERNS = 200
MATCH_SECONDS = 0.05  # per pattern and path
# pre-commit hooks whose `exclude` means "not code to lint or format".
LINTING_HOOKS = frozenset({"black", "ruff", "ruff-check", "ruff-format", "flake8", "pylint",
                           "bandit", "isort", "autopep8", "yapf", "pyupgrade"})


@dataclass(frozen=True)
class Pattern:
    source: str  # where it was written: "black", "pre-commit", "flake8", "ruff"
    text: str
    is_regex: bool


@dataclass(frozen=True)
class Excludes:
    patterns: tuple[Pattern, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def excluded_by(self, path: str) -> str | None:
        """The tool whose settings leave `path` out, or None. A pattern that runs past its
        time limit is skipped for this path (the file is reviewed)."""
        for p in self.patterns:
            if (_regex_hit(p.text, path) if p.is_regex else _glob_hit(p.text, path)):
                return p.source
        return None


def repository_excludes(texts: Mapping[str, str]) -> Excludes:
    """From the root configuration files' texts (pyproject.toml, setup.cfg, tox.ini,
    .flake8, .pre-commit-config.yaml), every exclude that compiles."""
    found: list[Pattern] = []
    notes: list[str] = []
    found += _black(texts.get("pyproject.toml"))
    found += _flake8(texts, notes)
    found += _pre_commit(texts.get(".pre-commit-config.yaml"), notes)
    kept: list[Pattern] = []
    for p in found[:MAX_PATTERNS]:
        if p.is_regex and not _compiles(p.text):
            notes.append(f"a {p.source} exclude pattern is not a valid regular expression "
                         "(or too long); it was not applied")
            continue
        kept.append(p)
    return Excludes(tuple(kept), tuple(notes))


def _black(pyproject: str | None) -> list[Pattern]:
    if pyproject is None:
        return []
    try:
        black = tomllib.loads(pyproject).get("tool", {}).get("black", {})
    except tomllib.TOMLDecodeError:
        return []  # said once by the ruff settings' reader
    if not isinstance(black, dict):
        return []
    return [Pattern("black", _verbose(value), True)
            for key in ("exclude", "extend-exclude", "force-exclude")
            if isinstance(value := black.get(key), str) and value.strip()]


def _verbose(pattern: str) -> str:
    """black compiles a multi-line pattern in verbose mode (comments and spaces ignored)."""
    return f"(?x){pattern}" if "\n" in pattern else pattern


def ini_file(name: str, text: str, what: str, notes: list[str]
             ) -> configparser.ConfigParser | None:
    """An INI-style configuration file (setup.cfg, tox.ini, .flake8, .pylintrc) read without
    interpolation, or None with a note saying whose settings were not used."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        notes.append(f"`{name}` could not be parsed; its {what} were not used")
        return None
    return parser


def _flake8(texts: Mapping[str, str], notes: list[str]) -> list[Pattern]:
    out: list[Pattern] = []
    for name in (".flake8", "setup.cfg", "tox.ini"):
        if name not in texts:
            continue
        parser = ini_file(name, texts[name], "flake8 excludes", notes)
        if parser is None or not parser.has_section("flake8"):
            continue
        for key in ("exclude", "extend-exclude"):
            value = parser.get("flake8", key, fallback="")
            out += [Pattern("flake8", glob, False) for glob in _comma_list(value)]
        break  # flake8 reads the first of these files that has a [flake8] section
    return out


def _comma_list(value: str) -> list[str]:
    return [item.strip().removeprefix("./").rstrip("/")
            for item in value.replace("\n", ",").split(",") if item.strip().strip("./")]


def _pre_commit(text: str | None, notes: list[str]) -> list[Pattern]:
    if text is None:
        return []
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        notes.append("`.pre-commit-config.yaml` is not valid YAML; its excludes were not used")
        return []
    if not isinstance(data, dict):
        return []
    out = [Pattern("pre-commit", top, True)
           for top in [data.get("exclude")] if isinstance(top, str) and top.strip()]
    for repo in data.get("repos") or ():
        hooks = repo.get("hooks") if isinstance(repo, dict) else None
        for hook in hooks if isinstance(hooks, list) else ():
            if isinstance(hook, dict) and hook.get("id") in LINTING_HOOKS \
                    and isinstance(value := hook.get("exclude"), str) and value.strip():
                out.append(Pattern(f"pre-commit ({hook['id']})", value, True))
    return out


def _compiles(pattern: str) -> bool:
    if len(pattern) > MAX_PATTERN:
        return False
    try:
        regex.compile(pattern)
    except (regex.error, ValueError, RecursionError, OverflowError):
        return False
    return True


def _regex_hit(pattern: str, path: str) -> bool:
    """black matches `/path` (and `/dir/` for folders), pre-commit the bare relative path:
    both searched, so either form of the pattern finds it."""
    candidates = [path, f"/{path}", *_folders(path)]
    try:
        return any(regex.search(pattern, c, timeout=MATCH_SECONDS) for c in candidates)
    except TimeoutError:
        return False  # a pathological pattern: the file is reviewed


def _folders(path: str) -> Sequence[str]:
    parts = path.split("/")[:-1]
    return [f"/{'/'.join(parts[:i])}/" for i in range(1, len(parts) + 1)]


def _glob_hit(pattern: str, path: str) -> bool:
    """flake8's and ruff's globs: against the path, any of its parent folders, or (for a
    pattern without a slash) any single part of it."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    return any(fnmatch(prefix, pattern) or ("/" not in pattern and fnmatch(part, pattern))
               for prefix, part in zip(prefixes, parts, strict=True))


def as_patterns(ruff: Mapping[str, Any] | None) -> list[Pattern]:
    """ruff's own `exclude`/`extend-exclude`, as globs."""
    if not ruff:
        return []
    return [Pattern("ruff", str(p).removeprefix("./").rstrip("/"), False)
            for key in ("exclude", "extend-exclude") for p in (ruff.get(key) or ())
            if isinstance(p, str) and p.strip("./")]
