"""Beyond Python: JavaScript/TypeScript (oxlint and our semgrep rules), shell (shellcheck),
GitHub workflows (zizmor), Dockerfiles (hadolint) and committed secrets (detect-secrets).

Pure logic first (which file goes to which tool, what is kept of a repository's settings,
the tools' JSON read, secrets masked); then the real tools on fixtures/polyglot: every
planted problem on its line, the clean counterparts silent, the secret never printed, a
PR's own tool settings ignored and the default branch's applied."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from bot.core.diffmap import DiffMap, FileDiff, FileStatus
from bot.core.findings import Finding
from bot.core.plan import ReviewPlan
from bot.core.redact import SecretMask, credentials_masked
from bot.core.render import render
from bot.core.repo_config import RepoConfig, parse_repo_config
from bot.review.local import request_from_git
from bot.review.pipeline import run_review
from bot.review.request import review_order
from checks.linters import other_parsers
from checks.linters.kinds import file_kind, files_by_kind
from checks.linters.other_settings import OtherToolSettings, load_other_settings
from checks.linters.other_tools import oxlint_config, zizmor_config
from tests.github_world import commit_files

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "polyglot"
AWS_KEY = "AKIAZ3MSJV4W8QK2TB7N"  # fixtures/polyglot/planted/config/deploy.ini (not a real key)

# (path, line, tool:rule): what each planted file must be reported for.
PLANTED = [
    (".github/workflows/greet.yml", 11, "zizmor:template-injection"),
    ("scripts/cleanup.sh", 4, "shellcheck:SC2115"),
    ("web/settings.js", 1, "oxlint:no-dupe-keys"),
    ("web/settings.js", 4, "oxlint:no-cond-assign"),
    ("web/users.ts", 6, "semgrep:sql-built-by-concatenation"),
    ("docker/Dockerfile", 4, "hadolint:DL3002"),
    ("config/deploy.ini", 3, "detect-secrets:committed-secret"),
]


# --- which tool reads which file (pure) -------------------------------------------------

@pytest.mark.parametrize(("path", "content", "kind"), [
    ("a/b.py", b"", "python"), ("web/x.tsx", b"", "javascript"), ("x.mjs", b"", "javascript"),
    (".github/workflows/ci.yml", b"", "workflow"), ("sub/action.yml", b"", "workflow"),
    (".github/workflows/sub/x.yml", b"", None),  # GitHub runs only the top of the folder
    ("docker/Dockerfile", b"", "dockerfile"), ("Dockerfile.dev", b"", "dockerfile"),
    ("build.dockerfile", b"", "dockerfile"), ("x.sh", b"", "shell"),
    ("bin/deploy", b"#!/usr/bin/env bash\nset -e\n", "shell"),
    ("bin/run", b"#!/bin/sh -e\n", "shell"), ("bin/tool", b"#!/usr/bin/env python3\n", None),
    ("bin/z", b"#!/bin/zsh\n", None), ("README.md", b"#!/bin/sh\n", None),
])
def test_each_file_goes_to_the_tools_of_its_kind(path: str, content: bytes,
                                                 kind: str | None) -> None:
    assert file_kind(path, content) == kind


def test_files_by_kind_groups_in_path_order() -> None:
    grouped = files_by_kind({"b.js": b"", "a.ts": b"", "x.md": b"", "s": b"#!/bin/bash\n"})
    assert grouped == {"javascript": ("a.ts", "b.js"), "shell": ("s",)}


def test_workflows_and_dockerfiles_come_after_code_and_before_the_rest() -> None:
    def changed(path: str, lines: int) -> tuple[str, FileDiff]:
        return path, FileDiff(path=path, status=FileStatus.MODIFIED,
                              added_lines=frozenset(range(1, lines + 1)))
    diff = DiffMap(dict([changed("docs/a.md", 50), changed("Dockerfile", 1),
                         changed("app.js", 1), changed(".github/workflows/ci.yml", 2),
                         changed("run.sh", 1)]))
    assert review_order(diff) == ["app.js", "run.sh", ".github/workflows/ci.yml",
                                  "Dockerfile", "docs/a.md"]


# --- what is kept of a repository's settings (pure) -------------------------------------

def test_only_data_is_kept_of_the_tools_settings_and_what_is_dropped_is_said() -> None:
    notes: list[str] = []
    kept = load_other_settings({
        ".oxlintrc.json": '// comments are fine\n{"jsPlugins": ["./evil.js"], '
                          '"plugins": ["import"], "extends": ["../../x.json"], '
                          '"rules": {"no-debugger": "off", "eqeqeq": ["error", "always"], '
                          '"bad": {"x": 1}, "../evil": "off"}, "globals": {"jQuery": "readonly"}}',
        ".shellcheckrc": "disable=SC2086,SC1091 # quoting\nsource-path=/etc\n"
                         "external-sources=true\nshell=bash\n",
        ".hadolint.yaml": "ignored: [DL3008]\nlabel-schema: {a: text}\n"
                          "override:\n  error: [DL3002]\n  fatal: [DL1]\n",
        ".github/zizmor.yml": "rules:\n  template-injection:\n    ignore: [ci.yml:3]\n"
                              "include: /etc/passwd\n",
    }, notes)
    assert kept.oxlint == {"rules": {"no-debugger": "off", "eqeqeq": ["error", "always"]},
                           "globals": {"jQuery": "readonly"}}
    assert kept.shellcheck_disable == ("SC2086", "SC1091") and kept.shellcheck_shell == "bash"
    assert kept.hadolint == {"ignored": ["DL3008"], "override": {"error": ["DL3002"]}}
    assert kept.zizmor == {"rules": {"template-injection": {"ignore": ["ci.yml:3"]}}}
    said = " ".join(notes)
    for dropped in ("jsPlugins", "plugins", "extends", "source-path", "external-sources",
                    "label-schema", "include"):
        assert dropped in said, dropped
    # our defaults stay unless the repository chose otherwise
    config = oxlint_config(kept)
    assert config["categories"] == {"correctness": "warn"}
    assert config["rules"]["no-unused-vars"] == "off" and "jsPlugins" not in config
    assert "unpinned-uses" in zizmor_config(kept)["rules"]
    assert zizmor_config(OtherToolSettings(zizmor={"rules": {"unpinned-uses": {
        "disable": True}}}))["rules"]["unpinned-uses"] == {"disable": True}


def test_broken_settings_are_ignored_with_a_note() -> None:
    notes: list[str] = []
    kept = load_other_settings({".oxlintrc.json": "{nope", ".hadolint.yaml": "[1, 2",
                                "zizmor.yml": "- a list\n"}, notes)
    assert kept == OtherToolSettings()
    assert len(notes) == 3 and all("ignored" in n for n in notes)


def test_tools_can_be_switched_off_or_given_a_tier_and_unknown_ones_are_refused() -> None:
    loaded = parse_repo_config("tools:\n  hadolint: {enabled: false}\n"
                               "  detect-secrets: {tier: defect}\n")
    assert loaded.error is None
    assert not loaded.config.tool_enabled("hadolint") and loaded.config.tool_enabled("ruff")
    assert loaded.config.tool_tier("detect-secrets") == "defect"
    assert "unknown tools" in (parse_repo_config("tools:\n  eslint: {}\n").error or "")


# --- the tools' output (pure) -----------------------------------------------------------

def test_the_tools_json_becomes_findings_on_their_lines() -> None:
    root = "/tmp/snap"
    oxlint = other_parsers.parse_oxlint(json.dumps({"diagnostics": [{
        "message": "Duplicate key 'a'", "code": "eslint(no-dupe-keys)", "severity": "warning",
        "help": "Remove it", "filename": "web/x.js",
        "labels": [{"span": {"line": 1}}, {"span": {"line": 3}}]}, {
        "message": "no danger", "code": "react(no-danger)", "severity": "error",
        "filename": f"{root}/web/y.jsx", "labels": [{"span": {"line": 2}}]}]}), root)
    assert [(f.rule, f.line, f.checker, f.path) for f in oxlint] == [
        ("no-dupe-keys", 3, "bug", "web/x.js"), ("react/no-danger", 2, "security", "web/y.jsx")]
    zizmor = other_parsers.parse_zizmor(json.dumps([{
        "ident": "template-injection", "desc": "code injection",
        "determinations": {"severity": "High", "confidence": "High"},
        "locations": [{"symbolic": {"key": {"Local": {"given_path": "w.yml"}},
                                    "annotation": "this step", "kind": "Related"},
                       "concrete": {"location": {"start_point": {"row": 1},
                                                 "end_point": {"row": 2}}}},
                      {"symbolic": {"key": {"Local": {"given_path": "w.yml"}},
                                    "annotation": "attacker-controllable", "kind": "Primary"},
                       "concrete": {"location": {"start_point": {"row": 8},
                                                 "end_point": {"row": 8}}}}]}]), root)
    assert [(f.rule, f.line, f.severity.value) for f in zizmor] == [
        ("template-injection", 9, "error")]
    secrets = other_parsers.parse_detect_secrets(json.dumps({"results": {"c.ini": [
        {"type": "AWS Access Key", "filename": "c.ini", "line_number": 3,
         "hashed_secret": "ab" * 20},
        {"type": "Secret Keyword", "filename": "c.ini", "line_number": 3,
         "hashed_secret": "ab" * 20}]}}), root)
    assert len(secrets) == 1 and secrets[0].line == 3 and "ab" * 20 not in secrets[0].message
    assert "AWS Access Key, Secret Keyword" in secrets[0].message
    shell = other_parsers.parse_shellcheck(json.dumps({"comments": [{
        "file": "s.sh", "line": 4, "endLine": 4, "level": "info", "code": 2086,
        "message": "Double quote"}]}), root)
    assert [(f.rule, f.checker) for f in shell] == [("SC2086", "style")]
    with pytest.raises(other_parsers.ParseError):
        other_parsers.parse_hadolint('{"not": "a list"}', root)


def test_committed_credentials_are_masked_lines_kept() -> None:
    text = (FIXTURES / "planted" / "config" / "deploy.ini").read_text() + \
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n" \
        "slack = xoxb-123456789012-abcdefghij\n"
    masked = credentials_masked(text)
    assert AWS_KEY not in masked and "wJalrX" not in masked and "xoxb-" not in masked
    assert masked.count("\n") == text.count("\n") and "aws_secret_access_key = ***" in masked
    assert AWS_KEY not in SecretMask().text(text)


# --- the real tools -----------------------------------------------------------------------

def change_of(tmp_path: Path, base_files: dict[str, str], extra: dict[str, str] | None = None
              ) -> tuple[Path, str, str]:
    repo = tmp_path / "repo"
    base = commit_files(repo, {"README.md": "demo\n", **base_files}, "base")
    files = {str(p.relative_to(FIXTURES / kind)): p.read_text()
             for kind in ("planted", "clean") for p in (FIXTURES / kind).rglob("*")
             if p.is_file()}
    head = commit_files(repo, {**files, **(extra or {})}, "head")
    return repo, base, head


def review(repo: Path, base: str, head: str) -> ReviewPlan:
    return asyncio.run(run_review(request_from_git(repo, base, head)))


def where(findings: tuple[Finding, ...]) -> set[tuple[str, int, str]]:
    return {(f.path, f.line, f"{tool}:{f.rule}") for f in findings
            for tool in f.tool.split("+")}


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")
def test_every_planted_problem_on_its_line_the_clean_files_silent_the_secret_never_shown(
        tmp_path: Path) -> None:
    plan = review(*change_of(tmp_path, {}))
    found = where(plan.findings)
    for planted in PLANTED:
        assert planted in found, planted
    clean = {str(p.relative_to(FIXTURES / "clean")) for p in (FIXTURES / "clean").rglob("*")
             if p.is_file()}
    assert not [f for f in plan.findings if f.path in clean]
    assert plan.coverage.files_reviewed == plan.coverage.files_total
    for fmt in ("text", "markdown", "json", "sarif"):
        assert AWS_KEY not in render(plan, fmt), fmt
    data = json.loads(render(plan, "json"))
    for tool in ("oxlint", "shellcheck", "zizmor", "hadolint", "detect-secrets", "semgrep"):
        assert data["tools"][tool][0].isdigit(), (tool, data["tools"])
    sarif = json.loads(render(plan, "sarif"))["runs"][0]["tool"]
    assert {e["name"] for e in sarif["extensions"]} >= {"oxlint", "zizmor", "hadolint"}
    if shutil.which("actionlint") is None:
        assert any(e.startswith("actionlint: actionlint is not on the PATH")
                   for e in plan.tool_errors)


@pytest.mark.slow
@pytest.mark.measured_evidence  # the shipped table: what goes inline is the tier's doing
def test_a_pr_cannot_configure_its_own_review_and_the_default_branch_can(
        tmp_path: Path) -> None:
    hostile = {
        ".oxlintrc.json": '{"categories": {"correctness": "off"}, "rules": {"no-dupe-keys": '
                          '"off", "no-cond-assign": "off"}}',
        "web/.oxlintrc.json": '{"categories": {"correctness": "off"}}',
        ".eslintignore": "web/\n",
        ".shellcheckrc": "disable=all\n", "scripts/.shellcheckrc": "disable=SC2115\n",
        ".hadolint.yaml": "ignored: [DL3002]\n", "docker/.hadolint.yaml": "ignored: [DL3002]\n",
        ".github/zizmor.yml": "rules:\n  template-injection:\n    disable: true\n",
        "zizmor.yml": "rules:\n  template-injection:\n    disable: true\n",
        ".secrets.baseline": '{"results": {}}',
        ".github/reviewbot.yml": "tools:\n  detect-secrets: {enabled: false}\n",
    }
    plan = review(*change_of(tmp_path, {}, hostile))
    found = where(plan.findings)
    for planted in PLANTED:
        assert planted in found, planted

    chosen = {
        ".shellcheckrc": "disable=SC2086\nsource-path=/etc\n",
        ".hadolint.yaml": "ignored: [DL3066]\n",
        ".oxlintrc.json": '{"jsPlugins": ["./x.js"], "rules": {"no-constant-condition": "off"}}',
        ".github/reviewbot.yml": "tools:\n  zizmor: {enabled: false}\n"
                                 "  detect-secrets: {tier: defect}\n",
    }
    plan = review(*change_of(tmp_path / "chosen", chosen))
    rules = {f"{t}:{f.rule}" for f in plan.findings for t in f.tool.split("+")}
    assert "shellcheck:SC2086" not in rules and "shellcheck:SC2115" in rules
    assert "hadolint:DL3066" not in rules and "hadolint:DL3002" in rules
    assert "oxlint:no-constant-condition" not in rules and "oxlint:no-dupe-keys" in rules
    assert not [r for r in rules if r.startswith("zizmor:")]
    assert "jsPlugins" in plan.summary and "source-path" in plan.summary
    secret = next(f for f in plan.findings if f.rule == "committed-secret")
    assert not secret.advice and "detect-secrets's findings are defect" in secret.tier_reason
    assert [c.path for c in plan.comments] == ["config/deploy.ini"]
    assert AWS_KEY not in plan.comments[0].body


def test_the_repo_config_default_lists_every_tool() -> None:
    from bot.handlers.commands import config_table

    table = config_table(RepoConfig(), None, found=False)
    for tool in ("oxlint", "shellcheck", "zizmor", "actionlint", "hadolint", "detect-secrets"):
        assert f"| {tool} |" in table
