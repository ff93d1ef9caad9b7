# The one task runner, the same locally and in .ci/run. Needs only Python 3.11+ and pip
# (and, for `test`, Debian's chromium and chromium-driver, which it installs when missing).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Written after a successful install; re-install only when pyproject.toml changes.
STAMP := $(VENV)/.installed

# The browser the web pages' tests drive (tests/browser), from Debian's packages.
CHROMIUM := /usr/bin/chromium
CHROMEDRIVER := /usr/bin/chromedriver

.PHONY: venv browser run test lint bench fmt clean run-kafka

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

# The demo's years end as today begins (UTC), so its open cases are current; a store that
# already holds events is kept as it is (--if-empty), with the end date it was loaded on.
run: venv
	$(BIN)/journeys demo --families 300 --seed 7 --if-empty
	$(BIN)/journeys serve --host 127.0.0.1 --port 8000

# As `run`, with a local Kafka-protocol broker (tansu, in memory) and the relay, the inbound
# consumer (and Kafka-fed projections and a subscriber, where present), all stopped by Ctrl-C.
run-kafka: venv
	$(BIN)/journeys dev kafka --families 300 --port 8000 --kafka-port 9092

test: venv lint browser
	$(BIN)/python -m pytest

# As root (CI) or with sudo; otherwise stop and say what to install.
browser:
	@if [ ! -x $(CHROMIUM) ] || [ ! -x $(CHROMEDRIVER) ]; then \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "make: the browser tests need $(CHROMIUM) and $(CHROMEDRIVER) (Debian's" \
	      "chromium and chromium-driver), and there is no apt-get here to install them" >&2; \
	    exit 1; \
	  elif [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	  elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	  else \
	    echo "make: the browser tests need Debian's chromium and chromium-driver;" \
	      "as root, run: apt-get update && apt-get install -y chromium chromium-driver" >&2; \
	    exit 1; \
	  fi; \
	  echo "Installing Debian's chromium and chromium-driver for the browser tests"; \
	  $$sudo apt-get update && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; \
	fi

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
