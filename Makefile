# Two commands for a fresh machine: `make run` (set up, build the graph from notes/, serve it)
# and `make test` (set up, lint, type-check, run the whole suite).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: setup
	$(BIN)/kg ingest notes/
	$(BIN)/kg stats
	$(BIN)/kg ask "someone is copying my model through its API" -k 3
	$(BIN)/kg serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/bench_ingest.py --notes 1000 10000
	$(BIN)/python bench/bench_ask.py --notes 0 10000
	$(BIN)/python bench/bench_http.py --seconds 5
	$(BIN)/python bench/bench_load.py --seconds 20

clean:
	rm -rf $(VENV) .mlkg bench/out
