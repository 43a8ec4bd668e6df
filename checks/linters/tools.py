"""The linters: how each is invoked once over all changed files, and its output parsed."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import tomli_w

from bot.core.catalog import BANDIT_SKIP, PYLINT_DISABLE, PYLINT_ENABLE, RUFF_SELECT
from bot.core.repo_config import is_test_path
from bot.core.taint_scope import taint_analysed
from bot.errors import ToolError
from checks.linters import parsers
from checks.linters.other_tools import OTHER_TOOLS
from checks.linters.pylint_env import link_pylint_env
from checks.linters.runner import Exits, clean_env, find_executable, run_tool
from checks.linters.workspace import Runner, ToolResult, Workspace

log = logging.getLogger(__name__)
RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
TAINT_DIR = Path(__file__).resolve().parent.parent / "taint"

# Exit statuses each tool documents, as the reason shown when it fails.
RUFF_REASONS = {2: "configuration or internal error"}
PYLINT_REASONS = {32: "usage or configuration error"}
BANDIT_REASONS = {2: "usage or configuration error"}
SEMGREP_REASONS = {2: "fatal error", 3: "invalid target code", 4: "invalid pattern",
                   5: "unparseable YAML", 7: "invalid rule configuration",
                   8: "unknown language"}


async def run_ruff(ws: Workspace) -> ToolResult:
    if not ws.python_files:
        return ToolResult("ruff")
    return await _ruff(ws, ["--", *ws.python_files])


async def ruff_on_text(ws: Workspace, path: str, text: str) -> ToolResult:
    """ruff on `text` as if it were the snapshot's file `path` (same settings, same
    neighbours): how a suggestion is re-linted."""
    return await _ruff(ws, ["--stdin-filename", path, "-"], text.encode())


async def _ruff(ws: Workspace, paths: list[str], stdin: bytes | None = None) -> ToolResult:
    # The repository's rule settings (default branch, reduced to rule keys) with our rules
    # added; without any, ruff's defaults (which change between releases) are replaced by
    # our selection. Either way ruff reads no configuration file of the snapshot.
    notes: tuple[str, ...] = ()
    target = ws.settings.python_target
    if ws.settings.ruff is not None:
        # Written outside the snapshot: first-party packages are the snapshot's (ruff
        # resolves `src` from the configuration file's folder), and the Python version
        # the project's requires-python names unless its ruff settings say one.
        settings = {"src": [str(ws.root), str(ws.root / "src")], **dict(ws.settings.ruff)}
        if target is not None:
            settings.setdefault("target-version", target)
        config = ws.config_file("ruff.toml", tomli_w.dumps(settings))
        try:
            return await _ruff_once(ws, ["--config", str(config), "--extend-select"], paths,
                                    stdin)
        except ToolError as exc:
            if exc.exit_status != 2:
                raise
            notes = ("the repository's ruff settings could not be applied (ruff rejected "
                     "them); reviewbot's own ruff rules ran instead",)
    isolated = ["--isolated", *(["--target-version", target] if target else []), "--select"]
    result = await _ruff_once(ws, isolated, paths, stdin)
    return ToolResult(result.tool, result.findings, result.error, result.seconds,
                      result.files, notes)


async def _ruff_once(ws: Workspace, selection: list[str], target: list[str],
                     stdin: bytes | None) -> ToolResult:
    argv = [find_executable("ruff"), "check", "--output-format", "json", "--no-cache",
            "--exit-zero", *selection, ",".join(RUFF_SELECT), *target]
    out = await run_tool(argv, cwd=ws.root, env=clean_env(ws.home), timeout=ws.timeout,
                         exits=Exits((0,), RUFF_REASONS), stdin=stdin)
    return ToolResult("ruff", tuple(parsers.parse_ruff(out.stdout, str(ws.root))),
                      seconds=out.seconds, files=len(ws.python_files))


PYLINT_RUNNER = Path(__file__).resolve().parent / "pylint_runner.py"


async def run_pylint(ws: Workspace) -> ToolResult:
    """pylint in an isolated interpreter (see pylint_runner.py), with our own rc file: the
    repository's disabled messages are honoured, nothing else from its settings."""
    if not ws.python_files:
        return ToolResult("pylint")
    env_dir = link_pylint_env(ws.home / "pylint-env")
    # -S leaves out `site`, whose builtins (exit, quit...) scripts use: declared here so that
    # pylint does not call them undefined.
    rcfile = ws.config_file("pylintrc", "[MAIN]\npersistent=no\n\n[VARIABLES]\n"
                                        "additional-builtins=exit,quit,copyright,credits,"
                                        "license\n")
    disabled = [*PYLINT_DISABLE, *ws.settings.pylint_disable]
    files, left_out = pylint_files(ws.python_files)
    argv = [sys.executable, "-I", "-S", str(PYLINT_RUNNER), str(env_dir),
            f"--rcfile={rcfile}", "--output-format=json2", "--score=n", "--jobs=1",
            f"--disable={','.join(disabled)}", f"--enable={','.join(PYLINT_ENABLE)}",
            "--", *files]
    # pylint's exit status is a bit mask of message kinds; 32 means it could not run.
    out = await run_tool(argv, cwd=ws.root, env=clean_env(ws.home), timeout=ws.timeout,
                         exits=Exits(tuple(range(32)), PYLINT_REASONS))
    errors = parsers.pylint_errors(out.stdout, str(ws.root))
    if left_out:
        errors.append(f"pylint did not read the {len(left_out)} test file(s) of this large "
                      "change (ruff, bandit and semgrep did)")
    return ToolResult("pylint", tuple(parsers.parse_pylint(out.stdout, str(ws.root))),
                      error="; ".join(errors) or None, seconds=out.seconds,
                      files=len(files))


# pylint infers across modules and is the slowest linter (about 0.2 s of CPU a file on a
# large framework). One process reads all its files: measured on a 584-file change, two
# processes side by side (or pylint's own --jobs 2) finish pylint 10% sooner but spend 80%
# more CPU re-inferring the same imports, and in a review both cores are already busy with
# semgrep and bandit, so the whole review ends later. (pylint's --jobs also hands files to
# whichever worker is free, so its findings varied from run to run.) Above LARGE_CHANGE
# Python files, test files are left to the other linters.
LARGE_CHANGE = 200


def large_change_files(files: Sequence[str]) -> list[str]:
    """The files the slow linters (pylint, bandit) read, in path order: all of them, or
    above LARGE_CHANGE files the ones that are not tests (pure)."""
    ordered = sorted(files)
    if len(ordered) <= LARGE_CHANGE:
        return ordered
    return [p for p in ordered if not is_test_path(p)]


def pylint_files(files: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
    """The files pylint reads and the ones it leaves out (a large change of tests only is
    read whole) (pure)."""
    kept = large_change_files(files) or sorted(files)
    chosen = set(kept)
    return tuple(kept), [p for p in sorted(files) if p not in chosen]


async def run_bandit(ws: Workspace) -> ToolResult:
    """bandit with no configuration file at all: the repository's skips (default branch)
    come as `--skip`; targets are files, so bandit looks for no `.bandit` either."""
    if not ws.python_files:
        return ToolResult("bandit")
    skips = sorted({*BANDIT_SKIP, *ws.settings.bandit_skip})
    # In a large change, test files are left out: what bandit says about tests is not
    # reported anyway (bot/review/aggregate/rules.py NOT_IN_TESTS), and it costs half the time.
    targets = large_change_files(ws.python_files)
    if not targets:
        return ToolResult("bandit")
    # Every severity: the low ones (a weak random number, a hard-coded password) matter
    # where they protect something, which the selection judges (bot/review/aggregate/tiers.py).
    argv = [find_executable("bandit"), "-f", "json", "-q", "--confidence-level", "medium",
            "--severity-level", "low", "--skip", ",".join(skips),
            "--", *(f"./{p}" for p in targets)]
    out = await run_tool(argv, cwd=ws.root, env=clean_env(ws.home), timeout=ws.timeout,
                         exits=Exits((0, 1), BANDIT_REASONS))
    errors = parsers.bandit_errors(out.stdout, str(ws.root))
    return ToolResult("bandit", tuple(parsers.parse_bandit(out.stdout, str(ws.root))),
                      error="; ".join(errors) or None, seconds=out.seconds,
                      files=len(ws.python_files))


async def run_semgrep(ws: Workspace) -> ToolResult:
    """Our pattern rules (plus the repository's) over every file, then our taint rules over
    the Python files that can hold untrusted input at all (one after the other: semgrep
    uses every core already)."""
    sources = tuple(p for p in ws.python_files if may_hold_untrusted_input(ws.root / p))
    if not sources:
        return await _semgrep_patterns(ws)
    if len(ws.all_files) <= ONE_PASS_FILES or len(sources) == len(ws.python_files):
        # A small change, or most files hold input: one semgrep start-up is cheaper.
        return await _semgrep_patterns(ws, [TAINT_DIR])
    patterns = await _semgrep_patterns(ws)
    taint = await _semgrep_once(ws, [], rules=TAINT_DIR, targets=sources)
    errors = [e for e in (patterns.error, taint.error) if e]
    return ToolResult("semgrep", (*patterns.findings, *taint.findings),
                      "; ".join(errors) or None, patterns.seconds + taint.seconds,
                      patterns.files, patterns.notes)


# Which files the taint rules analyse: bot/core/taint_scope.py (one predicate with the
# tiers'). Up to ONE_PASS_FILES files, or when every Python file qualifies, one semgrep run
# holds both rule sets (a second start-up costs ~1.5 s).
ONE_PASS_FILES = 10


def may_hold_untrusted_input(path: Path) -> bool:
    try:
        return taint_analysed(path.read_bytes())
    except OSError:
        return True  # let semgrep judge (and say why it cannot)


async def _semgrep_patterns(ws: Workspace, ours: list[Path] | None = None) -> ToolResult:
    """Our rules (and `ours`: more of our rule folders), plus the repository's (default
    branch, validated) when it has some. If semgrep cannot load theirs, ours run again
    alone: their file never silences ours."""
    ours = ours or []
    if not ws.all_files:
        return ToolResult("semgrep")
    if ws.settings.semgrep_rules is None:
        return await _semgrep_once(ws, ours)
    repo_rules = ws.config_file("repository-rules.yml", ws.settings.semgrep_rules)
    try:
        result = await _semgrep_once(ws, [*ours, repo_rules])
        if result.error is None or not parsers.semgrep_config_failed(result.error):
            return result
        reason = "semgrep could not load them"
    except ToolError as exc:
        reason = f"semgrep could not load them (exit status {exc.exit_status})"
    log.info("repository semgrep rules dropped", extra={"reason": reason})
    alone = await _semgrep_once(ws, ours)
    note = f"the repository's semgrep rules were ignored: {reason}; reviewbot's rules ran"
    return ToolResult(alone.tool, alone.findings, alone.error, alone.seconds, alone.files,
                      (note,))


async def _semgrep_once(ws: Workspace, extra_configs: list[Path], rules: Path = RULES_DIR,
                        targets: Sequence[str] | None = None) -> ToolResult:
    files = ws.all_files if targets is None else targets
    argv = [find_executable("semgrep"), "scan", "--json", "--metrics=off",
            "--disable-version-check", "--no-git-ignore", "--config", str(rules)]
    for config in extra_configs:
        argv += ["--config", str(config)]
    argv += ["--", *files]
    env = clean_env(ws.home, {"SEMGREP_ENABLE_VERSION_CHECK": "0",
                              "SEMGREP_SEND_METRICS": "off"})
    out = await run_tool(argv, cwd=ws.root, env=env, timeout=ws.timeout,
                         exits=Exits((0, 1), SEMGREP_REASONS))
    errors = parsers.semgrep_errors(out.stdout, str(ws.root))
    return ToolResult("semgrep", tuple(parsers.parse_semgrep(out.stdout, str(ws.root))),
                      error="; ".join(errors) or None, seconds=out.seconds,
                      files=len(files))


TOOLS: dict[str, Runner] = {
    "ruff": run_ruff, "pylint": run_pylint, "bandit": run_bandit, "semgrep": run_semgrep,
    **OTHER_TOOLS,
}
