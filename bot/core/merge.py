"""One finding per problem, and the order findings are shown in (pure)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from bot.core.checkers import CHECKER_PRIORITY
from bot.core.findings import Finding


def rank_key(f: Finding) -> tuple[int, int, int, int, str, int, str]:
    """Likely defects first (by severity, then by how surely the kind of problem is a
    defect), advice after; the checker's name only breaks ties."""
    return (int(f.advice), -f.severity.rank, -defect_weight(f),
            -CHECKER_PRIORITY.get(f.checker, 0), f.path, f.line, f.rule)


# Kinds of problem that are almost always a defect when a tool sees them: they outrank a
# finding of the same severity that may well be deliberate.
SURE_DEFECTS = {"pointless-statement": 3, "exception-not-raised": 3, "undefined-name": 3,
                "syntax-error": 3, "return-in-finally": 2, "duplicate-key": 2,
                "loop-variable-closure": 2, "is-literal": 2, "invalid-escape": 1,
                "mutable-default-argument": 1}


def defect_weight(f: Finding) -> int:
    return SURE_DEFECTS.get(f.concern or "", 0) + (2 if f.rule.startswith("taint-") else 0)


# When tools agree, the wording of the most specific one is kept: our own semgrep rules say
# what to do instead; pylint's inference beats ruff's syntax view.
TOOL_PREFERENCE = {"semgrep": 0, "pylint": 1, "bandit": 2, "ruff": 3}


def _merge_key(f: Finding) -> tuple[int, int, int, int, str, int, str]:
    return (int(f.advice), -f.severity.rank, -CHECKER_PRIORITY.get(f.checker, 0),
            TOOL_PREFERENCE.get(f.tool, 9), f.path, f.line, f.rule)


# Concerns that name one problem at different grains: the taint rule's "untrusted data is
# deserialised" is the pattern rules' unsafe YAML load or pickle on the same line.
CONCERN_FAMILY = {"unsafe-yaml-load": "unsafe-deserialization",
                  "pickle-untrusted": "unsafe-deserialization"}


def _family(concern: str | None) -> str | None:
    return CONCERN_FAMILY.get(concern or "", concern)


def _overlap(a: Finding, b: Finding) -> bool:
    return a.line <= b.last_line and b.line <= a.last_line


WORD = re.compile(r"[a-z][a-z0-9_]+")
# Words that say nothing about which problem a finding is about.
STOP_WORDS = frozenset(("the", "and", "for", "with", "this", "that", "are", "was", "not", "but",
                        "can", "may", "might", "will", "would", "could", "should", "when", "then",
                        "than", "into", "from", "its", "has", "have", "been", "being", "which",
                        "what", "where", "there", "here", "line", "code", "value", "call",
                        "calls", "called", "use", "used", "using", "uses", "function", "method",
                        "variable"))
SAME_MODEL_PROBLEM = 0.3  # word overlap (Jaccard) of two model findings about one problem
SAME_AS_LINTER = 0.2  # of a model finding and another checker's linter finding


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in WORD.findall(text.lower()) if w not in STOP_WORDS)


def says_the_same(a: str, b: str, at_least: float) -> bool:
    """Two findings' words overlap enough to be about one problem (or one says all the
    other says)."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return False
    return len(wa & wb) / len(wa | wb) >= at_least or wa <= wb or wb <= wa


def _model_repeats_linter(a: Finding, b: Finding) -> bool:
    """A model finding on lines a linter already flags: of the same checker, in practice
    the same problem seen twice (the model rediscovering a shell=True, say); of another
    checker, when it says the same thing. One comment."""
    if {a.source, b.source} != {"model", "linter"} or not _overlap(a, b):
        return False
    return a.checker == b.checker or says_the_same(a.message, b.message, SAME_AS_LINTER)


def _models_agree(a: Finding, b: Finding) -> bool:
    """Two checkers' model critiques on overlapping lines saying the same thing (each
    checker's critique reads the same change: the bug and the security critique both see
    one injection)."""
    return (a.source == b.source == "model" and a.checker != b.checker and _overlap(a, b)
            and says_the_same(a.message, b.message, SAME_MODEL_PROBLEM))


def merge_duplicates(findings: Iterable[Finding],
                     narrowness: Callable[[Finding], int] | None = None) -> list[Finding]:
    """One finding per problem: same concern (or fingerprint) on overlapping lines of a file,
    a model repeating a linter there, or several checkers' critiques saying the same thing.
    The merged finding keeps the most severe member's wording (it comes first), names every
    tool and checker, and keeps a model's words as its rationale.

    Its tier (likely defect or advice) is the most specific member's: `narrowness` ranks
    the members' rules (lower: a narrower rule, one that sees fewer lines); a broad rule
    calling a line a defect does not outvote the narrow rule that knows the case. Without
    it, a defect if any member says so."""
    merged: list[Finding] = []
    tier_from: list[int] = []  # the narrowness of the member each merged tier came from
    for f in sorted(findings, key=_merge_key):
        for i, kept in enumerate(merged):
            same = kept.path == f.path and (
                (kept.concern is not None and _family(kept.concern) == _family(f.concern)
                 and _overlap(kept, f))
                or (kept.fingerprint and kept.fingerprint == f.fingerprint)
                or _model_repeats_linter(kept, f) or _models_agree(kept, f)
            )
            if same:
                if f.source == "model" and kept.source != "model" and not kept.rationale:
                    kept = replace(kept, rationale=f.message)
                label = f"{f.tool}:{f.rule}"
                if label != f"{kept.tool}:{kept.rule}" and label not in kept.also_reported_by:
                    kept = replace(kept, also_reported_by=(*kept.also_reported_by, label))
                if not kept.fix and f.fix:
                    kept = replace(kept, fix=f.fix)  # keep the automatic fix of any member
                if narrowness is None:
                    if kept.advice and not f.advice:
                        kept = replace(kept, advice=False)  # a defect if any member says so
                elif (narrow := narrowness(f)) < tier_from[i]:
                    kept = replace(kept, advice=f.advice, tier_reason=f.tier_reason)
                    tier_from[i] = narrow
                if f.dismissed and not kept.dismissed:
                    kept = replace(kept, dismissed=f.dismissed)  # one problem, one decision
                merged[i] = kept
                break
        else:
            merged.append(f)
            tier_from.append(narrowness(f) if narrowness is not None else 0)
    return merged
