"""The four checkers, defined once: name, the linters each reads, and their rank when
findings tie. checks/checkers.py builds the agents from this; configuration, summary and
ranking read the names from here (pure)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckerSpec:
    name: str
    tools: tuple[str, ...]  # linters whose findings of this checker it reports
    priority: int  # higher ranks first when severities tie; its wording wins a merge


CHECKER_SPECS: tuple[CheckerSpec, ...] = (
    CheckerSpec("bug", ("ruff", "pylint", "oxlint", "shellcheck", "hadolint", "actionlint"),
                priority=3),
    CheckerSpec("style", ("ruff", "shellcheck", "hadolint"), priority=1),
    CheckerSpec("security", ("bandit", "semgrep", "ruff", "oxlint", "zizmor", "hadolint",
                             "detect-secrets"), priority=4),
    CheckerSpec("performance", ("semgrep", "ruff", "pylint"), priority=2),
)
# Every linter, with the files it reads, in the order /config names them.
TOOL_READS: dict[str, str] = {
    "ruff": "Python", "pylint": "Python", "bandit": "Python",
    "semgrep": "every file (reviewbot's rules for Python, JavaScript/TypeScript, keys)",
    "oxlint": "JavaScript, TypeScript", "shellcheck": "shell scripts",
    "zizmor": "GitHub workflows and actions",
    "actionlint": "GitHub workflows (when installed)", "hadolint": "Dockerfiles",
    "detect-secrets": "every text file",
}
TOOL_NAMES: tuple[str, ...] = tuple(TOOL_READS)
CHECKERS: tuple[str, ...] = tuple(spec.name for spec in CHECKER_SPECS)
CHECKER_PRIORITY: dict[str, int] = {spec.name: spec.priority for spec in CHECKER_SPECS}
