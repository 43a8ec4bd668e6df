"""Which findings are reported: a small pipeline of named steps (pure).

filter (configuration, severity, filter mode, inline suppressions across tools, the
repository's ruff ignores across tools, rules off by default) →
tier (a likely defect, or advice) → evidence (a linter's likely defect stays one only if
maintainers are measured fixing what its rule reports, and the verifier did not refute it)
→ fingerprint → merge duplicates (the narrowest rule's tier) → what people decided → rank.
(The aggregator's verifications come before: verdicts.py.)
A finding a step drops is kept in `Selection.dropped` with its reason, never lost silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.core.catalog import concerns_ignored
from bot.core.diffmap import DiffMap
from bot.core.findings import Finding, Severity
from bot.core.fingerprint import fingerprint
from bot.core.merge import merge_duplicates, rank_key
from bot.core.repo_config import CONFIG_PATH, RepoConfig, is_test_path
from bot.review.aggregate.evidence import earned_inline, narrowness
from bot.review.aggregate.rules import Tier
from bot.review.aggregate.suppress import suppressed
from bot.review.aggregate.tiers import classify
from bot.review.aggregate.verdicts import refuted_linter


@dataclass(frozen=True)
class Scope:
    diff: DiffMap
    config: RepoConfig
    sources: Mapping[str, str]
    # Per path, the ruff codes the repository's own settings ignore there (default branch).
    repo_ignores: Mapping[str, frozenset[str]] = field(default_factory=dict)
    enabled_rules: frozenset[str] = frozenset()  # the configuration's enable_rules


@dataclass(frozen=True)
class Decisions:
    """What people with write access decided, and what the repository's feedback says."""

    dismissed: Mapping[str, str] = field(default_factory=dict)  # fingerprint -> who
    ignored_rules: Mapping[str, str] = field(default_factory=dict)  # /ignore rule: -> who
    # Rules the repository's feedback rejected (`tool:rule` -> why); enable_rules wins.
    suppressed_rules: Mapping[str, str] = field(default_factory=dict)


# A style or performance finding is at most a warning, whoever reports it.
NEVER_ERRORS = frozenset({"style", "performance"})
# A filter says why a finding is not reported, or None to keep it.
Filter = Callable[[Finding, Scope], str | None]


def _checker_disabled(f: Finding, s: Scope) -> str | None:
    return None if s.config.checker_enabled(f.checker) else f"checker {f.checker} is disabled"


def _rule_disabled(f: Finding, s: Scope) -> str | None:
    enabled = s.config.rule_enabled(f.checker, f.tool, f.rule)
    return None if enabled else f"rule {f.tool}:{f.rule} is disabled"


def _below_min_severity(f: Finding, s: Scope) -> str | None:
    low = f.severity.rank < s.config.min_severity.rank
    return f"below min_severity {s.config.min_severity.value}" if low else None


def _out_of_scope(f: Finding, s: Scope) -> str | None:
    inside = s.diff.in_scope(f.path, f.line, f.end_line, s.config.filter_mode)
    return None if inside else f"outside the {s.config.filter_mode.value} filter"


def _suppressed_inline(f: Finding, s: Scope) -> str | None:
    return "suppressed on the line" if suppressed(f, s.sources.get(f.path)) else None


def _ignored_by_repository(f: Finding, s: Scope) -> str | None:
    """The repository's ruff `ignore`/`per-file-ignores` hold for ruff (whose rules
    reviewbot adds on top) and for the same concern from pylint, bandit or semgrep. `ALL`
    is not taken to switch the review off."""
    codes = {c for c in s.repo_ignores.get(f.path, frozenset()) if c != "ALL"}
    if not codes:
        return None
    if f.tool == "ruff" and (hit := next((c for c in codes if f.rule.startswith(c)), None)):
        return f"the repository's ruff settings ignore {hit} here"
    if f.concern is not None and f.concern in concerns_ignored(codes):
        return f"the repository's ruff settings ignore this concern ({f.concern}) here"
    return None


FILTERS: tuple[Filter, ...] = (_checker_disabled, _rule_disabled, _below_min_severity,
                               _out_of_scope, _suppressed_inline, _ignored_by_repository)


def _rule_names(f: Finding) -> set[str]:
    labels = [f"{f.tool}:{f.rule}", *f.also_reported_by]
    return {*labels, *(label.split(":", 1)[-1] for label in labels)}


def _dismissal(fp: str, d: Decisions) -> str:
    who = d.dismissed.get(fp)
    return f"dismissed by {who}" if who is not None else ""


def decide(f: Finding, d: Decisions, enabled_rules: frozenset[str]) -> Finding:
    """A reported finding with what people decided about it (pure). Dismissals come only
    from people with write access (checked before they were stored); a rule the feedback
    statistics reject only goes quiet, and never a security rule: for those the numbers
    are shown (`/config`, `reviewbot feedback`) and a maintainer decides."""
    if f.dismissed:
        return f  # a member dismissed before merging: one problem, one decision
    if reason := _dismissal(f.fingerprint, d):
        return replace(f, dismissed=reason)
    names = _rule_names(f)
    rule = next((r for r in sorted(names) if r in d.ignored_rules), None)
    if rule is not None:
        return replace(f, dismissed=f"rule {rule} ignored by {d.ignored_rules[rule]}")
    key = f"{f.tool}:{f.rule}"
    why = d.suppressed_rules.get(key)
    if why is None or f.checker == "security" or names & enabled_rules:
        return f
    return replace(f, quiet=f"rule {key} quiet in this repository by feedback ({why}); "
                            "enable_rules brings it back inline")


def _judge(f: Finding, s: Scope) -> tuple[str | None, Tier, str]:
    """Why a finding is not reported (None: it is), its tier and why, judged once."""
    reason = next((r for step in FILTERS if (r := step(f, s)) is not None), None)
    if reason is not None:
        return reason, "off", reason
    tier, why = classify(f, s.sources.get(f.path), s.enabled_rules)
    if tier == "defect" and f.source != "model":
        tier, why = _earned(f, why, s.enabled_rules)
    chosen = s.config.tool_tier(f.tool) if f.source != "model" else "default"
    if tier != "off" and chosen in ("defect", "advice") and tier != chosen \
            and not refuted_linter(f):
        tier, why = ("defect" if chosen == "defect" else "advice"), \
            f"{f.tool}'s findings are {chosen} in this repository (tools: in {CONFIG_PATH})"
    return (f"off by default: {why} (docs/RULES.md)" if tier == "off" else None), tier, why


def _earned(f: Finding, why: str, enabled: frozenset[str]) -> tuple[Tier, str]:
    """A linter's likely defect goes inline only with the evidence for it: maintainers
    measured fixing what the rule reports (evidence.py), and the verifier, when a model is
    configured, not refuting it. `enable_rules` (a maintainer's decision) overrides the
    evidence, never the verifier."""
    if refuted_linter(f):
        return "advice", f.status_reason
    earned, because = earned_inline(f.tool, f.rule, is_test_path(f.path))
    if not earned and not _rule_names(f) & enabled:
        return "advice", f"{why}, but {because}"
    return "defect", f"{why}; {because}"


def _narrowness(f: Finding) -> int:
    """A model's finding the aggregator kept is about this very line: the narrowest view."""
    return -1 if f.source == "model" else narrowness(f.tool, f.rule)


@dataclass(frozen=True)
class Selection:
    kept: list[Finding]  # ranked
    dropped: list[Finding]  # status "dropped", with the reason


def select(findings: Sequence[Finding], diff: DiffMap, config: RepoConfig,
           sources: Mapping[str, str], repo_ignores: Mapping[str, frozenset[str]] | None = None,
           decisions: Decisions | None = None) -> Selection:
    enabled = frozenset(config.enable_rules)
    scope = Scope(diff, config, sources, repo_ignores or {}, enabled)
    said = decisions or Decisions()
    kept: list[Finding] = []
    dropped: list[Finding] = []
    for f in findings:
        reason, tier, why = _judge(f, scope)
        if reason is not None:
            dropped.append(f.with_status("dropped", reason))
            continue
        if f.checker in NEVER_ERRORS and f.severity is Severity.ERROR:
            f = replace(f, severity=Severity.WARNING)  # taste and speed are not defects
        fp = fingerprint(f, sources.get(f.path))
        # Dismissed by its own fingerprint before merging (which keeps one member's).
        kept.append(replace(f, advice=tier == "advice", tier_reason=why, fingerprint=fp,
                            dismissed=_dismissal(fp, said)))
    merged = [decide(_refuted_is_advice(f), said, enabled)
              for f in merge_duplicates(kept, _narrowness)]
    return Selection(sorted(merged, key=rank_key), dropped)


def _refuted_is_advice(f: Finding) -> Finding:
    """A linter finding the verifier refuted stays advice, whatever its merged members say."""
    return replace(f, advice=True, tier_reason=f.status_reason) if refuted_linter(f) else f


def inline_candidates(selection: Selection, limit: int) -> list[Finding]:
    """The linters' findings the selection would post inline (at most `limit`, ranked):
    what the verifier is asked about when a model is configured."""
    return [f for f in selection.kept
            if f.source != "model" and not f.advice and not f.dismissed and not f.quiet][:limit]


def select_findings(findings: Sequence[Finding], diff: DiffMap, config: RepoConfig,
                    sources: Mapping[str, str],
                    repo_ignores: Mapping[str, frozenset[str]] | None = None,
                    decisions: Decisions | None = None) -> list[Finding]:
    return select(findings, diff, config, sources, repo_ignores=repo_ignores,
                  decisions=decisions).kept
