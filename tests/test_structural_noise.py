"""Noise a rule cannot see removed whatever the rule: an expression a test means, a binding
a try that always raises guarantees, test data, the repository's own excludes, a rule said
once per file, lines that only moved, one `noqa` for every tool's equivalent rule, and the
project's Python version and first-party roots kept for ruff."""

from __future__ import annotations

from dataclasses import replace

from bot.core.diffmap import moved_lines, parse_unified_diff
from bot.core.findings import Finding, Severity
from bot.core.place import place_comments
from bot.core.repo_config import RepoConfig, is_test_data
from bot.review.aggregate.suppress import suppressed
from bot.review.aggregate.tiers import classify
from bot.review.request import split_reviewable
from checks.linters.settings import python_target, ruff_excluded


def pointless(path: str, line: int, tool: str = "pylint", rule: str = "W0104") -> Finding:
    return Finding(checker="bug", tool=tool, rule=rule, severity=Severity.WARNING, path=path,
                   line=line, message="Statement seems to have no effect",
                   concern="pointless-statement")


RAISES = """import pytest


def test_frozen(a):
    with pytest.raises(AttributeError):
        a.z
    a.cached
    a.x == 1


class T:
    def test_it(self):
        with self.assertRaises(KeyError):
            {}["k"]
"""


def test_an_expression_a_test_means_is_not_a_defect() -> None:
    assert classify(pointless("tests/test_a.py", 6), RAISES)[0] == "off"  # in raises
    assert classify(pointless("tests/test_a.py", 7), RAISES)[0] == "off"  # a read in a test
    assert classify(pointless("tests/test_a.py", 8), RAISES)[0] == "defect"  # missing assert
    assert classify(pointless("tests/test_a.py", 14), RAISES)[0] == "off"  # assertRaises
    # Outside tests an attribute alone is likely a missing call (`f.close`): a defect.
    assert classify(pointless("pkg/mod.py", 7), RAISES)[0] == "defect"
    assert classify(pointless("pkg/mod.py", 1, "ruff", "B018"),
                    "import os\n'text'\n")[0] != "defect"


ALWAYS_RAISES = """def f():
    try:
        raise ValueError("x")
    except ValueError as e:
        v = e
    return v
"""
MAYBE = """def f(ok):
    try:
        if ok:
            raise ValueError("x")
    except ValueError as e:
        v = e
    return v
"""


def test_a_binding_a_try_that_always_raises_guarantees_is_not_used_before_assignment() -> None:
    e0601 = Finding(checker="bug", tool="pylint", rule="E0601", severity=Severity.ERROR,
                    path="pkg/mod.py", line=6, message="Using variable 'v' before assignment",
                    concern="used-before-assignment")
    assert classify(e0601, ALWAYS_RAISES)[0] == "off"
    assert classify(e0601, MAYBE)[0] != "off"  # a real one stays
    # Another function's always-raising try does not vouch for this one's name.
    elsewhere = MAYBE + "\n\n" + ALWAYS_RAISES.replace("def f():", "def g():")
    assert classify(e0601, elsewhere)[0] != "off"


FINALIZER = """import warnings


class Stream:
    def __del__(self):
        warnings.warn("unclosed", ResourceWarning, source=self)

    def close(self):
        warnings.warn("closed twice")
"""


def test_a_finalizers_warning_needs_no_stacklevel() -> None:
    """anyio's held-out release: a ResourceWarning from `__del__` has no caller to point at
    (the collector calls it); the same rule in an ordinary method keeps its tier."""
    def b028(line: int) -> Finding:
        return Finding(checker="bug", tool="ruff", rule="B028", severity=Severity.WARNING,
                       path="pkg/stream.py", line=line, message="No explicit `stacklevel`")
    tier, reason = classify(b028(6), FINALIZER)
    assert tier == "advice" and "finalizer" in reason
    assert classify(b028(9), FINALIZER)[0] == "defect"


def test_test_data_and_the_repositorys_excludes_are_not_linted_as_code() -> None:
    assert is_test_data("tests/data/cases/fmtonoff6.py") and is_test_data("a/testdata/x.py")
    assert is_test_data("tests/unit/data/x.py") and is_test_data("web/__snapshots__/s.py")
    assert not is_test_data("src/data/loader.py") and not is_test_data("tests/test_data.py")
    diff = parse_unified_diff("".join(
        f"--- /dev/null\n+++ b/{p}\n@@ -0,0 +1,1 @@\n+x = 1\n"
        for p in ("tests/data/cases/a.py", "pkg/a.py")))
    contents: dict[str, bytes | None] = {p: b"x = 1\n" for p in diff.files}
    reviewable, skipped = split_reviewable(diff, RepoConfig(), contents)
    assert list(reviewable) == ["pkg/a.py"]
    assert skipped == [("tests/data/cases/a.py",
                        "test data (inputs a test reads, not code that runs)")]
    everything = RepoConfig.model_validate({"use_default_ignores": False})
    assert len(split_reviewable(diff, everything, contents)[0]) == 2  # the repository decides
    ruff = {"extend-exclude": ["docs/conf.py", "build/", "*.pyi"], "exclude": ["./vendored"]}
    assert ruff_excluded(ruff, "docs/conf.py") and ruff_excluded(ruff, "build/lib/a.py")
    assert ruff_excluded(ruff, "stubs/x.pyi") and ruff_excluded(ruff, "vendored/a/b.py")
    assert not ruff_excluded(ruff, "src/docs_conf.py") and not ruff_excluded(None, "a.py")


def test_one_noqa_holds_for_every_tools_equivalent_rule() -> None:
    w0401 = Finding(checker="style", tool="pylint", rule="W0401", severity=Severity.WARNING,
                    path="pkg/__init__.py", line=1, message="Wildcard import",
                    concern="wildcard-import")
    assert suppressed(w0401, "from .core import *  # noqa: F403\n")
    assert not suppressed(w0401, "from .core import *  # noqa: F401\n")


def test_a_rule_is_said_inline_once_per_file_and_never_on_moved_lines() -> None:
    diff = parse_unified_diff(
        "--- a/old.py\n+++ b/old.py\n@@ -1,4 +1,1 @@\n keep = 1\n-def f():\n-    a = b\n"
        "-    return a\n"
        "--- a/new.py\n+++ b/new.py\n@@ -1,1 +1,8 @@\n other = 2\n+def f():\n+    a = b\n"
        "+    return a\n+x = y\n+z = w\n+q = r\n+t = u\n")
    assert moved_lines(diff) == {"new.py": frozenset({2, 3, 4})}
    base = Finding(checker="bug", tool="ruff", rule="F821", severity=Severity.ERROR,
                   path="new.py", line=3, message="Undefined name", concern="undefined-name")
    found = [replace(base, line=n, fingerprint=f"fp{n}") for n in (3, 5, 6, 7)]
    inline, overflow = place_comments(found, diff, limit=10, already_posted=frozenset())
    assert [c.line for c in inline] == [5]  # line 3 only moved; one F821 per file inline
    assert {f.line for f in overflow} == {3, 6, 7}  # the rest in the check run


def test_ruff_keeps_the_projects_python_version() -> None:
    assert python_target('[project]\nrequires-python = ">=3.8"\n') == "py38"
    assert python_target('[project]\nrequires-python = ">3.9,<4"\n') == "py310"
    assert python_target('[project]\nname = "x"\n') is None
    assert python_target("not toml [") is None and python_target(None) is None


def test_black_flake8_and_pre_commit_excludes_are_honoured() -> None:
    import time

    from checks.linters.excludes import repository_excludes

    texts = {
        "pyproject.toml": '[tool.black]\nextend-exclude = """\n(\n  ^/src/gen/   # generated\n'
                          '  | _pb2\\\\.py$\n)\n"""\n',
        "setup.cfg": "[flake8]\nexclude = .git,build,\n    */migrations/*\n",
        ".pre-commit-config.yaml": "exclude: ^vendor/\nrepos:\n- repo: local\n  hooks:\n"
                                   "  - id: black\n    exclude: ^docs/examples/\n"
                                   "  - id: mypy\n    exclude: ^pkg/\n",
    }
    excludes = repository_excludes(texts)
    assert excludes.excluded_by("src/gen/models.py") == "black"  # a verbose pattern
    assert excludes.excluded_by("pkg/api_pb2.py") == "black"
    assert excludes.excluded_by("app/migrations/0001_initial.py") == "flake8"
    assert excludes.excluded_by("build/lib/x.py") == "flake8"
    assert excludes.excluded_by("vendor/six.py") == "pre-commit"
    assert excludes.excluded_by("docs/examples/demo.py") == "pre-commit (black)"
    assert excludes.excluded_by("pkg/core.py") is None  # mypy's exclude is about typing
    assert excludes.excluded_by("src/app.py") is None
    # A hostile pattern gets its time limit, not the review's; an invalid one a note.
    hostile = repository_excludes({".pre-commit-config.yaml":
                                   "exclude: '(\\w+\\s?)+$'\nrepos: []\n",
                                   "pyproject.toml": "[tool.black]\nexclude = '(unclosed'\n"})
    started = time.monotonic()
    assert hostile.excluded_by("a" * 3000 + "!/x.py") is None
    assert time.monotonic() - started < 2
    assert any("black exclude pattern is not a valid" in n for n in hostile.notes)


def test_a_file_the_repository_excludes_is_skipped_with_the_tool_named() -> None:
    from checks.linters.settings import load_linter_settings

    settings = load_linter_settings({".pre-commit-config.yaml": b"exclude: ^third_party/\n"})
    assert settings.excluded_by("third_party/lib.py") == "pre-commit"
    assert settings.excluded_by("src/lib.py") is None
