"""Text embeddings from the configured OpenAI-compatible `/v1/embeddings` endpoint (OpenAI,
Ollama, vLLM, llama.cpp serve it): for triage's soft vote and duplicate search. Nothing is
downloaded at run time; without a configured embeddings model there are no embeddings."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

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

    async def aclose(self) -> None:
        await self.sdk.close()

    async def embed(self, texts: Sequence[str], ledger: Ledger | None = None
                    ) -> list[list[float]]:
        """One vector per text, in order; ModelError when the endpoint fails or answers
        something that is not one vector per input."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            batch = [t[:MAX_CHARS] or " " for t in texts[start:start + BATCH]]
            began = time.perf_counter()
            try:
                response = await self.sdk.embeddings.create(model=self.model, input=batch)
            except openai.OpenAIError as exc:
                if ledger is not None:
                    ledger.add(CallRecord("embed", self.model, 0, 0, 0,
                                          time.perf_counter() - began, 0.0, ok=False,
                                          error=describe(exc)))
                raise ModelError(f"embeddings: {describe(exc)}") from exc
            data = sorted(response.data, key=lambda d: d.index)
            if len(data) != len(batch) or any(not d.embedding for d in data):
                raise ModelError(f"embeddings: {len(data)} vectors for {len(batch)} texts")
            if ledger is not None:
                tokens = response.usage.prompt_tokens if response.usage else 0
                ledger.add(CallRecord("embed", self.model, tokens, 0, 0,
                                      time.perf_counter() - began, 0.0, ok=True))
            vectors += [list(d.embedding) for d in data]
        return vectors


def embedder_from_settings(settings: Settings) -> Embedder | None:
    if not settings.llm_enabled or not settings.embeddings_model:
        return None
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "none"
    sdk = openai.AsyncOpenAI(api_key=key, base_url=settings.openai_base_url,
                             timeout=settings.llm_timeout_seconds,
                             max_retries=settings.llm_max_retries)
    return Embedder(sdk=sdk, model=settings.embeddings_model)
