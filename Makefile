# TroubleTree: `make run` to use it, `make test` to prove it. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: run test install lint format serve clean-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Set up, build the web app if needed, migrate, seed demo data on an empty database, serve.
run: install
	$(BIN)/troubletree serve

## Set up and run the whole test suite against a real PostgreSQL.
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

clean-data:
	-$(BIN)/troubletree db stop
	rm -rf .troubletree
