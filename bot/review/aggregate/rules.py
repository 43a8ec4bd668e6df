"""Which linter findings are worth an inline comment by default (pure data and lookups).

Each finding gets a tier:
- `defect`: likely a bug or a real risk; posted inline;
- `advice`: true, maybe worth fixing, rarely worth a maintainer's minute in a review: it
  goes to the check run's annotations and the summary's tally, inline only when the
  repository opts in (`inline: all` in `.github/reviewbot.yml`);
- `off`: measured as noise (or a tool's limitation taken for a finding): not reported,
  kept in the dropped list with the reason; a repository can turn one back on
  (`enable_rules`).

The table below is the whole decision, with the reason for each entry; `docs/RULES.md` is
generated from it (`python -m bot.review.aggregate.rules`). A rule not listed is `advice` unless it
is an error-severity finding of a tool that parses or infers reliably.
"""

from __future__ import annotations

from typing import Literal

from bot.core.catalog import concern_of
from bot.review.aggregate import evidence, measured

Tier = Literal["defect", "advice", "off"]

# (tool, rule) -> (tier, why). Measured on the changes of bench/precision, judged by hand.
RULES: dict[tuple[str, str], tuple[Tier, str]] = {
    # --- likely defects (inline) -----------------------------------------------------
    ("ruff", "F821"): ("defect", "an undefined name fails at run time (a missing import)"),
    ("pylint", "E0602"): ("defect", "an undefined name fails at run time"),
    ("ruff", "F811"): ("defect", "a redefinition hides the first definition (a duplicated "
                                 "test never runs)"),
    ("ruff", "F601"): ("defect", "a duplicate dict key silently drops a value"),
    ("pylint", "W0109"): ("defect", "a duplicate dict key silently drops a value"),
    ("ruff", "F632"): ("defect", "`is` with a literal compares identity, not value"),
    ("ruff", "F502"): ("defect", "a %-format that fails at run time"),
    ("ruff", "F507"): ("defect", "a %-format with the wrong number of arguments"),
    ("ruff", "F522"): ("defect", "a .format() call with unused arguments: a typo'd field"),
    ("ruff", "F524"): ("defect", "a .format() call missing an argument fails at run time"),
    ("ruff", "F631"): ("defect", "`assert (x, msg)` is always true"),
    ("ruff", "F702"): ("defect", "`continue` outside a loop"),
    ("ruff", "F704"): ("defect", "`yield` outside a function"),
    ("ruff", "F706"): ("defect", "`return` outside a function"),
    ("ruff", "F707"): ("defect", "a bare `except:` before others makes them unreachable"),
    ("ruff", "F823"): ("defect", "a local variable used before assignment"),
    ("ruff", "B002"): ("defect", "`++x` is not an increment in Python"),
    ("ruff", "B012"): ("defect", "return/break in `finally` swallows the exception"),
    ("pylint", "W0150"): ("defect", "return/break in `finally` swallows the exception"),
    ("ruff", "B015"): ("defect", "a comparison whose result is dropped: a missing `assert`"),
    ("pylint", "W0104"): ("defect", "a statement with no effect: usually a missing `assert`, "
                                    "call or assignment"),
    ("pylint", "W0133"): ("defect", "an exception built and never raised"),
    ("ruff", "PLW0133"): ("defect", "an exception built and never raised"),
    ("ruff", "B016"): ("defect", "raising a literal is a TypeError"),
    ("ruff", "B021"): ("defect", "an f-string docstring is not a docstring"),
    ("ruff", "B023"): ("defect", "a closure in a loop sees the last value of the loop variable"),
    ("pylint", "W0640"): ("defect", "a closure in a loop sees the last value of the loop "
                                    "variable"),
    ("ruff", "B025"): ("defect", "a duplicate `except` clause never runs"),
    ("pylint", "W0705"): ("defect", "a duplicate `except` clause never runs"),
    ("ruff", "B028"): ("defect", "a warning without stacklevel points at the library, not the "
                                 "caller's line"),
    ("ruff", "B029"): ("defect", "`except ():` catches nothing"),
    ("ruff", "B030"): ("defect", "an `except` clause with a non-exception type fails when hit"),
    ("ruff", "B032"): ("defect", "an annotation without a value where `=` was meant"),
    ("ruff", "B033"): ("defect", "a duplicate item in a set literal"),
    ("pylint", "W0130"): ("defect", "a duplicate item in a set literal"),
    ("ruff", "B035"): ("defect", "a static key in a dict comprehension keeps one item"),
    ("ruff", "B039"): ("defect", "a mutable ContextVar default is shared"),
    ("pylint", "W0101"): ("defect", "unreachable code: an early return or raise hides it"),
    ("pylint", "W0143"): ("advice", "comparing a function, not its result: a missing `()`, "
                                    "but comparing two callables is often deliberate "
                                    "(measured wrong)"),
    ("pylint", "W0199"): ("defect", "`assert` on a tuple is always true"),
    ("pylint", "W0129"): ("defect", "`assert` on a string literal is always true"),
    ("pylint", "W0711"): ("defect", "`except A or B` catches only A"),
    ("pylint", "W0716"): ("defect", "an invalid operation on exceptions"),
    ("pylint", "W1114"): ("defect", "arguments passed in a different order than the "
                                    "parameters' names"),
    ("pylint", "W1508"): ("defect", "an os.getenv default that is not a string"),
    ("pylint", "W1515"): ("defect", "a forgotten breakpoint()"),
    ("pylint", "W1404"): ("defect", "implicit string concatenation: usually a missing comma"),
    ("pylint", "W0177"): ("defect", "a comparison with NaN is always false"),
    ("pylint", "W2101"): ("defect", "a lock acquired and released at once protects nothing"),
    ("pylint", "W0124"): ("defect", "a `with` statement whose targets are confused"),
    ("pylint", "W1300"): ("defect", "a %-format string with a bad key"),
    ("pylint", "W1305"): ("defect", "a format string mixing automatic and manual fields"),
    ("pylint", "W1310"): ("defect", "a format string without an interpolation: a forgotten "
                                    "argument"),
    ("pylint", "W0631"): ("advice", "the loop variable used after the loop: right only if "
                                    "the loop ran"),
    ("ruff", "W605"): ("defect", "an invalid escape sequence (a SyntaxWarning; in a regex, "
                                 "usually a missing r prefix)"),
    ("pylint", "W1401"): ("defect", "an invalid escape sequence (usually a missing r prefix)"),
    # --- the other languages' likely defects: inline once measured (none is yet: the
    # fix-rate corpus is Python releases), or with `enable_rules` / `tools:` ----------------
    ("oxlint", "no-dupe-keys"): ("defect", "a duplicate key silently drops a value"),
    ("oxlint", "no-cond-assign"): ("defect", "an assignment where a comparison was meant"),
    ("oxlint", "no-self-assign"): ("defect", "assigning a variable to itself does nothing"),
    ("oxlint", "use-isnan"): ("defect", "a comparison with NaN is always false"),
    ("oxlint", "no-unsafe-finally"): ("defect", "return in `finally` swallows the exception"),
    ("shellcheck", "SC2115"): ("defect", "`rm -rf $DIR/` removes / when the variable is "
                                         "empty"),
    ("shellcheck", "SC2086"): ("advice", "an unquoted variable: word splitting, usually "
                                         "harmless in practice"),
    ("hadolint", "DL3002"): ("defect", "the container runs as root"),
    ("zizmor", "template-injection"): ("defect", "text an attacker writes (a title, a branch "
                                                 "name) runs as a shell script"),
    ("zizmor", "dangerous-triggers"): ("defect", "pull_request_target or workflow_run runs "
                                                 "with secrets on code from a fork"),
    ("detect-secrets", "committed-secret"): ("defect", "a credential is exposed to everyone "
                                                       "who can read the repository"),
    # --- pylint errors that rest on inference and fail on decorators, descriptors,
    # dynamic attributes and framework magic: advice -----------------------------------
    ("pylint", "E0213"): ("advice", "custom descriptors and metaclass methods take `cls`; "
                                    "measured wrong 7 of 7 times"),
    ("pylint", "E0606"): ("advice", "misses guards such as `if defaults:` on both uses; "
                                    "measured wrong"),
    ("pylint", "E1120"): ("advice", "decorators that inject arguments (click, pytest) fool it"),
    ("pylint", "E1102"): ("advice", "inference of what is callable fails on descriptors"),
    ("pylint", "E1111"): ("advice", "inference of return values fails on overrides"),
    ("pylint", "E1128"): ("advice", "inference of return values fails on overrides"),
    ("pylint", "E1133"): ("advice", "inference of iterables fails on dynamic classes"),
    ("pylint", "E1135"): ("advice", "inference of containers fails on dynamic classes"),
    ("pylint", "E1136"): ("advice", "inference of subscriptables fails on dynamic classes"),
    ("pylint", "E1137"): ("advice", "inference of subscriptables fails on dynamic classes"),
    ("pylint", "E1130"): ("advice", "operand type inference fails on operator overloading"),
    ("pylint", "E1131"): ("advice", "operand type inference fails on operator overloading"),
    ("pylint", "E0239"): ("advice", "base class inference fails on dynamic classes"),
    ("pylint", "E0110"): ("advice", "abstract class inference fails on registered ABCs"),
    ("pylint", "E1125"): ("advice", "keyword-only inference fails on wrappers"),
    ("pylint", "E0633"): ("advice", "unpacking inference fails on dynamic values"),
    ("pylint", "E1129"): ("advice", "context-manager inference fails on wrapped and C-level "
                                    "objects"),
    # --- off: measured as noise in review comments, or repeated by another tool ----------
    ("pylint", "W0622"): ("off", "shadowing a builtin is a deliberate name in most code "
                                 "(`id`, `type`, `input`, shims)"),
    ("pylint", "W0404"): ("off", "reimports inside functions are deliberate lazy imports"),
    ("pylint", "W0246"): ("off", "a parent delegation documents an override; harmless"),
    ("pylint", "W0237"): ("off", "renamed arguments of an override: style"),
    ("pylint", "W0221"): ("off", "signature differences of overrides are usually deliberate"),
    ("pylint", "W0222"): ("off", "signature differences of overrides are usually deliberate"),
    ("pylint", "W1510"): ("off", "subprocess.run without check= is often deliberate"),
    ("pylint", "W0707"): ("off", "the same as ruff B904 (advice); one of the two is enough"),
    ("pylint", "W0102"): ("off", "the same as ruff B006, which points at the default itself "
                                 "(and is a defect when the function mutates it)"),
    ("pylint", "W0718"): ("off", "a broad `except Exception` is usually deliberate at a "
                                 "boundary"),
    ("pylint", "W0719"): ("off", "raising Exception: style"),
    ("pylint", "W0127"): ("off", "`x = x` is a deliberate re-export in shims"),
    ("pylint", "W0603"): ("off", "`global` is a design choice, not a defect"),
    ("pylint", "W0231"): ("off", "not calling super().__init__ is often deliberate"),
    ("pylint", "W0108"): ("off", "a lambda wrapping a call: style"),
    ("pylint", "W1406"): ("off", "a u'' prefix: style"),
    ("pylint", "W2301"): ("off", "an ellipsis body: style"),
    ("pylint", "W0236"): ("off", "overriding a method with a property: deliberate"),
    ("pylint", "W0120"): ("advice", "`else` on a loop without `break`: confusing, not wrong"),
    ("pylint", "W1514"): ("advice", "open() without encoding: locale-dependent, rarely hit"),
    ("ruff", "F403"): ("off", "star imports are a deliberate re-export style"),
    ("ruff", "F405"): ("off", "names from star imports are defined; measured noise 10 of 10"),
    ("ruff", "E402"): ("off", "imports after code are deliberate (path set-up, guards)"),
    ("ruff", "E401"): ("off", "style"),
    ("ruff", "E701"): ("off", "style"),
    ("ruff", "E702"): ("off", "style"),
    ("ruff", "E703"): ("off", "style"),
    ("ruff", "E731"): ("off", "a lambda assigned to a name: style"),
    ("ruff", "E741"): ("off", "an ambiguous variable name: style"),
    ("ruff", "B905"): ("off", "zip() without strict=: deliberate for iterators of unequal "
                              "length, and not available before Python 3.10"),
    ("ruff", "B009"): ("off", "getattr with a constant: style"),
    ("ruff", "B010"): ("off", "setattr with a constant: style"),
    ("ruff", "B024"): ("off", "an ABC without abstract methods: style"),
    ("ruff", "B027"): ("off", "an empty method in an ABC: style"),
    ("ruff", "B018"): ("advice", "a useless expression, but often a deliberate probe (`{a: "
                                 "None}` to test hashability); pylint W0104 says it when it "
                                 "is a comparison"),
}

# Concerns (catalog.CONCERNS) that are defects whichever tool reports them.
DEFECT_CONCERNS = {"syntax-error", "undefined-name", "loop-variable-closure",
                   "await-outside-async", "is-literal", "pointless-comparison",
                   "exception-not-raised", "return-in-finally", "duplicate-key",
                   "invalid-escape"}

# Security rules that make no sense in test code (tests are still reviewed for bugs).
NOT_IN_TESTS = {"requests-without-timeout", "eval-untrusted", "exec-used", "template-autoescape",
                "hardcoded-password", "weak-random", "insecure-temp-file", "assert-used",
                "weak-hash", "tls-verification-disabled", "bind-all-interfaces"}


def rule_tier(tool: str, rule: str) -> tuple[Tier, str] | None:
    return RULES.get((tool, rule))


def table_markdown() -> str:
    """docs/RULES.md: every decision with its reason."""
    lines = ["# Which linter findings reviewbot posts inline by default", "",
             "Generated from `bot/review/aggregate/rules.py` "
             "(`python -m bot.review.aggregate.rules`).",
             "", "- **defect**: posted inline (a likely bug or a real risk);",
             "- **advice**: in the check run's annotations and the summary's tally; inline "
             "only with `inline: all` in `.github/reviewbot.yml`;",
             "- **off**: not reported (the reason is the table's below; `--format json`'s "
             "`dropped` lists every finding, a model's or a linter's, that was not "
             "reported, with the reason); "
             "`enable_rules: [tool:RULE]` turns one back on.", "",
             "Rules not listed: error-severity findings of ruff (syntax, undefined names, "
             "pylint's errors re-implemented), of pylint (except those below, which rest on "
             "inference, and pylint's argument checks on a *method* call) and of our "
             "semgrep rules are defects; security findings follow "
             "their severity (high: defect) and the taint rules (a flow from request data to "
             "a sink: defect); everything else is advice.", "",
             "| tool | rule | tier | why |", "|---|---|---|---|"]
    for (tool, rule), (tier, why) in sorted(RULES.items(), key=lambda kv: (
            ("defect", "advice", "off").index(kv[1][0]), kv[0])):
        lines.append(f"| {tool} | {rule} | {tier} | {why} |")
    lines += ["", "Security rules not applied to test files (tests are still reviewed for "
              "bugs): " + ", ".join(f"`{c}`" for c in sorted(NOT_IN_TESTS)) + "."]
    return "\n".join([*lines, "", *fix_rates_markdown()]) + "\n"


def fix_rates_markdown() -> list[str]:
    """The evidence a likely defect needs to go inline, and every rule's measured figures."""
    def cell(e: evidence.Evidence) -> str:
        return f"{e.fixed}/{e.samples} ({e.rate:.0%}, ≥{e.lower_bound:.0%})" if e.samples else "—"

    def inline(tool: str, rule: str, in_tests: bool) -> str:
        return "yes" if evidence.earned_inline(tool, rule, in_tests)[0] else "no"

    code, tests = evidence.baseline(False), evidence.baseline(True)
    out = ["## Measured fix rates: which likely defects have earned an inline comment", "",
           f"Measured by `bench/fixrate` on {len(measured.PROJECTS)} PyPI projects "
           f"({measured.RELEASES} releases, from their sdists; none tuned on, none held out "
           "for judging): how often a rule's finding was fixed by the next release while the "
           "function around it survived, against how often it was left untouched through "
           "every later release. Regenerate with `make rules` (`python -m bench.fixrate "
           "--write`).", "",
           f"A line of code changes anyway (the baseline): {cell(code)} in code, "
           f"{cell(tests)} in tests.", "",
           "**The bar.** A finding a rule calls a likely defect goes inline only when the "
           "evidence for its problem (pooled over the tools' equivalent rules, counted apart "
           f"in code and in tests) has at least {evidence.MIN_SAMPLES} followed findings and "
           f"the 95% Wilson lower bound of its fix rate is at least {evidence.LIFT:g} times "
           f"the baseline (and at least {evidence.BAR:.0%}): even at the low end of what the "
           "sample allows, maintainers changed the lines it points at, with no bot asking, "
           "an order of magnitude more often than any line. Otherwise it is advice (the "
           "check run's annotations), with the figures as the reason. The lower bound, not "
           "the rate: a rule fixed 2 times in 3 has not shown anything yet. The bar was set "
           "from this principle before the full corpus was measured. "
           f"Bars now: {evidence.bar_for(False):.0%} in code, {evidence.bar_for(True):.0%} "
           "in tests. Not judged this way: files that do not parse, and the taint rules' "
           "request-data flows (libraries have no request handlers; bench/security measures "
           "them).", "",
           "What the measure cannot see: a bug that fails at once rarely reaches a release "
           "(it is fixed before), so what survives of a rule such as an undefined name is "
           "mostly what the tool gets wrong there (names defined dynamically, Python 2 "
           "branches, conditional imports); such a rule stays advice by this measure, which "
           "is the precision-first choice. A repository that wants it inline says so with "
           "`enable_rules`; with a model configured the verifier judges each inline "
           "candidate against the code.", "",
           "Cells: the rule's own fixed/followed (rate, lower bound); the inline columns "
           "judge the pooled evidence of its concern. Rules with fewer than 5 followed "
           "findings in both kinds of file are left out (they stay advice).", "",
           "| rule | concern | code | tests | inline in code | inline in tests |",
           "|---|---|---:|---:|---|---|"]
    for label in sorted(measured.FIX_RATES, key=_by_evidence):
        own_code, own_tests = evidence.own(label, False), evidence.own(label, True)
        if label == evidence.BASELINE or max(own_code.samples, own_tests.samples) < 5:
            continue
        tool, rule = label.split(":", 1)
        concern = concern_of(tool, rule)
        out.append(f"| {label} | {'' if concern == label else concern} | {cell(own_code)} "
                   f"| {cell(own_tests)} | {inline(tool, rule, False)} "
                   f"| {inline(tool, rule, True)} |")
    return out


def _by_evidence(label: str) -> tuple[float, str]:
    tool, _, rule = label.partition(":")
    return (-evidence.evidence_for(tool, rule, False).lower_bound, label)


if __name__ == "__main__":
    print(table_markdown(), end="")
