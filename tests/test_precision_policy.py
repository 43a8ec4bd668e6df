"""Precision-first defaults: which linter findings are likely defects (inline), advice
(annotations) or off, and what the code around a finding changes about that (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.diffmap import parse_unified_diff
from bot.core.findings import Edit, Finding, Severity
from bot.core.plan import Coverage
from bot.core.repo_config import RepoConfig, is_test_path
from bot.core.suggest import suggestion_for
from bot.review.aggregate.plan import Reviewed, annotations_for, build_plan, conclusion_for
from bot.review.aggregate.rules import table_markdown
from bot.review.aggregate.select import select
from bot.review.aggregate.tiers import classify
from checks.linters.parsers import parse_pylint, pylint_errors

ROOT = Path(__file__).resolve().parent.parent


def finding(tool: str, rule: str, line: int = 1, sev: Severity = Severity.WARNING,
            checker: str = "bug", concern: str | None = None, path: str = "pkg/mod.py"
            ) -> Finding:
    return Finding(checker=checker, tool=tool, rule=rule, severity=sev, path=path, line=line,
                   message=f"{tool} {rule}", concern=concern)


def test_rules_measured_as_noise_are_off_and_a_repository_can_bring_one_back() -> None:
    for tool, rule in [("pylint", "W0622"), ("pylint", "W0404"), ("pylint", "W0246"),
                       ("pylint", "W0221"), ("pylint", "W1510"), ("ruff", "F405"),
                       ("ruff", "B905")]:
        assert classify(finding(tool, rule), None)[0] == "off", rule
    assert classify(finding("ruff", "B905"), None, frozenset({"ruff:B905"}))[0] == "advice"


def test_bug_class_signals_are_defects_and_style_is_advice() -> None:
    assert classify(finding("pylint", "W0104", concern="pointless-statement"), None)[0] == \
        "defect"  # a comparison with no assert
    assert classify(finding("pylint", "W0133", concern="exception-not-raised"), None)[0] == \
        "defect"
    assert classify(finding("ruff", "B028"), None)[0] == "defect"  # warning without stacklevel
    assert classify(finding("ruff", "F821", sev=Severity.ERROR,
                            concern="undefined-name"), None)[0] == "defect"
    assert classify(finding("ruff", "N802", sev=Severity.NOTE, checker="style"), None)[0] == \
        "advice"
    assert classify(finding("semgrep", "list-membership-in-loop", checker="performance"),
                    None)[0] == "advice"
    # pylint errors that rest on inference are advice (custom descriptors take cls)
    assert classify(finding("pylint", "E0213", sev=Severity.ERROR), None)[0] == "advice"
    assert classify(finding("pylint", "E1121", sev=Severity.ERROR), None)[0] == "defect"


def test_a_mutable_default_is_a_defect_only_when_the_function_mutates_it() -> None:
    mutated = "def add(item, basket=[]):\n    basket.append(item)\n    return basket\n"
    read_only = "def fmt(args, defaults={}):\n    return ', '.join(defaults.get(a, a) " \
                "for a in args)\n"
    b006 = finding("ruff", "B006", 1, concern="mutable-default-argument")
    assert classify(b006, mutated)[0] == "defect"
    assert classify(b006, read_only)[0] == "advice"


def test_fallback_imports_are_not_unused_imports() -> None:
    source = "try:\n    import ujson as json\nexcept ImportError:\n    import json\n"
    assert classify(finding("ruff", "F401", 2, concern="unused-import"), source)[0] == "off"
    plain = "import os\n"
    assert classify(finding("ruff", "F401", 1, concern="unused-import"), plain)[0] == "advice"


def test_no_suggestion_deletes_a_fallback_import() -> None:
    source = "try:\n    import ujson\nexcept ImportError:\n    ujson = None\n"
    delete_line_2 = (Edit(2, 1, 3, 1, ""),)
    assert suggestion_for(source, delete_line_2) is None
    assert suggestion_for("import os\nx = 1\n", (Edit(1, 1, 2, 1, ""),)) is not None


def test_security_in_tests_weak_crypto_and_superseded_patterns() -> None:
    timeout = finding("semgrep", "requests-without-timeout", checker="security",
                      concern="requests-without-timeout", path="tests/test_api.py")
    assert is_test_path("tests/test_api.py") and is_test_path("pkg/conftest.py")
    assert classify(timeout, None)[0] == "off"
    assert classify(finding("ruff", "F821", sev=Severity.ERROR, concern="undefined-name",
                            path="tests/test_api.py"), None)[0] == "defect"  # bugs still
    md5 = finding("bandit", "B324", 2, Severity.ERROR, checker="security", concern="weak-hash")
    checksum = "import hashlib\ndigest = hashlib.md5(data).hexdigest()  # cache key\n"
    password = "import hashlib\ndef store_password(p):\n    return hashlib.md5(p).hexdigest()\n"
    assert classify(md5, checksum)[0] == "off"
    assert classify(md5, password)[0] == "defect"
    web = "from flask import request\nquery = 'SELECT ' + name\n"
    pattern_sql = finding("bandit", "B608", 2, checker="security", concern="sql-injection")
    assert classify(pattern_sql, web)[0] == "off"  # the taint rules judge request handlers
    assert classify(pattern_sql, "query = 'SELECT ' + name\n")[0] == "advice"


def test_one_inline_comment_per_concern_and_line_and_advice_stays_out() -> None:
    diff = parse_unified_diff("--- a/m.py\n+++ b/m.py\n@@ -0,0 +1,3 @@\n+a\n+b\n+c\n")
    source = {"m.py": "a\nb\nc\n"}
    same_line = [finding("ruff", "B904", 2, concern="raise-without-from", path="m.py"),
                 finding("pylint", "W0707", 2, concern="raise-without-from", path="m.py"),
                 finding("ruff", "B007", 3, concern="unused-variable", path="m.py"),
                 finding("pylint", "W0612", 3, concern="unused-variable", path="m.py"),
                 finding("ruff", "F821", 1, Severity.ERROR, concern="undefined-name",
                         path="m.py")]
    config = RepoConfig()
    chosen = select(same_line, diff, config, source)
    plan = build_plan(Reviewed(base="b", head="h", diff=diff, config=config,
                               coverage=Coverage(1, 1), reviewed_files=["m.py"], sources=source),
                      chosen.kept)
    assert [c.line for c in plan.comments] == [1]  # the defect; the rest is advice
    assert [f.rule for f in chosen.kept] == ["F821", "B904", "W0612"]  # defect first
    assert chosen.kept[2].also_reported_by == ("ruff:B007",)  # one finding, both tools
    assert "W0707" in {f.rule for f in chosen.dropped}  # off: B904 says it
    assert "ruff B904, pylint W0612" in plan.summary  # advice is tallied, not re-listed
    everything = RepoConfig.model_validate({"inline": "all"})
    plan_all = build_plan(Reviewed(base="b", head="h", diff=diff, config=everything,
                                   coverage=Coverage(1, 1), reviewed_files=["m.py"],
                                   sources=source),
                      chosen.kept)
    assert sorted(c.line for c in plan_all.comments) == [1, 2, 3]  # one per line


def test_advice_never_fails_the_check_run() -> None:
    advice = [Finding(checker="bug", tool="pylint", rule="E0213", severity=Severity.ERROR,
                      path="m.py", line=1, message="x", advice=True)]
    assert conclusion_for(advice, Severity.ERROR) == "success"
    assert annotations_for(advice)[0].level == "warning"


def test_pylint_crashes_are_coverage_not_findings() -> None:
    output = ('{"messages": [{"messageId": "F0002", "symbol": "astroid-error", "path": '
              '"/snap/pkg/m.py", "line": 1, "message": "boom"}, {"messageId": "E0602", '
              '"symbol": "undefined-variable", "path": "/snap/pkg/m.py", "line": 3, '
              '"message": "Undefined variable \'x\'"}]}')
    assert [f.rule for f in parse_pylint(output, "/snap")] == ["E0602"]
    assert pylint_errors(output, "/snap") == ["could not analyse `pkg/m.py` (astroid-error)"]


@pytest.mark.measured_evidence  # docs/RULES.md shows the shipped fix-rate table
def test_the_rule_table_in_docs_is_generated_from_the_policy() -> None:
    assert (ROOT / "docs" / "RULES.md").read_text() == table_markdown()


def test_the_repositorys_ruff_ignores_hold_across_tools() -> None:
    from checks.linters.settings import load_linter_settings, ruff_ignores

    settings = load_linter_settings({"pyproject.toml": b"""
[tool.ruff.lint]
ignore = ["B904"]
per-file-ignores = {"__init__.py" = ["F401"], "tests/**" = ["S"]}
"""})
    assert ruff_ignores(settings.ruff, "pkg/__init__.py") >= {"F401", "B904"}
    diff = parse_unified_diff("--- a/pkg/__init__.py\n+++ b/pkg/__init__.py\n"
                              "@@ -0,0 +1,3 @@\n+from .a import b\n+c\n+d\n")
    source = {"pkg/__init__.py": "from .a import b\nc\nd\n"}
    found = [finding("pylint", "W0611", 1, concern="unused-import", path="pkg/__init__.py"),
             finding("ruff", "F401", 1, concern="unused-import", path="pkg/__init__.py"),
             finding("ruff", "B904", 2, concern="raise-without-from", path="pkg/__init__.py"),
             finding("ruff", "F821", 3, Severity.ERROR, concern="undefined-name",
                     path="pkg/__init__.py")]
    ignores = {p: ruff_ignores(settings.ruff, p) for p in source}
    chosen = select(found, diff, RepoConfig(), source, repo_ignores=ignores)
    assert [f.rule for f in chosen.kept] == ["F821"]
    reasons = {f.rule: f.status_reason for f in chosen.dropped}
    assert reasons["W0611"] == ("the repository's ruff settings ignore this concern "
                                "(unused-import) here")
    assert reasons["F401"] == "the repository's ruff settings ignore F401 here"


def test_inline_suppressions_of_one_tool_silence_the_same_concern_of_another() -> None:
    from bot.review.aggregate.suppress import suppressed

    ruff_f401 = finding("ruff", "F401", 1, concern="unused-import")
    assert suppressed(ruff_f401, "import os  # pylint: disable=unused-import\n")
    assert suppressed(ruff_f401, "import os  # pylint: disable=W0611\n")
    assert not suppressed(ruff_f401, "import os  # pylint: disable=invalid-name\n")
    shell = finding("semgrep", "subprocess-shell-true", 1, checker="security",
                    concern="shell-injection")
    assert suppressed(shell, "run(cmd, shell=True)  # nosec B602\n")
    assert suppressed(shell, "run(cmd, shell=True)  # nosec\n")
    assert not suppressed(shell, "run(cmd, shell=True)  # nosec B101\n")
    pylint_w0611 = finding("pylint", "W0611", 1, concern="unused-import")
    assert suppressed(pylint_w0611, "import os  # noqa: F401\n")


def test_argument_checks_are_defects_on_function_calls_only() -> None:
    function = Finding(checker="bug", tool="pylint", rule="E1121", severity=Severity.ERROR,
                       path="m.py", line=1,
                       message="Too many positional arguments for function call "
                               "(too-many-function-args)")
    method = Finding(checker="bug", tool="pylint", rule="E1121", severity=Severity.ERROR,
                     path="m.py", line=1,
                     message="Too many positional arguments for method call "
                             "(too-many-function-args)")
    assert classify(function, None)[0] == "defect"
    assert classify(method, None)[0] == "advice"


def test_a_taint_finding_and_the_pattern_on_its_line_are_one_problem() -> None:
    from bot.core.merge import merge_duplicates

    taint = finding("semgrep", "taint-deserialization", 9, checker="security",
                    concern="unsafe-deserialization")
    pattern = finding("bandit", "B506", 9, checker="security", concern="unsafe-yaml-load")
    (merged,) = merge_duplicates([taint, pattern])
    assert merged.rule == "taint-deserialization" and merged.also_reported_by == ("bandit:B506",)
