"""The LLM client over the `openai` SDK, for any OpenAI-compatible endpoint.

Built once by the composition root with its key and base URL passed explicitly. Retries
(429, 5xx, timeouts, connection errors; backoff with jitter; `Retry-After` honoured; no
retry on other 4xx) are the SDK's own; after them, one try of the fallback model.
Structured output: the JSON Schema of a pydantic model (without bounds: bot/core/bounds.py)
as `response_format: json_schema` where the server takes it, else JSON mode with the schema,
else the schema in the prompt and the JSON found in the text (bot/llm/wire.py: learnt per
model from the first refusal, logged once). Every call caps its output (`max_tokens` per
purpose) and sets the temperature; the answer is validated, an invalid one gets one repair
attempt and a cut-off one (finish_reason "length") one shorter attempt.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

import anyio
import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from bot.core.untrusted import without_nonces
from bot.core.usage import DEFAULT_PRICES, CallRecord, Ledger, cost_of
from bot.errors import ModelError
from bot.llm.tokens import TokenCounter
from bot.llm.wire import MODES, Chat, Learnt, json_in, learn, refusal, request_for
from bot.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
# Output tokens per call, by purpose: a critique's or the verifier's findings, an answer to
# /ask, a triage; enough for a full answer, and the bound of every budget reservation.
DEFAULT_MAX_TOKENS = {"critique": 1500, "verify": 1500, "ask": 1200, "triage": 800,
                      "default": 1000}
Message = dict[str, str]


class AnswerCache(Protocol):
    """Exact answers by key (the store's table in the App; none for a local review)."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, model: str, answer: str) -> None: ...


def cache_key(model: str, version: str, schema: type[BaseModel],
              messages: Sequence[Message]) -> str:
    text = without_nonces(json.dumps([model, version, schema.__name__, list(messages)],
                                     sort_keys=True))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Question(Generic[T]):
    """One structured question: what it is for (usage and logs), the model, the messages,
    the answer's schema, and the prompt's version (part of the cache key)."""

    purpose: str
    model: str
    messages: Sequence[Message]
    schema: type[T]
    version: str = ""


@dataclass
class LLMClient:
    sdk: openai.AsyncOpenAI
    model: str  # strong: bug, security, the aggregator
    fast_model: str  # cheap: style, performance, triage
    fallback_model: str | None = None
    prices: Mapping[str, tuple[float, float]] = field(default_factory=lambda: DEFAULT_PRICES)
    tokens: TokenCounter = field(default_factory=TokenCounter)
    max_tokens: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_MAX_TOKENS))
    temperature: float | None = 0.0
    # What each model's server accepts (response format, temperature, tools), learnt from
    # its first refusals.
    _learnt: dict[str, Learnt] = field(default_factory=dict)

    def max_tokens_for(self, purpose: str) -> int:
        """The output cap of a call: by its purpose ("critique:bug", "aggregate:verify",
        "ask", "triage", and their repairs)."""
        kind = "verify" if purpose.startswith("aggregate") else purpose.split(":", 1)[0]
        return self.max_tokens.get(kind, self.max_tokens.get("default", 1000))

    def learnt(self, model: str) -> Learnt:
        return self._learnt.setdefault(model, Learnt())

    async def aclose(self) -> None:
        await self.sdk.close()

    def offered(self) -> set[str]:
        """The models a repository may choose: the configured ones and the priced ones."""
        return {self.model, self.fast_model, *([self.fallback_model] if self.fallback_model
                                               else []), *self.prices}

    def count_tokens(self, model: str, messages: Sequence[Message]) -> int:
        """The prompt's tokens (exact with tiktoken's encoding at hand, else estimated),
        plus a few per message for the chat format."""
        return sum(self.tokens.count(model, m.get("content", "")) + 4 for m in messages)

    def estimate_cost(self, model: str, messages: Sequence[Message], purpose: str) -> float:
        """What a call will cost at most, for budgets: its prompt and its output cap."""
        return cost_of(model, self.count_tokens(model, messages), self.max_tokens_for(purpose),
                       self.prices)

    async def structured(self, question: Question[T], ledger: Ledger,
                         cache: AnswerCache | None = None) -> T:
        """The model's answer as the question's schema, or ModelError saying why not. With
        a cache, the same question (model, prompt version, messages) is answered from it
        for free."""
        purpose, model, messages, schema = (question.purpose, question.model,
                                            question.messages, question.schema)
        key = cache_key(model, question.version, schema, messages)
        if (hit := await self.from_cache(cache, key, purpose, model, schema, ledger)) is not None:
            return hit
        result = await self._with_fallback(purpose, model, messages, schema, ledger)
        await self.to_cache(cache, key, model, result)
        return result

    async def from_cache(self, cache: AnswerCache | None, key: str, purpose: str, model: str,
                         schema: type[T], ledger: Ledger) -> T | None:
        """A cached answer (recorded as a free call), or None to ask the model."""
        if cache is None or not (hit := await anyio.to_thread.run_sync(cache.get, key)):
            return None
        try:
            answer = parse_answer(hit, schema)
        except ModelError:
            log.warning("cached answer no longer valid; asking again")
            return None
        ledger.add(CallRecord(purpose, model, 0, 0, 0, 0.0, 0.0, ok=True, cache_hit=True))
        return answer

    @staticmethod
    async def to_cache(cache: AnswerCache | None, key: str, model: str,
                       answer: BaseModel) -> None:
        if cache is not None:
            await anyio.to_thread.run_sync(cache.put, key, model, answer.model_dump_json())

    def _fallback_after(self, model: str, error: ModelError) -> str:
        """The model to try once after `model` failed (re-raises when there is none)."""
        if not self.fallback_model or self.fallback_model == model:
            raise error
        log.warning("model failed; trying the fallback",
                    extra={"model": model, "fallback": self.fallback_model,
                           "error": str(error)})
        return self.fallback_model

    async def _with_fallback(self, purpose: str, model: str, messages: Sequence[Message],
                             schema: type[T], ledger: Ledger) -> T:
        try:
            return await self._structured(purpose, model, messages, schema, ledger)
        except ModelError as first:
            fallback = self._fallback_after(model, first)
            return await self._structured(purpose, fallback, messages, schema, ledger)

    async def chat_with_fallback(self, chat: Chat, ledger: Ledger) -> ChatCompletion:
        """`chat`, then once with the fallback model when the model fails (the tool loop's
        steps; a structured answer falls back as a whole, its repair included)."""
        try:
            return await self.chat(chat, ledger)
        except ModelError as first:
            fallback = self._fallback_after(chat.model, first)
            return await self.chat(dataclasses.replace(chat, model=fallback), ledger)

    async def _structured(self, purpose: str, model: str, messages: Sequence[Message],
                          schema: type[T], ledger: Ledger) -> T:
        conversation: list[dict[str, Any]] = list(messages)
        chat = Chat(purpose, model, conversation, schema, max_tokens=self.max_tokens_for(purpose))
        text, cut_off = await self._answer(chat, ledger)
        if cut_off:
            # Cut off at the cap: one shorter attempt, then the caller degrades.
            conversation += [{"role": "assistant", "content": text[:2000]},
                             {"role": "user", "content": "That answer was cut off. Answer "
                              "again, much shorter: fewer items, one sentence each, only the "
                              "JSON object."}]
            text, cut_off = await self._answer(
                Chat(purpose + ":shorter", model, conversation, schema, max_tokens=chat.max_tokens),
                ledger)
            if cut_off:
                raise ModelError(f"{model}: the answer was cut off at {chat.max_tokens} tokens")
        try:
            return parse_answer(text, schema)
        except ModelError as invalid:
            # One repair attempt: the model sees its answer and what was wrong with it.
            conversation += [{"role": "assistant", "content": text[:20_000]},
                             {"role": "user", "content": f"That answer is invalid: {invalid}. "
                              "Answer again with only a JSON object that matches the "
                              "schema."}]
            repaired, _ = await self._answer(
                Chat(purpose + ":repair", model, conversation, schema, max_tokens=chat.max_tokens),
                ledger)
            return parse_answer(repaired, schema)

    async def _answer(self, chat: Chat, ledger: Ledger) -> tuple[str, bool]:
        """The answer's text, and whether it was cut off at the output cap."""
        response = await self.chat(chat, ledger)
        choice = response.choices[0] if response.choices else None
        content = choice.message.content if choice is not None else None
        if not content:
            raise ModelError(f"{chat.model}: an empty answer")
        return str(content), choice is not None and choice.finish_reason == "length"

    async def chat(self, chat: Chat, ledger: Ledger) -> ChatCompletion:
        """Every model call goes out here: built for what this model's server accepts,
        entered in the ledger; a refusal of the response format, the temperature, the
        output-cap parameter or the tools is learnt and the call made again."""
        learnt = self.learnt(chat.model)
        for _ in range(len(MODES) + 3):
            asked = dataclasses.replace(learnt)  # what this request was built for
            request = request_for(chat, asked, self.temperature)
            try:
                return await self.recorded(chat.purpose, chat.model, ledger,
                                           functools.partial(self._create, request))
            except ModelError as exc:
                cause = exc.__cause__
                if not isinstance(cause, openai.APIStatusError):
                    raise
                refused = refusal(cause.status_code, f"{cause} {cause.body}", chat, asked)
                if refused is None:
                    raise
                if refused != "response_format" or asked.mode == learnt.mode:
                    # (else a call in flight beside it learnt this refusal already)
                    now = learn(learnt, refused)
                    log.info("the model's server refused %s; now: %s", refused, now,
                             extra={"model": chat.model, "status": cause.status_code})
        raise ModelError(f"{chat.model}: the server refused every form of the request")

    async def _create(self, request: dict[str, Any]) -> ChatCompletion:
        return cast(ChatCompletion, await self.sdk.chat.completions.create(**request))

    async def recorded(self, purpose: str, model: str, ledger: Ledger,
                       send: Callable[[], Awaitable[ChatCompletion]]) -> ChatCompletion:
        """One model call, entered in the ledger whatever happens (tokens, cached tokens,
        latency, cost; or the reason it failed), the SDK's errors as ModelError."""
        started = time.perf_counter()
        try:
            response = await send()
        except openai.OpenAIError as exc:
            reason = describe(exc)
            ledger.add(CallRecord(purpose, model, 0, 0, 0, time.perf_counter() - started,
                                  0.0, ok=False, error=reason))
            raise ModelError(f"{model}: {reason}") from exc
        usage = response.usage
        prompt = usage.prompt_tokens if usage else 0
        completion = usage.completion_tokens if usage else 0
        details = getattr(usage, "prompt_tokens_details", None) if usage else None
        cached = int(getattr(details, "cached_tokens", 0) or 0)
        ledger.add(CallRecord(purpose, model, prompt, completion, cached,
                              time.perf_counter() - started,
                              cost_of(model, prompt, completion, self.prices), ok=True))
        return response


def parse_answer(text: str, schema: type[T]) -> T:
    """The answer validated against the schema (the JSON object found in a fence or in
    prose around it is tolerated)."""
    body = json_in(text)
    try:
        return schema.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}"
                             for e in exc.errors(include_input=False, include_url=False)[:5])
        raise ModelError(f"the answer does not match the schema ({problems})") from exc


def describe(exc: openai.OpenAIError) -> str:
    """A short reason fit for a review (no response body: it may echo the prompt)."""
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code} ({type(exc).__name__})"
    if isinstance(exc, openai.APITimeoutError):
        return "timed out"
    if isinstance(exc, openai.APIConnectionError):
        return "could not connect"
    return type(exc).__name__


@dataclass(frozen=True)
class ModelSession:
    """One review's or job's access to the model: the client, the ledger its calls are
    counted in, the answer cache (None: every question is asked), and what it may spend
    (None: no cap; an agent loop checks it before each step)."""

    client: LLMClient
    ledger: Ledger
    cache: AnswerCache | None = None
    budget_usd: float | None = None

    @property
    def spent(self) -> bool:
        """Whether the cap is reached: no further call may start."""
        return self.budget_usd is not None and self.ledger.cost_usd >= self.budget_usd


def client_from_settings(settings: Settings) -> LLMClient | None:
    if not settings.llm_enabled:
        return None
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "none"
    sdk = openai.AsyncOpenAI(api_key=key, base_url=settings.openai_base_url,
                             timeout=settings.llm_timeout_seconds,
                             max_retries=settings.llm_max_retries)
    return LLMClient(sdk=sdk, model=settings.model, fast_model=settings.fast_model,
                     fallback_model=settings.fallback_model,
                     max_tokens={**DEFAULT_MAX_TOKENS, **settings.llm_max_tokens},
                     temperature=settings.llm_temperature,
                     prices={**DEFAULT_PRICES, **settings.model_prices})
