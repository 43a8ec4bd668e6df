"""The `triage:` section of `.github/reviewbot.yml`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_TYPE_LABELS = {"bug": "bug", "feature": "enhancement", "question": "question",
                       "docs": "documentation"}


class TriageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # apply: label and comment; suggest: a comment saying what it would do, no labels.
    mode: Literal["apply", "suggest"] = "apply"
    delay_minutes: int = Field(default=0, ge=0, le=7 * 24 * 60)  # let people act first
    # Issue type -> the repository's label for it.
    type_labels: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_TYPE_LABELS))
    # Labels reviewbot may apply (and only if they exist); None: the type labels and the
    # needs-triage label.
    allow_labels: list[str] | None = None
    needs_triage_label: str = "needs-triage"
    team: str = Field(default="", max_length=100)  # mentioned on a hand-off, e.g. @org/triage
    # A label is applied when the classifier and the model agree, or one alone is at least
    # this confident.
    confident: float = Field(default=0.9, ge=0.5, le=1.0)
    ask_missing: bool = True
    duplicates: bool = True
    answers: bool = True

    def allowed(self) -> frozenset[str]:
        if self.allow_labels is not None:
            return frozenset(self.allow_labels)
        return frozenset([*self.type_labels.values(), self.needs_triage_label])

    def type_of(self, label: str) -> str | None:
        """The issue type a repository label stands for (or a type name itself)."""
        if label in self.type_labels:
            return label
        return next((t for t, name in self.type_labels.items()
                     if name.lower() == label.lower()), None)
