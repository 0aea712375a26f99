# gbdsp: `make run` (install, init, demo fleet, serve) and `make test`.
PYTHON ?= python3
VENV ?= .venv
DATA ?= gbdsp-data
BIN = $(VENV)/bin

.PHONY: run test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("gbdsp needs Python 3.11+") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/gbdsp --data $(DATA) init
	$(BIN)/gbdsp --data $(DATA) demo
	$(BIN)/gbdsp --data $(DATA) serve

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(BIN)/.installed
	$(BIN)/python bench/bulk_import.py

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .mypy_cache .ruff_cache
