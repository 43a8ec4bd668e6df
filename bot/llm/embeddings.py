"""Text embeddings from the configured OpenAI-compatible `/v1/embeddings` endpoint (OpenAI,
Ollama, vLLM, llama.cpp serve it): for triage's soft vote and duplicate search. Nothing is
downloaded at run time; without a configured embeddings model there are no embeddings."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openai

from bot.core.usage import CallRecord, Ledger
from bot.errors import ModelError
from bot.llm.client import describe
from bot.settings import Settings

BATCH = 64
MAX_CHARS = 4_000  # about 1,000 tokens: embedding models read a few hundred to 8k tokens


@dataclass
class Embedder:
    sdk: openai.AsyncOpenAI
    model: str
    # Texts per request: llama-cpp-python's server fails a batch ("llama_decode returned
    # -1", HTTP 500) that it embeds one text at a time; learnt from the first such refusal.
    batch: int = BATCH

    async def aclose(self) -> None:
        await self.sdk.close()

    async def embed(self, texts: Sequence[str], ledger: Ledger | None = None
                    ) -> list[list[float]]:
        """One vector per text, in order; ModelError when the endpoint fails or answers
        something that is not one vector per input."""
        vectors: list[list[float]] = []
        start = 0
        while start < len(texts):
            batch = [t[:MAX_CHARS] or " " for t in texts[start:start + self.batch]]
            began = time.perf_counter()
            try:
                response = await self.sdk.embeddings.create(model=self.model, input=batch)
            except openai.InternalServerError as exc:
                if len(batch) == 1:
                    raise self._failed(exc, began, ledger) from exc
                self.batch = 1  # this server embeds one text at a time
                continue
            except openai.OpenAIError as exc:
                raise self._failed(exc, began, ledger) from exc
            data = sorted(response.data, key=lambda d: d.index)
            if len(data) != len(batch) or any(not d.embedding for d in data):
                raise ModelError(f"embeddings: {len(data)} vectors for {len(batch)} texts")
            if ledger is not None:
                tokens = response.usage.prompt_tokens if response.usage else 0
                ledger.add(CallRecord("embed", self.model, tokens, 0, 0,
                                      time.perf_counter() - began, 0.0, ok=True))
            vectors += [pooled(d.embedding) for d in data]
            start += len(batch)
        return vectors


    def _failed(self, exc: openai.OpenAIError, began: float,
                ledger: Ledger | None) -> ModelError:
        if ledger is not None:
            ledger.add(CallRecord("embed", self.model, 0, 0, 0, time.perf_counter() - began,
                                  0.0, ok=False, error=describe(exc)))
        return ModelError(f"embeddings: {describe(exc)}")


def pooled(embedding: Sequence[Any]) -> list[float]:
    """One vector: as given, or the mean of the per-token vectors a server without pooling
    answers (llama-cpp-python with a chat model)."""
    if embedding and isinstance(embedding[0], list):
        rows = [list(map(float, row)) for row in embedding]
        return [sum(col) / len(rows) for col in zip(*rows, strict=True)]
    return [float(x) for x in embedding]


def embedder_from_settings(settings: Settings) -> Embedder | None:
    if not settings.llm_enabled or not settings.embeddings_model:
        return None
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "none"
    sdk = openai.AsyncOpenAI(api_key=key, base_url=settings.openai_base_url,
                             timeout=settings.llm_timeout_seconds,
                             max_retries=settings.llm_max_retries)
    return Embedder(sdk=sdk, model=settings.embeddings_model)
