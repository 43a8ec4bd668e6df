"""Bounds on a model's answer enforced after parsing, not in the schema it is sent.

Grammar engines (llama.cpp's llama-server and llama-cpp-python, Ollama, LM Studio, Jan)
compile a JSON schema into a grammar, and `maxLength` near 2,000 or nested bounded arrays
exceed their repetition limits: the request fails (or the server dies). Hosted APIs ignore
the bounds anyway. So the schemas carry types only; a long text is clipped, extra items are
cut and an out-of-range number is clamped when the answer is read, instead of failing the
whole answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator

T = TypeVar("T")
# JSON Schema keywords a grammar engine may fail to compile (or compile into a grammar too
# large to run); none is sent.
BOUND_KEYWORDS = frozenset({"maxLength", "minLength", "maxItems", "minItems", "maximum",
                            "minimum", "exclusiveMaximum", "exclusiveMinimum", "pattern",
                            "maxProperties", "minProperties"})


def clip(limit: int) -> Callable[[str], str]:
    return lambda text: text[:limit]


def cut(limit: int) -> Callable[[list[T]], list[T]]:
    return lambda items: items[:limit]


def clamp_int(low: int, high: int) -> Callable[[int], int]:
    return lambda value: min(high, max(low, value))


def as_fraction(value: float) -> float:
    """A confidence in [0, 1]. Small models often answer in percent (85 for 0.85): read so
    up to 100; anything else out of range counts as no confidence at all (the finding is
    then dropped below the threshold, with the reason), never as certainty."""
    if 0.0 <= value <= 1.0:
        return value
    if 1.0 < value <= 100.0:
        return value / 100.0
    return 0.0


def as_score(value: int) -> int:
    """A score in 0..10, read like a confidence (percent up to 100; else 0)."""
    if 0 <= value <= 10:
        return value
    return value // 10 if 10 < value <= 100 else 0


Confidence = Annotated[float, AfterValidator(as_fraction)]
Score = Annotated[int, AfterValidator(as_score)]


def grammar_safe(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without any bound keyword, at any depth (a second line of defence: the
    answer models declare none)."""
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in BOUND_KEYWORDS}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node
    result: dict[str, Any] = strip(schema)
    return result
