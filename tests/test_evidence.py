"""Inline comments by evidence: a linter's likely defect goes inline only when maintainers
are measured fixing what its rule reports (bench/fixrate's counts, pooled over the tools'
equivalent rules, code and tests apart), a merged finding takes its narrowest rule's tier,
and every finding not reported is in the JSON's `dropped` with its reason."""

from __future__ import annotations

import pytest

from bot.core.diffmap import parse_unified_diff
from bot.core.findings import Finding, Severity
from bot.core.plan import Coverage
from bot.core.repo_config import RepoConfig
from bot.core.reports import Produced
from bot.review.aggregate import evidence, measured
from bot.review.aggregate.aggregator import aggregate
from bot.review.aggregate.plan import Reviewed
from bot.review.aggregate.select import Decisions, select

pytestmark = pytest.mark.measured_evidence

DIFF = parse_unified_diff("""diff --git a/pkg/mod.py b/pkg/mod.py
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -1,1 +1,6 @@
 import os
+value = missing_name
+x.attr
+other = also_missing
+os.path
+y == 1
""")
SOURCE = "import os\nvalue = missing_name\nx.attr\nother = also_missing\nos.path\ny == 1\n"


def finding(tool: str, rule: str, line: int, concern: str | None = None,
            path: str = "pkg/mod.py", severity: Severity = Severity.ERROR) -> Finding:
    return Finding(checker="bug", tool=tool, rule=rule, severity=severity, path=path,
                   line=line, message=f"{tool} {rule} here", concern=concern)


@pytest.fixture
def rates(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
    table: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
        evidence.BASELINE: ((30, 1000), (10, 1000)),
        "ruff:F821": ((9, 20), (0, 40)),  # fixed often in code, never in tests
        "pylint:E0602": ((6, 10), (0, 30)),  # pooled with F821: one concern
        "pylint:W0104": ((1, 200), (0, 300)),  # left alone: advice
        "ruff:B018": ((0, 30), (0, 10)),
        "ruff:F632": ((2, 3), (0, 0)),  # 2 of 3: not enough samples to say anything
    }
    monkeypatch.setattr(measured, "FIX_RATES", table)
    return table


def test_the_wilson_lower_bound_is_what_the_sample_vouches_for() -> None:
    assert evidence.Evidence(0, 0).lower_bound == 0.0
    assert evidence.Evidence(10, 20).lower_bound == pytest.approx(0.299, abs=0.001)
    assert evidence.Evidence(2, 3).lower_bound == pytest.approx(0.208, abs=0.001)
    assert evidence.Evidence(200, 400).lower_bound > evidence.Evidence(10, 20).lower_bound


def test_evidence_is_pooled_over_one_concern_and_kept_apart_in_tests(
        rates: dict[str, tuple[tuple[int, int], tuple[int, int]]]) -> None:
    assert evidence.evidence_for("ruff", "F821", False) == evidence.Evidence(15, 30)
    assert evidence.evidence_for("pylint", "E0602", False) == evidence.Evidence(15, 30)
    assert evidence.earned_inline("pylint", "E0602", False)[0] is True
    earned, why = evidence.earned_inline("ruff", "F821", True)
    assert not earned and "rarely fix it in tests: fixed 0 of 70" in why
    earned, why = evidence.earned_inline("ruff", "F632", False)
    assert not earned and "too little evidence" in why and "fixed 2 of 3" in why
    assert not evidence.earned_inline("ruff", "UNMEASURED1", False)[0]
    # Parse failures and request-data flows are not judged by release histories.
    assert evidence.earned_inline("ruff", "invalid-syntax", False)[0]
    assert evidence.earned_inline("semgrep", "taint-sql-injection", False)[0]


def test_the_bar_rises_with_the_baseline_churn(
        rates: dict[str, tuple[tuple[int, int], tuple[int, int]]]) -> None:
    assert evidence.bar_for(False) == pytest.approx(0.30)  # 3% of lines move: 10 x 3%
    assert evidence.earned_inline("ruff", "F821", False)[0]  # 15/30: lower bound 0.33
    rates[evidence.BASELINE] = ((40, 1000), (10, 1000))  # a corpus where 4% of lines move
    assert evidence.bar_for(False) == pytest.approx(0.40)
    earned, why = evidence.earned_inline("ruff", "F821", False)
    assert not earned and "(bar: 40% at the low end)" in why
    rates[evidence.BASELINE] = ((0, 1000), (0, 1000))  # lines that never move: the floor
    assert evidence.bar_for(True) == evidence.BAR


def kept_by_line(findings: list[Finding], config: RepoConfig | None = None) -> dict[int, Finding]:
    selection = select(findings, DIFF, config or RepoConfig(), {"pkg/mod.py": SOURCE})
    return {f.line: f for f in selection.kept}


def test_a_likely_defect_without_evidence_is_advice_with_the_figures(
        rates: dict[str, tuple[tuple[int, int], tuple[int, int]]]) -> None:
    kept = kept_by_line([finding("ruff", "F821", 2, "undefined-name"),
                         finding("ruff", "F632", 6, "is-literal")])
    assert not kept[2].advice and "maintainers fix it in code: fixed 15 of 30" \
        in kept[2].tier_reason
    assert kept[6].advice and "too little evidence" in kept[6].tier_reason
    # A maintainer's enable_rules overrides the evidence.
    forced = kept_by_line([finding("ruff", "F632", 6, "is-literal")],
                          RepoConfig(enable_rules=["ruff:F632"]))
    assert not forced[6].advice


def test_a_merged_finding_takes_its_narrowest_rules_tier(
        rates: dict[str, tuple[tuple[int, int], tuple[int, int]]]) -> None:
    rates["pylint:W0104"] = ((60, 100), (0, 0))  # earned inline, but it is the broad rule
    broad = finding("pylint", "W0104", 3, "pointless-statement", severity=Severity.WARNING)
    narrow = finding("ruff", "B018", 3, "pointless-statement", severity=Severity.WARNING)
    alone = kept_by_line([broad])
    assert not alone[3].advice  # an attribute read outside tests: a likely missing call
    merged = kept_by_line([broad, narrow])
    assert len(merged) == 1 and merged[3].advice  # B018 (30 findings) is narrower (200)
    assert "ruff:B018" in merged[3].also_reported_by or merged[3].tool == "ruff"


def test_every_dropped_finding_is_in_the_json_with_its_reason(
        rates: dict[str, tuple[tuple[int, int], tuple[int, int]]]) -> None:
    outside = finding("ruff", "F821", 1, "undefined-name")  # an unchanged line
    off = finding("ruff", "E731", 2)  # off by default
    reviewed = Reviewed(base="b" * 40, head="h" * 40, diff=DIFF, config=RepoConfig(),
                        coverage=Coverage(files_total=1, files_reviewed=1),
                        reviewed_files=["pkg/mod.py"], sources={"pkg/mod.py": SOURCE})
    plan = aggregate(reviewed, Produced(findings=(outside, off)), None, Decisions(), {})
    dropped = plan.as_json()["dropped"]
    reasons = {(d["rule"], d["line"]): d["reason"] for d in dropped}
    assert reasons[("F821", 1)] == "outside the added filter"
    assert reasons[("E731", 2)].startswith("off by default:")
    assert plan.trace_json()["dropped_total"] == 2


def test_a_finding_is_followed_forward_through_the_releases() -> None:
    """bench/fixrate's rule: fixed when the next release lacks it while its function lives,
    left when every later release still has it, unknown when its function went, or when
    its tool failed on a release it is followed through (it would look fixed)."""
    from bench.fixrate import Seen, outcomes

    fixed = Seen("pkg/a.py", "ruff:F821", "return missing", "f")
    left = Seen("pkg/a.py", "pylint:W0104", "x.attr", "g")
    gone = Seen("pkg/a.py", "ruff:F821", "return other", "h")  # h is removed
    crashed = Seen("tests/test_a.py", "pylint:E0602", "y", "t")
    history = [[fixed, left, gone, crashed], [left], [left]]
    functions = [{"pkg/a.py": {"f", "g", "h"}, "tests/test_a.py": {"t"}},
                 {"pkg/a.py": {"f", "g"}, "tests/test_a.py": {"t"}},
                 {"pkg/a.py": {"f", "g"}, "tests/test_a.py": {"t"}}]
    counts = outcomes(history, functions, [set(), set(), set()])
    assert counts[("ruff:F821", False, "fixed")] == 1  # `gone` says nothing
    assert counts[("pylint:W0104", False, "left")] == 2  # followed from releases 1 and 2
    assert counts[("pylint:E0602", True, "fixed")] == 1
    guarded = outcomes(history, functions, [set(), {"pylint"}, set()])
    assert guarded[("pylint:E0602", True, "fixed")] == 0  # pylint failed on release 2
    assert guarded[("ruff:F821", False, "fixed")] == 1
