# Set-up is file-based: each step reruns only when its inputs change.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= var
MODELS_DIR := $(DATA_DIR)/models

.PHONY: run test lint setup weights bench clean

run: setup
	$(BIN)/sightline detect samples/dog.jpg samples/horses.jpg samples/person.jpg

test: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check src tests bench

setup: $(VENV)/.installed weights

# The lock pins every transitive package; pyproject.toml names the direct ones.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

weights: $(VENV)/.installed
	$(BIN)/sightline weights fetch --data-dir $(DATA_DIR)

bench: setup
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) $(DATA_DIR) build *.egg-info
