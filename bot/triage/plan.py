"""What triage will do to one issue, decided from what was gathered (pure): the labels,
the issue's type, what is missing from a bug report, and reviewbot's one comment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.triage_config import TriageConfig
from bot.triage import comment as render
from bot.triage.decide import Decision, LabelFacts, Opinion, decide
from bot.triage.docs import Passage
from bot.triage.duplicates import Similar
from bot.triage.missing import Template, missing_information


@dataclass(frozen=True)
class IssueFacts:
    """Everything gathered about one issue before triage decides."""

    repository: str
    number: int
    title: str
    body: str
    author: str = ""
    on_issue: tuple[str, ...] = ()  # labels already there
    repo_labels: Mapping[str, str] | None = None  # the repository's labels (descriptions)
    vetoed: frozenset[str] = frozenset()  # labels someone removed or added: never touched
    people_labelled: bool = False  # someone other than the author labelled it first
    classifier: Opinion | None = None
    model: tuple[Opinion, ...] = ()
    model_answer: str = ""  # the model's answer from the passages, when confident
    duplicates: tuple[Similar, ...] = ()
    passages: tuple[Passage, ...] = ()
    docs_ref: str = ""


@dataclass(frozen=True)
class TriagePlan:
    decision: Decision
    kind: str | None  # bug | feature | question | ... (the repository's types)
    apply: tuple[str, ...]  # labels to add now (apply mode; none in suggest mode)
    missing: tuple[str, ...]  # what a bug report lacks
    comment: str | None  # the comment's body; None: labels alone need no comment

    def as_json(self) -> dict[str, Any]:
        d = self.decision
        return {"kind": self.kind, "apply": list(self.apply),
                "suggest": [{"label": o.label, "confidence": round(o.confidence, 3),
                             "source": o.source} for o in d.suggest],
                "escalate": d.escalate, "invented": list(d.invented), "why": list(d.why),
                "missing": list(self.missing), "comment": self.comment}


def decision_for(facts: IssueFacts, config: TriageConfig) -> tuple[Decision, str | None]:
    """The labels decided, and the issue's type."""
    decision = decide(facts.classifier, facts.model, LabelFacts(
        repo_labels=facts.repo_labels or {}, on_issue=frozenset(facts.on_issue),
        vetoed=facts.vetoed, people_labelled=facts.people_labelled), config)
    return decision, kind_of(decision, facts.on_issue, facts.classifier, config)


def needs_template(facts: IssueFacts, config: TriageConfig) -> bool:
    """Whether the bug report template is wanted (only for a bug, when asking is on)."""
    return config.ask_missing and decision_for(facts, config)[1] == "bug"


def plan_triage(facts: IssueFacts, config: TriageConfig,
                template: Template | None = None) -> TriagePlan:
    decision, kind = decision_for(facts, config)
    missing = (tuple(missing_information(facts.title, facts.body, template))
               if kind == "bug" and config.ask_missing else ())
    triage = render.Triage(
        decision=decision, mode=config.mode, missing=missing, duplicates=facts.duplicates,
        passages=facts.passages if kind == "question" else (),
        answer=facts.model_answer if kind == "question" else "", docs_ref=facts.docs_ref,
        repository=facts.repository, team=config.team, author=facts.author)
    return TriagePlan(decision=decision, kind=kind,
                      apply=decision.apply if config.mode == "apply" else (),
                      missing=missing,
                      comment=render.render(triage) if triage.worth_a_comment() else None)


def kind_of(decision: Decision, on_issue: tuple[str, ...], classifier: Opinion | None,
            config: TriageConfig) -> str | None:
    """The issue's type: from a label applied or already there, else the classifier's
    guess when it leans clearly one way."""
    for label in [*decision.apply, *on_issue]:
        if (kind := config.type_of(label)) is not None:
            return kind
    if classifier is not None and classifier.confidence >= 0.5:
        return config.type_of(classifier.label)
    return None
