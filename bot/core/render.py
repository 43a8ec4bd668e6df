"""Render a ReviewPlan for the terminal, markdown, JSON (DESIGN.md schema) or SARIF 2.1.0."""

from __future__ import annotations

import json
from typing import Any

from bot import __version__
from bot.core.findings import Severity
from bot.core.plan import ReviewPlan

FORMATS = ("text", "markdown", "json", "sarif")


def render(plan: ReviewPlan, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(plan.as_json(), indent=2)
    if fmt == "sarif":
        return json.dumps(to_sarif(plan), indent=2)
    if fmt == "markdown":
        return to_markdown(plan)
    if fmt == "text":
        return to_text(plan)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def to_text(plan: ReviewPlan) -> str:
    lines = [f"reviewbot {__version__}: {plan.base[:12]}..{plan.head[:12]}",
             f"{plan.coverage.line()}", ""]
    inline = {(c.path, c.fingerprint) for c in plan.comments}
    for f in plan.findings:
        where = ("inline" if (f.path, f.fingerprint) in inline
                 else "advice, check run" if f.advice else "summary")
        tools = ", ".join([f"{f.tool}:{f.rule}", *f.also_reported_by])
        lines.append(f"{f.path}:{f.line}: {f.severity.value}: [{f.checker}] {f.message} "
                     f"({tools}) [{where}]")
    if not plan.findings:
        lines.append("no findings")
    for err in plan.tool_errors:
        lines.append(f"tool problem: {err}")
    if plan.model_note and not plan.model_note.startswith("Linters only"):
        # The same account as the summary's footer (and the JSON's usage), as plain text.
        lines.append("model: " + plan.model_note.replace("**", "").replace("\\", ""))
    lines += ["", f"review event: {plan.event}; check run conclusion: {plan.conclusion}; "
                  f"{len(plan.comments)} inline comment(s)"]
    return "\n".join(lines)


def to_markdown(plan: ReviewPlan) -> str:
    parts = [plan.summary, "", "### Inline comments", ""]
    for c in plan.comments:
        where = f"{c.start_line}-{c.line}" if c.start_line else str(c.line)
        parts += [f"**`{c.path}:{where}`**", "", c.body, ""]
    if not plan.comments:
        parts.append("None.")
    return "\n".join(parts)


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def to_sarif(plan: ReviewPlan) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in plan.findings:
        rule_id = f"{f.tool}/{f.rule}"
        tags = [f"external/cwe/{f.cwe.lower()}"] if f.cwe else []
        rules.setdefault(rule_id, {"id": rule_id, "name": f.rule,
                                   "properties": {"checker": f.checker, "tags": tags}})
        results.append({
            "ruleId": rule_id,
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": f.path},
                "region": {"startLine": f.line, "endLine": f.last_line},
            }}],
            "partialFingerprints": {"reviewbot/v1": f.fingerprint},
            "properties": {"checker": f.checker, "alsoReportedBy": list(f.also_reported_by)},
        })
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "reviewbot", "version": __version__,
                                "informationUri": "https://github.com/reviewbot/reviewbot",
                                "rules": list(rules.values())},
                     "extensions": [{"name": name, "version": version}
                                    for name, version in plan.tool_versions.items()]},
            "results": results,
        }],
    }
