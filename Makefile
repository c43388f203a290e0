# Quick start: `make demo` (the node on SQLite with simulated traffic) and `make test` (the whole suite).
# Both create the virtual environment in .venv first.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo test lint venv clean

venv: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 is required" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,amqp]'
	touch $@

demo: venv
	SAMHAND_MODE=demo PORT=$(PORT) $(BIN)/samhand demo --port $(PORT)

# The suite runs on SQLite, then on PostgreSQL when a server is reachable (in CI it must be).
test: venv
	$(BIN)/python scripts/run_tests.py

# Style and likely bugs (ruff), and the layers between the apps (import-linter; pyproject.toml).
lint: venv
	$(BIN)/ruff check samhand tests scripts
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var demo-credentials.json .pytest_cache
