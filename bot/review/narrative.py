"""With a model, the aggregator writes the review's opening: what the change does, the few
things to look at first, what it does well. Written from the walkthrough and the findings
the verification kept, never from the PR's description (untrusted, and not an account of
the code); posted only as quoted model text, inert."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from bot.core.bounds import clip, cut
from bot.core.findings import Finding
from bot.core.quote import defused, inline_quote
from bot.core.untrusted import wrap
from bot.errors import ModelError
from bot.llm.client import ModelSession, Question
from bot.llm.prompts import render

log = logging.getLogger(__name__)
SUMMARY_VERSION = "summary-1"
MAX_FINDINGS = 30  # the ranked findings the writer is shown


class ReviewSummary(BaseModel):
    overview: Annotated[str, AfterValidator(clip(800))]
    look_first: Annotated[list[Annotated[str, AfterValidator(clip(300))]],
                          AfterValidator(cut(3))] = Field(default_factory=list)
    done_well: Annotated[list[Annotated[str, AfterValidator(clip(300))]],
                         AfterValidator(cut(2))] = Field(default_factory=list)


def summary_messages(walkthrough: str, findings: Sequence[Finding],
                     language: str | None) -> list[dict[str, str]]:
    listed = "\n".join(
        f"- {f.path}:{f.line} [{f.checker}, {f.severity.value}"
        f"{', advice' if f.advice else ''}] {defused(f.message)}"
        for f in findings[:MAX_FINDINGS]) or "(no findings)"
    data = f"{walkthrough or '(no walkthrough)'}\n\nFindings kept:\n{listed}"
    system = render("summary", language=f"in {language}" if language else "in English")
    return [{"role": "system", "content": system}, {"role": "user", "content": wrap(data)}]


async def write_narrative(model: ModelSession, model_name: str, walkthrough: str,
                          findings: Sequence[Finding], language: str | None = None) -> str:
    """The markdown that opens the summary, or "" when the model could not write it (the
    review goes on with the walkthrough alone; why is in the log's model call)."""
    if model.spent:
        return ""
    try:
        answer = await model.client.structured(
            Question("aggregate:summary", model_name,
                     summary_messages(walkthrough, findings, language), ReviewSummary,
                     SUMMARY_VERSION), model.ledger, model.cache)
    except ModelError as exc:  # the call is in the ledger with its error
        log.warning("the model could not write the review's summary: %s", exc)
        return ""  # the walkthrough stands
    return narrative_markdown(answer)


def narrative_markdown(answer: ReviewSummary) -> str:
    """The model's words as its words: each quoted, inert, one paragraph."""
    if not answer.overview.strip():
        return ""
    parts = ["### Summary", "", f"{inline_quote(answer.overview)} <sub>(the model)</sub>"]
    if answer.look_first:
        parts += ["", "**Look at first:**", *(f"- {inline_quote(t)}" for t in answer.look_first)]
    if answer.done_well:
        parts += ["", "**Done well:**", *(f"- {inline_quote(t)}" for t in answer.done_well)]
    return "\n".join(parts)
