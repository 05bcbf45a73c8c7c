"""The DuckDB target's file: one every DuckDB client opens, whatever runs wrote it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import sample_records
from reference import expected_tables

from orgwh.pipeline import run
from orgwh.project import SAMPLE_EVENTS, SAMPLE_ORGS
from orgwh.targets import get

# The DuckDB command line from PyPI's duckdb-cli 1.5 (a dev dependency): a 1.x
# client, which cannot read the storage format DuckDB 2 writes by default.
DUCKDB_CLI = Path(sys.executable).parent / "duckdb"


def read_with_the_cli(path: Path, sql: str) -> str:
    shown = subprocess.run(
        [str(DUCKDB_CLI), "-readonly", "-csv", "-noheader", str(path), sql],
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def test_a_duckdb_1_client_opens_the_warehouse_after_every_kind_of_run(duckdb_warehouse):
    settings = duckdb_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS)
    users = len(expected_tables(*sample_records())["dimensional.dim_user"])
    count = "select count(*) from dimensional.dim_user"

    run(settings)  # a new file
    assert read_with_the_cli(duckdb_warehouse.path, "select version()").startswith("v1.")
    assert read_with_the_cli(duckdb_warehouse.path, count) == f"{users}\n"
    run(settings, full_refresh=True)  # every table dropped and built again
    assert read_with_the_cli(duckdb_warehouse.path, count) == f"{users}\n"
    get(settings).clean()
    schemas = "select count(*) from duckdb_schemas() where schema_name = 'staging'"
    assert read_with_the_cli(duckdb_warehouse.path, schemas) == "0\n"
