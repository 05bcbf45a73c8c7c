# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

.PHONY: run test
run: $(VENV)/.installed  ## build the warehouse from the bundled sample (DuckDB)
	$(VENV)/bin/orgwh run

test: $(VENV)/.installed  ## lint, then the whole test suite (DuckDB, a real Postgres, Spark)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest
