# The one task runner, the same locally and in .ci/run. Needs only Python 3.11+ and pip.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Written after a successful install; re-install only when pyproject.toml changes.
STAMP := $(VENV)/.installed

.PHONY: venv run test lint bench fmt clean

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

run: venv
	$(BIN)/journeys demo --families 300 --seed 7 --if-empty
	$(BIN)/journeys serve --host 127.0.0.1 --port 8000

test: venv lint
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: venv
	$(BIN)/python -m bench

fmt: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Caches and build outputs only: the venv and local data (var/) stay.
clean:
	rm -rf build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis .coverage
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
