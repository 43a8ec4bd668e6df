# Two commands do all the set-up (README): `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint bench-intake bench-review bench-agent clean

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

bench-intake: $(STAMP)
	$(BIN)/python -m bench.intake

bench-agent: $(STAMP)
	$(BIN)/python -m bench.agent

bench-review: $(STAMP)
	$(BIN)/python -m bench.review

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
