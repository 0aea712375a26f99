# gbdsp: `make run` (install, init, demo fleet, serve) and `make test`.
PYTHON ?= python3
VENV ?= .venv
DATA ?= gbdsp-data
PORT ?=
BIN = $(VENV)/bin
SERVE_FLAGS = $(if $(PORT),--port $(PORT))

.PHONY: run test lint bench clean clean-data

# `make run` needs only what `pip install gbdsp` gives; the dev tools come with `make test`.
$(BIN)/.installed-run: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("gbdsp needs Python 3.11+") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed-run
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed-run
	$(BIN)/gbdsp --data $(DATA) init
	$(BIN)/gbdsp --data $(DATA) demo
	$(BIN)/gbdsp --data $(DATA) serve $(SERVE_FLAGS)

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: lint
	$(BIN)/pytest -n 2 --dist loadfile --cov --cov-report= --durations=25
	@echo "coverage of src/gbdsp by the in-process tests: $$($(BIN)/coverage report --format=total)%"

bench: $(BIN)/.installed-dev
	$(BIN)/python bench/bulk_import.py

# Never deletes the data directory (keys, database): that is `make clean-data`.
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist

clean-data:
	@if [ -t 0 ]; then \
	  printf 'Delete %s (its keys and database) for good? [y/N] ' '$(DATA)'; read answer; \
	  case "$$answer" in y|Y|yes) ;; *) echo 'kept $(DATA)'; exit 1;; esac; \
	fi
	rm -rf $(DATA)
