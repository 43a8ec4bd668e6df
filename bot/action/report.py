"""What a workflow run shows without writing to GitHub (pure): workflow-command annotations
(`::error file=…,line=…::`) and the job summary (`$GITHUB_STEP_SUMMARY`, markdown).

GitHub shows at most 10 annotations of each level per step (the rest are dropped without a
word): the first 10 of each level, in the plan's ranking, are printed as annotations; the
job summary lists every finding."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.inert import code_span, inert
from bot.core.plan import Annotation, ReviewPlan

ANNOTATIONS_PER_LEVEL = 10
COMMAND_OF = {"failure": "error", "warning": "warning", "notice": "notice"}
SUMMARY_ROWS = 200  # the job summary is capped at 1 MiB; a huge review lists the first ones


def _data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF escaped (else the line is cut or read
    as another command)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(a: Annotation) -> str:
    props = (f"file={_property(a.path)},line={a.start_line},endLine={a.end_line},"
             f"title={_property(a.title[:255])}")
    return f"::{COMMAND_OF.get(a.level, 'notice')} {props}::{_data(a.message[:4000])}"


def annotation_commands(plan: ReviewPlan) -> list[str]:
    shown: dict[str, int] = {}
    out = []
    for a in plan.annotations:
        level = COMMAND_OF.get(a.level, "notice")
        if shown.get(level, 0) < ANNOTATIONS_PER_LEVEL:
            shown[level] = shown.get(level, 0) + 1
            out.append(workflow_command(a))
    return out


@dataclass(frozen=True)
class RunFacts:
    """What the run itself adds to the review's summary."""

    github_requests: int
    read_only_reason: str = ""
    posted: bool = False
    note: str = ""  # e.g. what a rate limit did


def job_summary(plan: ReviewPlan | None, facts: RunFacts) -> str:
    parts = ["## reviewbot"]
    if facts.read_only_reason:
        parts.append(f"Nothing was posted to the pull request: {inert(facts.read_only_reason)}."
                     " The findings are this job's annotations and the table below.")
    elif facts.posted:
        parts.append("The review and its check run were posted to the pull request.")
    if facts.note:
        parts.append(inert(facts.note))
    if plan is not None:
        parts.append(plan.summary)
        rows = [f"| {code_span(a.path, in_table=True)} | {a.start_line} | {a.level} | "
                f"{inert(a.title)} |" for a in plan.annotations[:SUMMARY_ROWS]]
        if rows:
            more = len(plan.annotations) - len(rows)
            parts.append("\n".join(["| file | line | level | finding |", "|---|---:|---|---|",
                                    *rows]) + (f"\n\n…and {more} more." if more > 0 else ""))
    parts.append(f"GitHub requests this run: {facts.github_requests}.")
    return "\n\n".join(parts) + "\n"
