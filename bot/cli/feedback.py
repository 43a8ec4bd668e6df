"""`reviewbot feedback`: what people did with reviewbot's inline comments, per rule and per
checker (👍, 👎, /ignore, resolved by a human, fixed by a later push), and which rules a
repository's feedback keeps rejecting (quiet inline; for security rules, a proposal)."""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

from bot.app import ready_engine
from bot.cli.process import load_settings
from bot.store.feedback import RuleStats, rule_stats

COUNTS = ("posted", "up", "down", "ignored", "resolved", "fixed", "accepted", "rejected")


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def by_checker(stats: list[RuleStats]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for s in stats:
        for name in COUNTS:
            totals[s.checker][name] += getattr(s, name)
    return dict(sorted(totals.items()))


def action(s: RuleStats, suppressed: set[tuple[str, str]]) -> str | None:
    """What the feedback does to a rule: quiet (no longer inline), or for the security
    checker only a proposal (its findings are never silenced by statistics)."""
    if (s.repository, s.key) not in suppressed:
        return None
    return "proposal" if s.checker == "security" else "quiet"


def cmd_feedback(args: argparse.Namespace) -> int:
    engine = ready_engine(load_settings())
    stats = rule_stats(engine, args.repo)
    suppressed = {(s.repository, s.key) for s in rule_stats(engine, args.repo, by_checker=False)
                  if s.suppressed}
    if args.format == "json":
        print(json.dumps({
            "rules": [{"repository": s.repository, "rule": s.key, "checker": s.checker,
                       **{n: getattr(s, n) for n in COUNTS}, "acceptance": s.acceptance,
                       "suppressed": (s.repository, s.key) in suppressed,
                       "action": action(s, suppressed)} for s in stats],
            "checkers": by_checker(stats)}, indent=2))
        return 0
    print(f"{'repository':<30} {'rule':<28} {'checker':<11} {'posted':>6} {'👍':>4} {'👎':>4} "
          f"{'ignored':>7} {'resolved':>8} {'fixed':>5} {'accepted':>8}")
    for s in stats:
        mark = {"quiet": "  (quiet inline)",
                "proposal": "  (proposed for disabled_rules: a maintainer decides)",
                None: ""}[action(s, suppressed)]
        print(f"{s.repository[:30]:<30} {s.key[:28]:<28} {s.checker[:11]:<11} {s.posted:>6} "
              f"{s.up:>4} {s.down:>4} {s.ignored:>7} {s.resolved:>8} {s.fixed:>5} "
              f"{_percent(s.acceptance):>8}{mark}")
    print("\nper checker:")
    for checker, t in by_checker(stats).items():
        answered = t["accepted"] + t["rejected"]
        rate = _percent(t["accepted"] / answered if answered else None)
        print(f"  {checker:<12} posted {t['posted']:>5}, accepted {t['accepted']:>4}, "
              f"rejected {t['rejected']:>4}, acceptance {rate}")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("feedback", help="acceptance of reviewbot's comments per rule "
                                             "and checker, and the rules feedback suppressed")
    parser.add_argument("--repo", default=None, help="owner/name (default: every repository)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=cmd_feedback)
