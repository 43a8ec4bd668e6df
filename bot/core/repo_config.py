"""Per-repository configuration: `.github/reviewbot.yml` on the default branch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.core.checkers import CHECKERS, TOOL_NAMES
from bot.core.diffmap import FilterMode
from bot.core.findings import Severity
from bot.core.triage_config import TriageConfig

CONFIG_PATH = ".github/reviewbot.yml"

DEFAULT_IGNORES = (
    # generated, vendored, lock and minified files
    "**/vendor/**", "vendor/**", "**/third_party/**", "third_party/**",
    "**/node_modules/**", "node_modules/**",
    "*.lock", "**/*.lock", "package-lock.json", "**/package-lock.json",
    "poetry.lock", "Pipfile.lock", "uv.lock", "Cargo.lock", "go.sum",
    "*.min.js", "**/*.min.js", "*.min.css", "**/*.min.css",
    "*_pb2.py", "**/*_pb2.py", "*_pb2_grpc.py", "**/*_pb2_grpc.py",
    "**/migrations/versions/*.py", "**/generated/**", "generated/**",
    # translations and packaging metadata: nothing a reviewer reads
    "*.po", "**/*.po", "*.mo", "**/*.mo", "*.pot", "**/*.pot",
    "*.egg-info/**", "**/*.egg-info/**", "PKG-INFO", "**/PKG-INFO",
)
# File kinds a review reads first when the file budget is short: code before the rest.
CODE_SUFFIXES = (".py", ".pyi", ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts",
                 ".go", ".rs", ".java", ".kt", ".rb", ".php", ".c", ".h", ".cc", ".cpp",
                 ".hpp", ".cs", ".swift", ".scala", ".sh", ".bash")


def is_code(path: str) -> bool:
    return path.endswith(CODE_SUFFIXES)


def is_test_path(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    return (any(p in ("test", "tests", "testing") for p in parts[:-1])
            or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py")



class CheckerToggle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    disabled_rules: list[str] = Field(default_factory=list)


class ToolToggle(BaseModel):
    """One linter: whether it runs, and the tier of what it finds (`default`: the rule table
    and the measured evidence decide; `defect`: inline, a maintainer's decision the verifier
    can still refute; `advice`: the check run only)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = True
    tier: Literal["default", "defect", "advice"] = "default"


class ModelChoice(BaseModel):
    """A repository's choice of models, among those the operator configured or priced."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    strong: str | None = None  # bug, security, the aggregator
    fast: str | None = None  # style, performance


def _only_known(what: str, value: Mapping[str, object], known: Sequence[str]) -> None:
    unknown = set(value) - set(known)
    if unknown:
        raise ValueError(f"unknown {what} {sorted(unknown)}; known: {list(known)}")


class RepoConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    checkers: dict[str, CheckerToggle] = Field(
        default_factory=lambda: {name: CheckerToggle() for name in CHECKERS}
    )
    disabled_rules: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    use_default_ignores: bool = True
    filter_mode: FilterMode = FilterMode.ADDED
    min_severity: Severity = Severity.NOTE
    max_comments: int = Field(default=30, ge=0, le=100)
    # Files reviewed per change; the rest are listed as skipped (bounds time and API calls).
    max_files: int = Field(default=800, ge=1, le=3000)
    fail_on: Severity | None = Severity.ERROR
    request_changes: bool = False  # REQUEST_CHANGES only when set and an error exists
    review_drafts: bool = False
    models: ModelChoice = Field(default_factory=ModelChoice)
    # Inline comments for likely defects only (the default), or for every finding.
    inline: Literal["defects", "all"] = "defects"
    # Rules reviewbot leaves out by default (docs/RULES.md) that this repository wants back.
    enable_rules: list[str] = Field(default_factory=list)
    triage: TriageConfig = Field(default_factory=TriageConfig)
    # Per linter (TOOL_NAMES): off, or its findings' tier.
    tools: dict[str, ToolToggle] = Field(default_factory=dict)
    # `/describe` also writes the walkthrough into reviewbot's own section of the PR
    # description (between its markers; the author's text is never changed).
    walkthrough_in_description: bool = False
    # The language the model writes in (its summary, findings and answers); fixed texts
    # stay English.
    language: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z][A-Za-z ()-]*$")

    @field_validator("tools")
    @classmethod
    def _known_tools(cls, value: dict[str, ToolToggle]) -> dict[str, ToolToggle]:
        _only_known("tools", value, TOOL_NAMES)
        return value

    def tool_enabled(self, tool: str) -> bool:
        return self.tools.get(tool, ToolToggle()).enabled

    def tool_tier(self, tool: str) -> str:
        return self.tools.get(tool, ToolToggle()).tier

    @field_validator("checkers")
    @classmethod
    def _known_checkers(cls, value: dict[str, CheckerToggle]) -> dict[str, CheckerToggle]:
        _only_known("checkers", value, CHECKERS)
        return {name: value.get(name, CheckerToggle()) for name in CHECKERS}

    def checker_enabled(self, name: str) -> bool:
        return self.checkers.get(name, CheckerToggle()).enabled

    def rule_enabled(self, checker: str, tool: str, rule: str) -> bool:
        names = {rule, f"{tool}:{rule}"}
        if names & set(self.disabled_rules):
            return False
        return not names & set(self.checkers.get(checker, CheckerToggle()).disabled_rules)

    def ignore_reason(self, path: str) -> str | None:
        """Why a path is left out of reviews, or None when it is reviewed."""
        if any(fnmatch(path, pattern) for pattern in self.ignore):
            return "ignored by configuration"
        if self.use_default_ignores and any(fnmatch(path, p) for p in DEFAULT_IGNORES):
            return "generated, vendored or lock file"
        if self.use_default_ignores and is_test_data(path):
            return "test data (inputs a test reads, not code that runs)"
        return None

    def ignored(self, path: str) -> bool:
        return self.ignore_reason(path) is not None


# Folders of test inputs: formatter and parser cases, snapshots, golden files. Code there is
# data (black's tests/data/cases/*.py never run); linting it says nothing worth a comment.
TEST_DATA_DIRS = frozenset({"testdata", "test_data", "fixtures", "__snapshots__", "golden",
                            "snapshots"})


def is_test_data(path: str) -> bool:
    parts = path.split("/")[:-1]
    return any(p in TEST_DATA_DIRS or (p == "data" and {"tests", "test"} & set(parts[:i]))
               for i, p in enumerate(parts))


@dataclass(frozen=True)
class LoadedConfig:
    config: RepoConfig
    error: str | None = None  # set when the file was invalid and the defaults are used
    found: bool = True  # False: there is no such file (the defaults, by design)


def parse_repo_config(text: str | None) -> LoadedConfig:
    """Never raises on the repository's input: an invalid file yields the defaults and the
    reason, which the publisher shows once to the maintainers."""
    if text is None:
        return LoadedConfig(RepoConfig(), found=False)
    if not text.strip():
        return LoadedConfig(RepoConfig())
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return LoadedConfig(RepoConfig(), f"{CONFIG_PATH} is not valid YAML: {exc}")
    if data is None:
        return LoadedConfig(RepoConfig())
    if not isinstance(data, dict):
        return LoadedConfig(RepoConfig(), f"{CONFIG_PATH} must be a mapping at the top level")
    try:
        return LoadedConfig(RepoConfig.model_validate(data))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        )
        return LoadedConfig(RepoConfig(), f"{CONFIG_PATH} is invalid ({problems})")
