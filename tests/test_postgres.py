"""The Postgres target: the documented staging shape, same rows as DuckDB, clear errors."""

from __future__ import annotations

import threading

import duckdb
import psycopg2
import pytest
from conftest import sample_records, write_records

from orgwh.config import DaySelection
from orgwh.errors import ConnectionFailed, WarehouseLocked
from orgwh.layers import TABLES
from orgwh.pipeline import run
from orgwh.project import SAMPLE_EVENTS, SAMPLE_ORGS
from orgwh.targets import postgres


def test_staging_has_the_documented_shape(postgres_warehouse):
    run(postgres_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS))
    with postgres.connect() as connection:
        columns = connection.execute(
            """select table_name, column_name, data_type from information_schema.columns
            where table_schema = 'staging' and table_name in ('event', 'organization')
            order by table_name, ordinal_position"""
        ).fetchall()
        schemas = connection.execute(
            "select schema_name from information_schema.schemata order by 1"
        ).fetchall()
    assert columns == [
        ("event", "date", "date"),
        ("event", "json_content", "json"),
        ("organization", "date", "date"),
        ("organization", "json_content", "json"),
    ]
    assert {"staging", "historical", "snapshots", "dimensional"} <= {s for (s,) in schemas}


def test_a_missing_database_is_created(postgres_warehouse):
    with postgres.connect() as connection:
        assert connection.info.dbname == postgres_warehouse.server["PGDATABASE"]


def test_an_unreachable_server_is_named_in_one_line(monkeypatch):
    monkeypatch.setenv("PGHOST", "127.0.0.1")
    monkeypatch.setenv("PGPORT", "1")
    monkeypatch.setenv("PGUSER", "orgwh")
    with pytest.raises(ConnectionFailed) as failure:
        postgres.connect()
    assert str(failure.value) == (
        "cannot connect to Postgres at 127.0.0.1:1 as 'orgwh' (Connection refused); "
        "start the bundled server with `docker compose up -d`, "
        "or point PGHOST/PGPORT/PGUSER/PGPASSWORD at yours"
    )


def test_a_second_run_on_postgres_waits_then_fails_clearly(postgres_warehouse):
    settings = postgres_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS, lock_timeout=0.5)
    with postgres.connect() as first_run:  # holds the lock a run takes
        first_run.execute("select pg_advisory_lock(%s)", [postgres.RUN_LOCK_KEY])
        with pytest.raises(WarehouseLocked) as failure:
            run(settings)
    assert str(failure.value) == (
        "another orgwh run is building the Postgres warehouse; waited 0.5 s "
        "(see ORGWH_LOCK_TIMEOUT)"
    )


# (what DuckDB selects, the error _copy_query raises): DuckDB fails before it
# writes, DuckDB fails midway, COPY refuses the first of millions of rows.
FAILED_COPIES = [
    ("select n from no_such_table", duckdb.CatalogException),
    (
        "select case when range < 100000 then range else error('stop') end from range(200000)",
        duckdb.InvalidInputException,
    ),
    (
        "select case when range = 0 then 'x' else range::varchar end from range(3000000)",
        psycopg2.errors.InvalidTextRepresentation,
    ),
]


@pytest.mark.parametrize(("query", "error"), FAILED_COPIES)
def test_a_failed_copy_raises_its_error_and_neither_side_waits(
    postgres_warehouse, tmp_path, query, error
):
    raised = []

    def copy() -> None:
        with duckdb.connect() as duck, psycopg2.connect(dbname="postgres") as connection:
            cursor = connection.cursor()
            cursor.execute("create temporary table copied (n bigint)")
            try:
                postgres._copy_query(duck, cursor, query, "copied", {}, tmp_path)
            except Exception as exception:
                raised.append(exception)

    copying = threading.Thread(target=copy, daemon=True)
    copying.start()
    copying.join(120)  # a side left waiting on the pipe would wait forever
    assert not copying.is_alive()
    assert [type(exception) for exception in raised] == [error]


def test_a_runs_row_counts_are_the_tables_counts(postgres_warehouse, tmp_path):
    """count_rows adds each run's inserts less its deletes to what the last run left."""
    events, organizations = sample_records()
    day = "2020-12-08"
    fewer = write_records(
        tmp_path / "fewer.json",
        [record for record in events if not record["received_at"].startswith(day)][:-3],
    )
    runs = [
        (SAMPLE_EVENTS, DaySelection.from_options(day), False),
        (SAMPLE_EVENTS, DaySelection(), False),  # every day: more rows
        (fewer, DaySelection(), False),  # day 8 emptied, fewer events on others
        (SAMPLE_EVENTS, DaySelection(), True),  # --full-refresh recreates the tables
        (SAMPLE_EVENTS, DaySelection.from_options(day), False),
    ]
    for events_file, selection, full_refresh in runs:
        report = run(postgres_warehouse.settings(events_file, SAMPLE_ORGS), selection, full_refresh)
        with postgres.connect() as connection:
            counted = {
                table: connection.execute(f"select count(*) from {table}").fetchone()[0]
                for table in TABLES
            }
        assert report.rows == counted
