"""The LLM half of triage: one structured call with the allowed labels and their
descriptions, the issue (as untrusted data), likely duplicates and doc passages. The model
can only name labels; what is applied is decided in bot/triage/decide.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from bot.core.bounds import Confidence, clip, cut
from bot.core.untrusted import wrap
from bot.llm.client import ModelSession, Question
from bot.llm.prompts import load
from bot.triage.decide import Opinion
from bot.triage.docs import Passage
from bot.triage.duplicates import Similar

PROMPT_VERSION = "triage-1"
MAX_ISSUE_CHARS = 8_000


class LabelChoice(BaseModel):
    name: Annotated[str, AfterValidator(clip(100))]
    confidence: Confidence
    rationale: Annotated[str, AfterValidator(clip(300))] = ""


class TriageAnswer(BaseModel):
    labels: Annotated[list[LabelChoice], AfterValidator(cut(10))] = Field(
        default_factory=list)
    answer: Annotated[str, AfterValidator(clip(3000))] = ""
    answer_confidence: Confidence = 0.0


def triage_messages(title: str, body: str, labels: Mapping[str, str],
                    duplicates: Sequence[Similar], passages: Sequence[Passage],
                    examples: Sequence[tuple[str, str]] = ()) -> list[dict[str, str]]:
    """`examples`: (title, label) of similar issues people labelled in this repository."""
    listed = "\n".join(f"- {name}: {desc or '(no description)'}"
                       for name, desc in sorted(labels.items()))
    similar = "\n".join(f"- #{s.candidate.number}: {s.candidate.title[:200]}"
                        for s in duplicates) or "(none)"
    docs = "\n\n".join(f"[{k}] {p.chunk.path} > {p.chunk.heading}\n{p.chunk.text[:1500]}"
                       for k, p in enumerate(passages, start=1)) or "(none)"
    shown = "\n".join(f"- {t[:200]} -> {label}" for t, label in examples) or "(none)"
    data = (f"Issue title: {title[:300]}\n\nIssue body:\n{body[:MAX_ISSUE_CHARS]}\n\n"
            f"Similar issues people labelled here:\n{shown}\n\n"
            f"Similar earlier issues:\n{similar}\n\nDocumentation passages:\n{docs}")
    return [{"role": "system", "content": load("triage")},
            {"role": "user", "content": f"Allowed labels:\n{listed}\n\n"
                                        + wrap(data)}]


@dataclass(frozen=True)
class TriageQuestion:
    """What the model is shown of one issue: its text, the labels it may choose, possible
    duplicates, passages of the docs, and a few similar issues people labelled."""

    title: str
    body: str
    labels: Mapping[str, str]
    duplicates: Sequence[Similar] = ()
    passages: Sequence[Passage] = ()
    examples: Sequence[tuple[str, str]] = ()


async def ask_model(model: ModelSession, q: TriageQuestion) -> TriageAnswer:
    """Raises ModelError when the model cannot answer (triage then goes on without it)."""
    llm = model.client
    messages = triage_messages(q.title, q.body, q.labels, q.duplicates, q.passages, q.examples)
    return await llm.structured(Question("triage", llm.fast_model, messages, TriageAnswer,
                                         PROMPT_VERSION), model.ledger, model.cache)


def opinions(answer: TriageAnswer) -> list[Opinion]:
    return [Opinion(c.name.strip(), c.confidence, "model", c.rationale) for c in answer.labels]
