"""What one chat request looks like on the wire, for the server at hand (pure).

Servers differ: hosted APIs take `response_format: json_schema`; llama-cpp-python answers it
with HTTP 500 and takes `{"type": "json_object", "schema": ...}`; some take neither and
need the schema in the prompt and the JSON found in the text. OpenAI's reasoning models
refuse `temperature` and want `max_completion_tokens`; some servers refuse `tools`. Each of
these is learnt per model from the first refusal (`Learnt`) and the request is built again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from bot.core.agent_types import Tool
from bot.core.bounds import grammar_safe

# The structured-output modes, in the order they are tried.
Mode = Literal["json_schema", "json_object_schema", "json_text"]
MODES: tuple[Mode, ...] = ("json_schema", "json_object_schema", "json_text")
# What a refusal is about, read from its status and body.
Refused = Literal["response_format", "temperature", "max_tokens", "tools"]
REFUSAL_STATUSES = (400, 422, 500)
FORMAT_WORDS = ("response_format", "json_schema", "grammar", "json_object", "schema")


@dataclass
class Learnt:
    """What one model's server accepts, learnt from its refusals."""

    mode: Mode = "json_schema"
    temperature: bool = True
    completion_param: str = "max_tokens"
    tools: bool = True


@dataclass(frozen=True)
class Chat:
    """One request: its purpose, the model, the messages, the answer's schema (None: free
    text or tool calls), the tools offered, the output cap."""

    purpose: str
    model: str
    messages: Sequence[dict[str, Any]]
    schema: type[BaseModel] | None = None
    tools: Sequence[Tool] = field(default=())
    max_tokens: int = 1000


def schema_instructions(schema: type[BaseModel]) -> dict[str, str]:
    return {"role": "system", "content": "Answer with one JSON object matching this JSON "
            f"Schema, and nothing else:\n{json.dumps(wire_schema(schema))}"}


def wire_schema(schema: type[BaseModel]) -> dict[str, Any]:
    return grammar_safe(schema.model_json_schema())


def request_for(chat: Chat, learnt: Learnt, temperature: float | None) -> dict[str, Any]:
    """The SDK's keyword arguments for this chat on this server."""
    messages = list(chat.messages)
    request: dict[str, Any] = {"model": chat.model, learnt.completion_param: chat.max_tokens}
    if temperature is not None and learnt.temperature:
        request["temperature"] = temperature
    if chat.tools and learnt.tools:
        request["tools"] = [t.spec() for t in chat.tools]
    elif chat.schema is not None:
        schema = wire_schema(chat.schema)
        if learnt.mode == "json_schema":
            request["response_format"] = {"type": "json_schema", "json_schema": {
                "name": chat.schema.__name__, "schema": schema}}
        else:
            messages.append(schema_instructions(chat.schema))
            if learnt.mode == "json_object_schema":
                request["response_format"] = {"type": "json_object", "schema": schema}
    request["messages"] = messages
    return request


def refusal(status: int, text: str, chat: Chat, learnt: Learnt) -> Refused | None:
    """What a refused request was refused for, when it is something to learn (None: a real
    error, raised as it is)."""
    if status not in REFUSAL_STATUSES:
        return None
    said = text.lower()
    if learnt.temperature and "temperature" in said:
        return "temperature"
    if learnt.completion_param == "max_tokens" and "max_completion_tokens" in said:
        return "max_tokens"
    if chat.tools and learnt.tools and ("tool" in said or "function" in said):
        return "tools"
    if chat.schema is not None and not (chat.tools and learnt.tools) \
            and learnt.mode != MODES[-1] and any(w in said for w in FORMAT_WORDS):
        return "response_format"
    return None


def learn(learnt: Learnt, refused: Refused) -> str:
    """Adapt to a refusal; what is now done instead (for the log)."""
    if refused == "temperature":
        learnt.temperature = False
        return "no temperature"
    if refused == "max_tokens":
        learnt.completion_param = "max_completion_tokens"
        return "max_completion_tokens"
    if refused == "tools":
        learnt.tools = False
        return "no tools"
    learnt.mode = MODES[MODES.index(learnt.mode) + 1]
    return learnt.mode


def json_in(text: str) -> str:
    """The JSON object in a model's text: as it is, inside a ```json fence, or the first
    balanced {...} in prose around it (for servers answering in plain text)."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`")
        body = body[4:] if body.startswith("json") else body
        body = body.strip()
    if body.startswith("{"):
        return body
    start = body.find("{")
    if start < 0:
        return body
    depth, quoted, escaped = 0, False, False
    for i, ch in enumerate(body[start:], start):
        if quoted:
            escaped, quoted = (False, True) if escaped else (ch == "\\", ch != '"')
            continue
        if ch == '"':
            quoted = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return body[start:i + 1]
    return body[start:]
