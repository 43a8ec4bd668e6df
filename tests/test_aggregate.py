"""The deterministic aggregator: merging, selection, placement, summary, conclusion."""

from __future__ import annotations

from bot.core.diffmap import parse_unified_diff
from bot.core.findings import Finding, Severity
from bot.core.fingerprint import fingerprint
from bot.core.markers import MARKER_RE
from bot.core.merge import merge_duplicates
from bot.core.plan import Coverage
from bot.core.repo_config import RepoConfig
from bot.review.aggregate.plan import Reviewed, build_plan, conclusion_for
from bot.review.aggregate.select import select_findings

DIFF = parse_unified_diff(
    "--- a/app.py\n+++ b/app.py\n@@ -1,3 +1,6 @@\n import os\n+x = 1\n+y = 2\n+z = 3\n"
    " a = 1\n b = 2\n"
)
SOURCE = {"app.py": "import os\nx = 1\ny = 2\nz = 3\na = 1\nb = 2\n"}


def f(tool: str, rule: str, line: int, sev: Severity = Severity.WARNING,
      checker: str = "security", concern: str | None = None) -> Finding:
    return Finding(checker=checker, tool=tool, rule=rule, severity=sev, path="app.py",
                   line=line, message=f"{tool} says {rule}", concern=concern)


def test_same_concern_on_same_line_merges_naming_both_tools() -> None:
    merged = merge_duplicates([
        f("bandit", "B602", 2, Severity.ERROR, concern="shell-injection"),
        f("semgrep", "subprocess-shell-true", 2, Severity.ERROR, concern="shell-injection"),
        f("semgrep", "subprocess-shell-true", 4, Severity.ERROR, concern="shell-injection"),
    ])
    assert len(merged) == 2
    first = merged[0]
    assert first.tool == "semgrep" and first.also_reported_by == ("bandit:B602",)


def test_selection_honours_config_and_filter_mode() -> None:
    findings = [
        f("ruff", "F401", 1, checker="bug"),  # context line: out of scope in `added` mode
        f("ruff", "B006", 2, checker="bug"),
        f("ruff", "N802", 3, Severity.NOTE, checker="style"),
        f("bandit", "B101", 4),
    ]
    cfg = RepoConfig.model_validate({"checkers": {"style": {"enabled": False}},
                                     "disabled_rules": ["bandit:B101"]})
    kept = select_findings(findings, DIFF, cfg, SOURCE)
    assert [(x.rule, x.line) for x in kept] == [("B006", 2)]
    assert kept[0].fingerprint
    warn_only = RepoConfig.model_validate({"min_severity": "error"})
    assert select_findings(findings, DIFF, warn_only, SOURCE) == []


def test_fingerprint_survives_line_shifts_not_content_changes() -> None:
    a = f("ruff", "B006", 2)
    moved = f("ruff", "B006", 7)
    assert fingerprint(a, "x\ndef g(a=[]): pass\n") == fingerprint(
        moved, "\n" * 5 + "x\ndef   g(a=[]):  pass\n")
    assert fingerprint(a, "x\ndef g(a=[]): pass\n") != fingerprint(a, "x\ndef h(a=[]): pass\n")


def plan_for(findings: list[Finding], **cfg: object) -> object:
    config = RepoConfig.model_validate(cfg)
    selected = select_findings(findings, DIFF, config, SOURCE)
    return build_plan(Reviewed(base="b" * 40, head="h" * 40, diff=DIFF, config=config,
                               coverage=Coverage(2, 1, (("logo.png", "binary"),)),
                               reviewed_files=["app.py"], sources=SOURCE),
                      selected)


def test_plan_caps_inline_comments_and_summarises_the_rest() -> None:
    findings = [f("ruff", f"B{i:03}", 2 + i % 3, Severity.ERROR, checker="bug")
                for i in range(6)]
    plan = plan_for(findings, max_comments=2)
    assert len(plan.comments) == 2  # type: ignore[attr-defined]
    assert all(c.line in (2, 3, 4) for c in plan.comments)  # type: ignore[attr-defined]
    body = plan.summary  # type: ignore[attr-defined]
    assert "### Critical issues" in body and "### Suggestions" in body
    assert "### What looks good" in body
    assert "Reviewed 1 of 2 files; skipped: `logo.png` (binary)" in body
    # Every critical issue is named with its rule and place; those inline say so.
    assert body.count("- `app.py:") == 6 and body.count("— posted inline") == 2
    marker = MARKER_RE.search(body)
    assert marker and marker.group(1) == "h" * 40


def test_event_is_comment_unless_configured_never_approve() -> None:
    error = [f("bandit", "B602", 2, Severity.ERROR)]
    assert plan_for(error).event == "COMMENT"  # type: ignore[attr-defined]
    assert plan_for(error, request_changes=True).event == "REQUEST_CHANGES"  # type: ignore[attr-defined]
    clean = plan_for([], request_changes=True)
    assert clean.event == "COMMENT"  # type: ignore[attr-defined]
    assert "No findings on the changed lines." in clean.summary  # type: ignore[attr-defined]


def test_conclusion_from_fail_level() -> None:
    warn = [f("ruff", "B006", 2)]
    assert conclusion_for(warn, Severity.ERROR) == "success"
    assert conclusion_for(warn, Severity.WARNING) == "failure"
    assert conclusion_for(warn, None) == "neutral"
    assert conclusion_for([], None) == "success"


def test_already_posted_fingerprints_are_not_posted_again() -> None:
    findings = [f("ruff", "F821", 2, checker="bug")]
    first = plan_for(findings)
    fp = first.comments[0].fingerprint  # type: ignore[attr-defined]
    config = RepoConfig()
    selected = select_findings(findings, DIFF, config, SOURCE)
    again = build_plan(Reviewed(base="b", head="h2", diff=DIFF, config=config,
                                coverage=Coverage(1, 1), reviewed_files=["app.py"],
                                already_posted=frozenset({fp})),
                      selected)
    assert again.comments == () and len(again.findings) == 1


def test_safe_fix_becomes_a_suggestion_only_on_the_commented_added_lines() -> None:
    from dataclasses import replace

    from bot.core.findings import Edit

    on_added = replace(f("ruff", "C408", 2, checker="performance"),
                       fix=(Edit(2, 5, 2, 6, "10"),))
    on_context = replace(f("ruff", "F401", 1, checker="bug"), fix=(Edit(1, 1, 2, 1, ""),))
    plan = plan_for([on_added, on_context], filter_mode="nofilter", inline="all")
    bodies = {c.line: c.body for c in plan.comments}  # type: ignore[attr-defined]
    assert "```suggestion\nx = 10\n```" in bodies[2]
    assert "```suggestion" not in bodies[1]  # line 1 is context: no edit offered there


def test_merged_finding_keeps_the_fix_of_any_member() -> None:
    from dataclasses import replace

    from bot.core.findings import Edit

    ruff = replace(f("ruff", "F401", 2, checker="bug", concern="unused-import"),
                   fix=(Edit(2, 1, 3, 1, ""),))
    pylint = f("pylint", "W0611", 2, checker="bug", concern="unused-import")
    (merged,) = merge_duplicates([ruff, pylint])
    assert merged.tool == "pylint" and merged.fix == ruff.fix


def test_coverage_line_keeps_the_case_of_paths() -> None:
    coverage = Coverage(files_total=2, files_reviewed=1,
                        skipped=(("Django.egg-info/PKG-INFO", "generated"),))
    plan = build_plan(Reviewed(base="b", head="h", diff=DIFF, config=RepoConfig(),
                               coverage=coverage, reviewed_files=["app.py"]),
                      [])
    assert "Reviewed 1 of 2 files; skipped: `Django.egg-info/PKG-INFO` (generated)" in plan.summary


def test_a_suggestion_that_would_break_the_file_is_not_offered() -> None:
    from bot.core.findings import Edit
    from bot.core.suggest import suggestion_for

    source = "def f(x):\n    return x == None\n"
    good = suggestion_for(source, [Edit(2, 14, 2, 16, "is")])
    assert good is not None and good.text == "    return x is None"
    broken = suggestion_for(source, [Edit(2, 5, 2, 11, "retur (")])
    assert broken is None


def test_a_model_repeating_a_linter_becomes_one_comment_naming_both() -> None:
    linter = f("bandit", "B602", 2)
    model = Finding(checker="security", tool="llm", rule="security-critique",
                    severity=Severity.WARNING, path="app.py", line=2,
                    message="Shell injection through the folder name.", source="model",
                    confidence=0.9)
    other_checker = Finding(checker="bug", tool="llm", rule="bug-critique",
                            severity=Severity.WARNING, path="app.py", line=2,
                            message="Returns before closing the file.", source="model")
    merged = merge_duplicates([model, linter, other_checker])
    assert len(merged) == 2
    (one,) = [m for m in merged if m.checker == "security"]
    assert one.tool == "bandit" and one.also_reported_by == ("llm:security-critique",)
    assert one.rationale == "Shell injection through the folder name."
