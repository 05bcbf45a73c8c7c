"""The DuckDB target's file: one every DuckDB client opens, whatever runs wrote it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import event, sample_records, write_records
from reference import expected_tables
from streams import ORGANIZATION_RECORDS

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


def test_every_kind_of_run_leaves_a_compact_file_a_duckdb_1_client_opens(duckdb_warehouse):
    settings = duckdb_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS)
    users = len(expected_tables(*sample_records())["dimensional.dim_user"])
    count = "select count(*) from dimensional.dim_user"

    run(settings)  # a new file
    fresh_build = duckdb_warehouse.path.stat().st_size
    assert read_with_the_cli(duckdb_warehouse.path, "select version()").startswith("v1.")
    assert read_with_the_cli(duckdb_warehouse.path, count) == f"{users}\n"
    run(settings, full_refresh=True)  # every table dropped and built again, then compacted
    assert duckdb_warehouse.path.stat().st_size <= fresh_build
    assert read_with_the_cli(duckdb_warehouse.path, count) == f"{users}\n"
    get(settings).clean()
    schemas = "select count(*) from duckdb_schemas() where schema_name = 'staging'"
    assert read_with_the_cli(duckdb_warehouse.path, schemas) == "0\n"


@pytest.mark.slow
def test_a_build_larger_than_the_memory_limit_spills_and_completes(duckdb_warehouse, tmp_path):
    """The reader and dbt share one DuckDB instance: what the reader spilled stays usable."""
    events = [
        event(
            id=f"{n % 15_000:032x}",
            event_type="User Created" if n < 15_000 else "User Updated",
            username=f"user {n} " + "x" * 100,
            received_at=f"2020-12-0{5 + n % 4} 10:{n % 60:02d}:{n % 59:02d}",
        )
        for n in range(60_000)
    ]
    events_file = write_records(tmp_path / "events.json", events)
    orgs = write_records(tmp_path / "orgs.json", ORGANIZATION_RECORDS)
    spill = tmp_path / "spill"
    settings = duckdb_warehouse.settings(
        events_file, orgs, memory_limit="64MB", temp_directory=spill
    )
    assert events_file.stat().st_size > 64 * 1024 * 1024 * 0.2  # a large share of the limit
    spilled_before_dbt = []

    def progress(message: str) -> None:
        if message == "starting dbt":
            spilled_before_dbt.extend(path for path in spill.glob("*.tmp") if path.stat().st_size)

    run(settings, on_progress=progress)
    assert spilled_before_dbt, "the reader did not spill: the test needs more input"
    assert duckdb_warehouse.tables() == expected_tables(events, ORGANIZATION_RECORDS)
