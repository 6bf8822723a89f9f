# Set-up is file-based: each step reruns only when its inputs change.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= var
MODELS_DIR := $(DATA_DIR)/models

.PHONY: run test lint setup weights bench clean postgres-binaries

run: setup web/dist/index.html
	$(BIN)/sightline serve

test: setup postgres-binaries web/dist/index.html chromium
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/pytest
	$(MAKE) test-web test-e2e

lint: setup
	$(BIN)/ruff check src tests bench

setup: $(VENV)/.installed weights

# The lock pins every transitive package; pyproject.toml names the direct ones.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

# The tests run against a real PostgreSQL too: they start a throwaway server with these programs.
postgres-binaries:
	bash tests/postgres.sh

weights: $(VENV)/.installed
	$(BIN)/sightline weights fetch --data-dir $(DATA_DIR)

bench: setup
	$(BIN)/python bench/engine.py

# The web app (web/): npm installs from its lock, Vite builds it into web/dist/, served at / by `serve`.
.PHONY: test-web test-e2e chromium
WEB_SOURCES := $(shell find web/src -type f -not -name '*.test.*' -not -path 'web/src/test/*' 2>/dev/null) \
	web/index.html web/vite.config.ts web/tsconfig.json web/tsconfig.app.json

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci
	touch $@

# The build first writes the page's API types (web/src/api/openapi.d.ts, not committed) from the
# document `sightline openapi` prints, so it reruns when the API's schemas change too.
API_DOCUMENT_SOURCES := $(shell find src/sightline/api -name '*.py' 2>/dev/null) src/sightline/detection/options.py

web/dist/index.html: web/node_modules/.package-lock.json $(VENV)/.installed $(WEB_SOURCES) $(API_DOCUMENT_SOURCES)
	cd web && npm run build

test-web: web/node_modules/.package-lock.json
	cd web && npm test

# Playwright drives Debian's chromium against the real server and models on a free port.
test-e2e: setup web/dist/index.html chromium
	SIGHTLINE_MODELS_DIR=$(abspath $(MODELS_DIR)) web/e2e/serve-and-test.sh $(abspath $(BIN))/sightline

chromium:
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

clean:
	rm -rf $(VENV) $(DATA_DIR) build *.egg-info
