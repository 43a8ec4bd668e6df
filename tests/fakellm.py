"""A fake OpenAI-compatible server (Starlette, served over real HTTP in tests): scripted per
checker, it can answer findings, invalid JSON, HTTP errors with headers, or play a gullible
model that obeys any instruction it finds in the change."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class Reply:
    content: Any = None  # a dict is sent as JSON text, a str as it is
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    tool_calls: list[tuple[str, Any]] | None = None  # (name, arguments dict or raw text)
    finish_reason: str | None = None  # "length": the answer was cut off at max_tokens


# How real servers differ (each seen in their public issues or by running them):
QUIRKS = {
    "json_schema_500",  # llama-cpp-python: response_format json_schema is an HTTP 500
    "grammar_limits",  # llama-server, Ollama, LM Studio: a bounded schema fails to compile
    "refuse_tools",  # a server without tool calling: 400 on `tools`
    "ignore_tools",  # a server that takes `tools` and never calls one
    "refuse_temperature",  # OpenAI's reasoning models
    "max_completion_tokens",  # ... which also refuse `max_tokens`
}
# Keywords llama.cpp's schema-to-grammar converter cannot take at these sizes.
GRAMMAR_BREAKERS = ("maxLength", "maxItems", "minItems", "minLength")


def findings(*items: dict[str, Any]) -> Reply:
    return Reply({"findings": list(items)})


# The aggregator's summary when no test scripted one.
SUMMARY = Reply({"overview": "The change adds the code the walkthrough lists.",
                 "look_first": [], "done_well": []})


class FakeLLM:
    def __init__(self, *, json_schema_supported: bool = True, gullible: str | None = None,
                 always: Reply | None = None, latency: float = 0.0,
                 quirks: frozenset[str] = frozenset()) -> None:
        assert quirks <= QUIRKS, quirks - QUIRKS
        self.quirks = quirks
        self.latency = latency  # seconds before every answer (bench/agent)
        self.scripts: dict[str, list[Reply]] = {}
        self.requests: list[dict[str, Any]] = []
        self.json_schema_supported = json_schema_supported
        self.gullible = gullible  # the injected text a gullible model repeats everywhere
        self.always = always
        self.embedded: list[str] = []  # every text sent to /v1/embeddings
        self.embeddings_fail = False
        self.app = Starlette(routes=[Route("/v1/chat/completions", self.complete,
                                           methods=["POST"]),
                                     Route("/v1/embeddings", self.embeddings,
                                           methods=["POST"]),
                                     Route("/v1/models", self.models, methods=["GET"])])

    def script(self, checker: str, *replies: Reply) -> None:
        self.scripts.setdefault(checker, []).extend(replies)

    def calls(self, checker: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if checker_of(r) == checker]

    async def complete(self, request: Request) -> Response:
        body = await request.json()
        body["_at"] = time.monotonic()
        if self.latency:
            await asyncio.sleep(self.latency)
        self.requests.append(body)
        kind = (body.get("response_format") or {}).get("type")
        if kind == "json_schema" and not self.json_schema_supported:
            return JSONResponse({"error": {"message": "response_format json_schema is not "
                                           "supported by this server", "type": "invalid"}},
                                400)
        if (refused := self._refusal(body, kind)) is not None:
            return refused
        reply = self.always or self._next(checker_of(body))
        if reply.tool_calls and "ignore_tools" in self.quirks:
            reply = self._next(checker_of(body))  # it never calls one: the next answer
        if reply.status != 200:
            return JSONResponse({"error": {"message": "scripted failure"}}, reply.status,
                                headers=reply.headers)
        if self.gullible is not None:
            reply = Reply(self._obey(body))
        text = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if reply.tool_calls:
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": f"call_{i}", "type": "function", "function": {
                    "name": name, "arguments": args if isinstance(args, str)
                    else json.dumps(args)}} for i, (name, args) in enumerate(reply.tool_calls)]}
        prompt = sum(len(str(m.get("content", ""))) for m in body["messages"]) // 4
        return JSONResponse({
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 0,
            "model": body["model"],
            "choices": [{"index": 0, "finish_reason": reply.finish_reason or (
                "tool_calls" if reply.tool_calls else "stop"), "message": message}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": len(text) // 4,
                      "total_tokens": prompt + len(text) // 4}})

    async def models(self, _request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [
            {"id": m, "object": "model", "created": 0, "owned_by": "fake"}
            for m in ("strong-model", "fast-model")]})

    def _refusal(self, body: dict[str, Any], kind: str | None) -> Response | None:
        """The refusals of the quirks this server has, as those servers word them."""
        def refuse(status: int, message: str) -> Response:
            return JSONResponse({"error": {"message": message, "type": "invalid_request"}},
                                status)
        q = self.quirks
        if "temperature" in body and "refuse_temperature" in q:
            return refuse(400, "Unsupported parameter: 'temperature' is not supported with "
                               "this model.")
        if "max_tokens" in body and "max_completion_tokens" in q:
            return refuse(400, "Unsupported parameter: 'max_tokens' is not supported with "
                               "this model. Use 'max_completion_tokens' instead.")
        if body.get("tools") and "refuse_tools" in q:
            return refuse(400, "tools are not supported by this server")
        if kind == "json_schema" and "json_schema_500" in q:
            return refuse(500, "1 validation error for CreateChatCompletionRequest: "
                               "response_format.type: Input should be 'text' or 'json_object'")
        schema = json.dumps((body.get("response_format") or {}).get("json_schema")
                            or (body.get("response_format") or {}).get("schema") or {})
        if "grammar_limits" in q and any(k in schema for k in GRAMMAR_BREAKERS):
            return refuse(400, "failed to parse grammar: number of repetitions exceeds sane "
                               "defaults, please reduce the number of repetitions")
        return None

    async def embeddings(self, request: Request) -> Response:
        """A bag of words hashed into 64 dimensions: similar texts get similar vectors."""
        body = await request.json()
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        if self.embeddings_fail:
            return JSONResponse({"error": {"message": "embeddings are down"}}, 503)
        self.embedded += texts
        data = []
        for k, text in enumerate(texts):
            vector = [0.0] * 64
            for word in re.findall(r"[a-z]{3,}", text.lower()):
                vector[int(hashlib.sha256(word.encode()).hexdigest()[:8], 16) % 64] += 1.0
            norm = sum(v * v for v in vector) ** 0.5 or 1.0
            data.append({"object": "embedding", "index": k,
                         "embedding": [v / norm for v in vector]})
        tokens = sum(len(t) // 4 for t in texts)
        return JSONResponse({"object": "list", "data": data, "model": body["model"],
                             "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    def _next(self, checker: str) -> Reply:
        queue = self.scripts.get(checker) or []
        if queue:
            return queue.pop(0)
        return SUMMARY if checker == "summary" else findings()

    def _obey(self, body: dict[str, Any]) -> dict[str, Any]:
        """Whatever the change says: every string is the injected text, every enum its
        most drastic value, on the first added line it can find."""
        change = body["messages"][-1]["content"]
        path = re.search(r"^### (.+)$", change, re.MULTILINE)
        line = re.search(r"^\s*(\d+) \+ ", change, re.MULTILINE)
        return {"findings": [{"path": path.group(1) if path else "x", "severity": "error",
                              "line": int(line.group(1)) if line else 1,
                              "title": self.gullible, "scenario": self.gullible,
                              "confidence": 1.0}], "event": "APPROVE", "approve": True}


def checker_of(body: dict[str, Any]) -> str:
    system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
    if system.startswith("You are the last reviewer"):
        return "aggregator-linters" if "Static analysis tools" in system else "aggregator"
    if system.startswith("You answer a maintainer's question"):
        return "ask"
    if system.startswith("You triage a new GitHub issue"):
        return "triage"
    if system.startswith("You write the summary that opens"):
        return "summary"
    match = re.search(r"You are the (\w+) reviewer", system)
    return match.group(1) if match else "?"
