"""The review plan: pure data, what gets posted and what `reviewbot review` prints."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.core.findings import Finding
from bot.core.inert import code_span
from bot.core.repo_config import is_code
from bot.core.usage import CallRecord


@dataclass(frozen=True)
class InlineComment:
    path: str
    line: int
    body: str
    fingerprint: str
    start_line: int | None = None
    side: str = "RIGHT"

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "start_line": self.start_line,
                "side": self.side, "body": self.body}


@dataclass(frozen=True)
class Coverage:
    files_total: int
    files_reviewed: int
    skipped: tuple[tuple[str, str], ...] = ()

    def line(self, show: Callable[[str], str] = str) -> str:
        text = f"reviewed {self.files_reviewed} of {self.files_total} files"
        code_left = sum(1 for p, r in self.skipped if r.startswith("over the ") and is_code(p))
        if code_left:
            text += f" ({code_left} code file(s) not reviewed: over the file limit)"
        skipped = [(p, r) for p, r in self.skipped if r != "deleted"]
        deleted = [p for p, r in self.skipped if r == "deleted"]
        if skipped:
            shown = ", ".join(f"{show(p)} ({r})" for p, r in skipped[:10])
            more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
            text += f"; skipped: {shown}{more}"
        if deleted:  # nothing to review in a deleted file: not skipped, deleted
            shown = ", ".join(show(p) for p in deleted[:10])
            more = f" and {len(deleted) - 10} more" if len(deleted) > 10 else ""
            text += f"; deleted: {shown}{more}"
        return text

    def markdown(self) -> str:
        """The line for a posted text: every path an inert code span."""
        return self.line(code_span)


@dataclass(frozen=True)
class Usage:
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class Annotation:
    path: str
    start_line: int
    end_line: int
    level: str  # failure | warning | notice
    title: str
    message: str

    def as_github(self) -> dict[str, Any]:
        return {"path": self.path, "start_line": self.start_line, "end_line": self.end_line,
                "annotation_level": self.level, "title": self.title[:255],
                "message": self.message[:64000]}


# The stored trace keeps the first dropped findings (a large release drops thousands).
MAX_STORED_DROPPED = 500


@dataclass(frozen=True)
class ReviewPlan:
    base: str
    head: str
    event: str  # COMMENT | REQUEST_CHANGES (never APPROVE)
    summary: str
    comments: tuple[InlineComment, ...]
    findings: tuple[Finding, ...]  # everything reported, ranked
    coverage: Coverage
    conclusion: str  # success | neutral | failure
    annotations: tuple[Annotation, ...] = ()
    usage: Usage = field(default_factory=Usage)
    tool_errors: tuple[str, ...] = ()
    title: str = ""
    calls: tuple[CallRecord, ...] = ()  # every model call, stored with the review
    dropped: tuple[Finding, ...] = ()  # findings not reported, each with its reason
    tool_steps: tuple[dict[str, Any], ...] = ()  # the agents' tool calls (tool, args, latency)
    # The fingerprint of everything any tool or model found in the reviewed files, reported
    # or not; None when a tool or the model failed (what was not seen is then unknown).
    seen: frozenset[str] | None = None
    model_note: str = ""  # what the model did, as the summary's footer says it
    tool_versions: Mapping[str, str] = field(default_factory=dict)  # the linters that ran

    def trace_json(self) -> dict[str, Any]:
        """What the agents did, stored with the review run (not posted)."""
        return {
            "calls": [{"purpose": c.purpose, "model": c.model, "prompt_tokens": c.prompt_tokens,
                       "completion_tokens": c.completion_tokens, "cached_tokens": c.cached_tokens,
                       "latency_seconds": round(c.latency_seconds, 3), "cost_usd": c.cost_usd,
                       "ok": c.ok, "error": c.error, "cache_hit": c.cache_hit}
                      for c in self.calls],
            "tool_steps": list(self.tool_steps),
            "demoted": [{"path": f.path, "line": f.line, "checker": f.checker,
                         "message": f.message, "reason": f.status_reason}
                        for f in self.findings if f.status == "demoted"],
            "dropped": [{"path": f.path, "line": f.line, "checker": f.checker,
                         "message": f.message, "reason": f.status_reason}
                        for f in self.dropped[:MAX_STORED_DROPPED]],
            "dropped_total": len(self.dropped),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "event": self.event,
            "summary": self.summary,
            "comments": [c.as_json() for c in self.comments],
            "findings": [
                {"checker": f.checker, "tool": f.tool, "rule": f.rule,
                 "severity": f.severity.value, "path": f.path, "line": f.line,
                 "end_line": f.end_line, "message": f.message, "fingerprint": f.fingerprint,
                 "tier": "advice" if f.advice else "defect",
                 **({"tier_reason": f.tier_reason} if f.tier_reason else {}),
                 **({"cwe": f.cwe} if f.cwe else {}),
                 # Only a model's finding the aggregator demoted carries these.
                 **({"status": f.status, "reason": f.status_reason}
                    if f.status != "reported" else {})}
                for f in self.findings
            ],
            "tools": dict(self.tool_versions),
            "coverage": {
                "files_total": self.coverage.files_total,
                "files_reviewed": self.coverage.files_reviewed,
                "skipped": [{"path": p, "reason": r} for p, r in self.coverage.skipped],
            },
            "usage": {
                "llm_calls": self.usage.llm_calls,
                "prompt_tokens": self.usage.prompt_tokens,
                "completion_tokens": self.usage.completion_tokens,
                "cost_usd": self.usage.cost_usd,
            },
            # Every finding of a model or a linter that was not reported, and why.
            **({"dropped": [
                {"checker": f.checker, "tool": f.tool, "rule": f.rule, "path": f.path,
                 "line": f.line, "message": f.message, "confidence": f.confidence,
                 "reason": f.status_reason} for f in self.dropped]} if self.dropped else {}),
        }
