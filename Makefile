# TroubleTree: `make run` to use it, `make test` to prove it. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
WEB_STAMP := web/node_modules/.installed
WEB_SOURCES := $(shell find web/src web/public web/index.html web/vite.config.ts web/package.json \
                 web/tsconfig.json web/tsconfig.app.json -type f 2>/dev/null)
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-py test-web install web web-build lint format serve clean-data bench \
        bench-inprocess fuzz replicas faults

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_STAMP)

# The built web app, rebuilt when it is missing or older than its sources.
web/dist/index.html: $(WEB_STAMP) $(WEB_SOURCES)
	cd web && npm run build
	touch web/dist/index.html

web-build: web/dist/index.html

## Set up, build the web app if needed, migrate, seed demo data on an empty database, serve.
run: install web-build
	$(BIN)/troubletree seed-demo --if-empty
	$(BIN)/troubletree serve

## Set up and run every test: the API against a real PostgreSQL, then the web app.
test: test-py test-web

# The web build first: the header tests check the app shell and a hashed asset as served.
test-py: install web-build
	$(BIN)/pytest

test-web: install $(WEB_STAMP)
	cd web && npm run check-generated
	cd web && npm run lint
	cd web && npm test
	@if [ -x "$(CHROMIUM)" ]; then \
		cd web && npm run e2e; \
	else \
		echo "SKIPPED end-to-end tests: no Chromium at $(CHROMIUM) (apt-get install chromium)"; \
		if [ -n "$$CI" ]; then exit 1; fi; \
	fi

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

## Two replicas and a worker behind haproxy, sharing PostgreSQL and Redis (part of `make test`
## too): rate limits, refresh grace, mail exactly once, a replica killed mid-load. Prints counts.
replicas: install
	$(BIN)/pytest -m replicas -s -q tests/ops

## A private PostgreSQL stopped for 10 s under step load, and a graceful shutdown. Prints counts.
faults: install
	$(BIN)/pytest -m faults -s -q tests/ops

## Benchmarks (not part of the tests): see bench/README.md. The outside benchmark: the app as
## production serves it against a framework-free ceiling, driven by wrk; writes bench/RESULTS.md.
## BENCH_ARGS passes options, e.g. BENCH_ARGS="--duration 5 --soak 600".
bench: install
	$(BIN)/python bench/outside/run.py $(BENCH_ARGS)

## The in-process benchmark (client and bare endpoints inside the app's own process).
bench-inprocess: install
	$(BIN)/python bench/sessions_bench.py

## Longer schema fuzzing than the test suite's (every operation as each role, 100 cases each).
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(BIN)/pytest tests/core/test_fuzz.py -q

clean-data:
	-$(BIN)/troubletree db stop
	rm -rf .troubletree
