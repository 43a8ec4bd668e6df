"""Whether a rule has earned an inline comment: how often maintainers fix what it reports,
measured (pure).

`bench/fixrate` lints release histories of PyPI projects nobody here tuned on and follows
every finding forward: *fixed* when a later release changes its line while the function
around it survives, *left* when it survives untouched. `measured.py` holds the counts (it
is generated: `python -m bench.fixrate --write`). A linter's likely defect goes inline only
when the evidence for its problem clears the bar; otherwise it is advice in the check run,
with the figures as the reason.

The bar (see docs/RULES.md for the figures behind it):
- the evidence is pooled over the tools' equivalent rules (one concern: ruff F821 and
  pylint E0602 are one "undefined name"), counted separately in code and in tests;
- at least MIN_SAMPLES findings followed, or the rate says nothing;
- the 95% Wilson lower bound of the fix rate at least LIFT times the corpus's baseline
  churn (how often any line of code changed between the same releases, `baseline:any-line`,
  about 1%) and never below BAR: even at the low end of what the sample allows, the rule
  points at lines maintainers changed, unprompted, an order of magnitude more often than
  at random lines. The bar was set before the full corpus was measured, from that
  principle, not from which rules it lets through.

Two kinds of finding are not judged by release histories, for a stated reason: a file that
does not parse (a fact, not a heuristic; no release carries one outside its test data), and
the taint rules' flows of request data into a sink (libraries have no request handlers, so
the corpus has no samples; bench/security measures them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.core.catalog import CONCERNS, concern_of
from bot.review.aggregate import measured

MIN_SAMPLES = 20
BAR = 0.05  # the floor, for a corpus whose lines hardly ever change
LIFT = 10.0
Z_95 = 1.96
NOT_MEASURED_BY_RELEASES = frozenset({"syntax-error"})
BASELINE = "baseline:any-line"


@dataclass(frozen=True)
class Evidence:
    fixed: int
    samples: int

    @property
    def rate(self) -> float:
        return self.fixed / self.samples if self.samples else 0.0

    @property
    def lower_bound(self) -> float:
        """The Wilson score interval's lower end at 95%: the rate the sample vouches for."""
        n = self.samples
        if n == 0:
            return 0.0
        p = self.fixed / n
        z2 = Z_95 * Z_95
        centre = p + z2 / (2 * n)
        spread = Z_95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
        return max(0.0, (centre - spread) / (1 + z2 / n))

    def __add__(self, other: Evidence) -> Evidence:
        return Evidence(self.fixed + other.fixed, self.samples + other.samples)

    def text(self) -> str:
        return f"fixed {self.fixed} of {self.samples}"


def baseline(in_tests: bool) -> Evidence:
    return own(BASELINE, in_tests)


def own(label: str, in_tests: bool) -> Evidence:
    """The measured counts of one `tool:rule` alone, in code or in tests."""
    code, tests = measured.FIX_RATES.get(label, ((0, 0), (0, 0)))
    fixed, samples = tests if in_tests else code
    return Evidence(fixed, samples)


def equivalent_rules(tool: str, rule: str) -> list[str]:
    """`tool:rule` and every rule of any tool that names the same concern."""
    concern = CONCERNS.get((tool, rule))
    if concern is None:
        return [f"{tool}:{rule}"]
    return sorted({f"{t}:{r}" for (t, r), c in CONCERNS.items() if c == concern}
                  | {f"{tool}:{rule}"})


def evidence_for(tool: str, rule: str, in_tests: bool) -> Evidence:
    total = Evidence(0, 0)
    for label in equivalent_rules(tool, rule):
        total += own(label, in_tests)
    return total


def bar_for(in_tests: bool) -> float:
    return max(BAR, LIFT * baseline(in_tests).rate)


def earned_inline(tool: str, rule: str, in_tests: bool) -> tuple[bool, str]:
    """Whether the rule's likely defects go inline in this kind of file, and why (the
    figures, for the check run and docs/RULES.md)."""
    if concern_of(tool, rule) in NOT_MEASURED_BY_RELEASES or rule.startswith("taint-"):
        return True, "not judged by release histories (docs/RULES.md)"
    where = "tests" if in_tests else "code"
    e = evidence_for(tool, rule, in_tests)
    if e.samples < MIN_SAMPLES:
        return False, (f"too little evidence that maintainers fix it in {where} "
                       f"({e.text()} measured; {MIN_SAMPLES} needed)")
    if e.lower_bound < bar_for(in_tests):
        return False, (f"maintainers rarely fix it in {where}: {e.text()} measured "
                       f"(bar: {bar_for(in_tests):.0%} at the low end)")
    return True, f"maintainers fix it in {where}: {e.text()} measured"


def narrowness(tool: str, rule: str) -> int:
    """How many findings the rule made in the corpus (fewer: a narrower rule, the more
    specific of two tools' views of one line)."""
    label = f"{tool}:{rule}"
    return own(label, False).samples + own(label, True).samples
