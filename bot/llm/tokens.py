"""How many tokens a prompt is, before it is sent: what the per-PR token budget and the cost
reservation count with.

tiktoken's encoding for the model when its file is already on this machine (in tiktoken's
cache, `TIKTOKEN_CACHE_DIR`, with the published hash); nothing is downloaded at run time:
tiktoken would fetch it from the internet on first use, without a timeout. For any other
model (a local Llama or Qwen has its own tokenizer) or without the file, an estimate of
one token per 3.5 characters, which over-counts code and English slightly: a budget should
stop early rather than late.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import tiktoken

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 3.5
BLOB = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
# The published files' sha256 (tiktoken_ext.openai_public): a cached file that does not
# match would make tiktoken download it again.
KNOWN_FILES = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}

Encoder = Callable[[str], int]


def estimate(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def cached_file(encoding: str, env: Mapping[str, str]) -> Path | None:
    """Where tiktoken keeps an encoding's file, if it is there and intact."""
    if encoding not in KNOWN_FILES:
        return None
    folder = env.get("TIKTOKEN_CACHE_DIR") or env.get("DATA_GYM_CACHE_DIR") or os.path.join(
        tempfile.gettempdir(), "data-gym-cache")
    # tiktoken names its cache files by the SHA-1 of the URL (a name, not a security check).
    name = hashlib.sha1(BLOB.format(encoding).encode(), usedforsecurity=False).hexdigest()
    path = Path(folder) / name
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return path if hashlib.sha256(data).hexdigest() == KNOWN_FILES[encoding] else None


def offline_encoder(model: str, env: Mapping[str, str]) -> Encoder | None:
    """tiktoken's exact count for `model`, or None when it would need the network."""
    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        return None
    if cached_file(name, env) is None:
        return None
    encoding = tiktoken.get_encoding(name)
    return lambda text: len(encoding.encode(text, disallowed_special=()))


@dataclass
class TokenCounter:
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    find_encoder: Callable[[str, Mapping[str, str]], Encoder | None] = offline_encoder
    _encoders: dict[str, Encoder | None] = field(default_factory=dict)

    def count(self, model: str, text: str) -> int:
        if model not in self._encoders:
            self._encoders[model] = self.find_encoder(model, self.env)
            if self._encoders[model] is None:
                log.debug("token counts are estimated", extra={"model": model})
        encoder = self._encoders[model]
        return encoder(text) if encoder is not None else estimate(text)

    def exact(self, model: str) -> bool:
        self.count(model, "")
        return self._encoders[model] is not None
