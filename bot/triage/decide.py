"""What to do with an issue, from the classifier's and the model's opinions and the
repository's rules: which labels to apply (only existing, allowed labels nobody set or
removed by hand), what to suggest, when to hand off to people (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.triage_config import TriageConfig
from bot.triage.classifier import Prediction


@dataclass(frozen=True)
class Opinion:
    label: str  # a repository label name
    confidence: float
    source: str  # classifier | model
    rationale: str = ""


@dataclass(frozen=True)
class Decision:
    apply: tuple[str, ...] = ()
    suggest: tuple[Opinion, ...] = ()  # what it would apply, or thinks likely
    escalate: bool = False
    invented: tuple[str, ...] = ()  # labels the model named that do not exist
    why: tuple[str, ...] = field(default=())


def classifier_opinion(prediction: Prediction | None, config: TriageConfig) -> Opinion | None:
    """The classifier's best label as the repository names it; confident when above its
    calibrated threshold (then at least `config.confident`)."""
    if prediction is None:
        return None
    kind = config.type_of(prediction.best)
    if kind is None:
        return None
    name = config.type_labels[kind]
    confidence = prediction.confidence
    if prediction.label is not None:  # above the threshold calibrated for precision
        confidence = max(confidence, config.confident)
    return Opinion(name, confidence, "classifier")


@dataclass(frozen=True)
class LabelFacts:
    """What is true of the labels before deciding: the repository's, the issue's own, those
    someone added or removed (never touched), and whether people labelled it first."""

    repo_labels: Mapping[str, str]
    on_issue: frozenset[str] = frozenset()
    vetoed: frozenset[str] = frozenset()
    people_labelled: bool = False


def decide(classifier: Opinion | None, model: Sequence[Opinion], facts: LabelFacts,
           config: TriageConfig) -> Decision:
    repo_labels, on_issue, vetoed = facts.repo_labels, facts.on_issue, facts.vetoed
    people_labelled = facts.people_labelled
    existing = {name.lower(): name for name in repo_labels}
    invented = tuple(sorted({o.label for o in model if o.label.lower() not in existing}))
    model = [o for o in model if o.label.lower() in existing]
    allowed = {a.lower() for a in config.allowed()}
    touched = {v.lower() for v in vetoed} | {v.lower() for v in on_issue}

    def usable(label: str) -> bool:
        key = label.lower()
        return key in existing and key in allowed and key not in touched

    votes: dict[str, list[Opinion]] = {}
    for opinion in [*([classifier] if classifier else []), *model]:
        votes.setdefault(existing.get(opinion.label.lower(), opinion.label), []).append(opinion)
    type_names = {v.lower() for v in config.type_labels.values()}
    chosen: list[str] = []
    why: list[str] = []
    for label, opinions in votes.items():
        sources = {o.source for o in opinions}
        best = max(o.confidence for o in opinions)
        if len(sources) > 1:
            reason = "the classifier and the model agree"
        elif best >= config.confident and not _contradicted(opinions[0], classifier, model,
                                                              type_names):
            reason = f"{opinions[0].source} confidence {best:.2f}"
        else:
            continue
        if usable(label):
            chosen.append(label)
            why.append(f"{label}: {reason}")
    has_type = any(c.lower() in type_names for c in chosen) or any(
        t.lower() in type_names for t in on_issue)
    suggestions = tuple(sorted((o for o in [*([classifier] if classifier else []), *model]),
                               key=lambda o: -o.confidence))
    if people_labelled:
        return Decision((), suggestions, False, invented, ("people labelled it first",))
    escalate = not has_type
    apply = list(dict.fromkeys(chosen))
    if escalate and usable(config.needs_triage_label):
        apply.append(existing[config.needs_triage_label.lower()])
    return Decision(tuple(apply), suggestions, escalate, invented, tuple(why))


def _contradicted(opinion: Opinion, classifier: Opinion | None, model: Sequence[Opinion],
                  type_names: set[str]) -> bool:
    """A confident type still loses to a likely, different type from the other side."""
    if opinion.label.lower() not in type_names:
        return False
    others = ([classifier] if classifier else []) if opinion.source == "model" else list(model)
    return any(o.label.lower() in type_names and o.label.lower() != opinion.label.lower()
               and o.confidence >= 0.5 for o in others)
