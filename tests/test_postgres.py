"""The Postgres target: the documented staging shape, same rows as DuckDB, clear errors."""

from __future__ import annotations

import json
import threading

import duckdb
import psycopg
import psycopg2
import pytest
from conftest import sample_records, write_records
from typer.testing import CliRunner

import orgwh
from orgwh import docs
from orgwh.cli import app
from orgwh.config import DaySelection, Settings
from orgwh.errors import ConnectionFailed, QueryFailed, WarehouseLocked
from orgwh.layers import TABLES
from orgwh.pipeline import run
from orgwh.project import SAMPLE_EVENTS, SAMPLE_ORGS
from orgwh.targets import copy_stream, postgres
from orgwh.targets.postgres import PostgresTarget


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


def test_a_run_creates_a_missing_database(postgres_warehouse):
    run(postgres_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS))
    assert postgres_warehouse.exists()


@pytest.mark.parametrize(
    "command",
    [
        ["query", "--target", "postgres", "select 1"],
        ["status", "--target", "postgres"],
        ["docs", "--target", "postgres"],
    ],
)
def test_reading_a_missing_database_fails_in_one_line_and_creates_none(postgres_warehouse, command):
    server = postgres_warehouse.server
    result = CliRunner().invoke(app, command)
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: no Postgres warehouse: database {server['PGDATABASE']!r} does not exist on "
        f"{server['PGHOST']}:{server['PGPORT']}; build it with `orgwh run --target postgres`\n",
    )
    assert not PostgresTarget(Settings()).has_warehouse()
    assert not postgres_warehouse.exists()


def test_has_warehouse_is_false_until_a_run(postgres_warehouse):
    target = PostgresTarget(Settings())
    postgres_warehouse.create()  # the database alone, as a user may create it
    assert not target.has_warehouse()
    run(postgres_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS))
    assert target.has_warehouse()


# Statements that try to make the read path's session writable, and write
# (each refused: the server runs one statement per call, in `begin read only`).
MULTIPLE_STATEMENTS = "query failed: cannot insert multiple commands into a prepared statement"
ESCAPES = [
    ("begin read write; delete from dimensional.fac_user; commit", MULTIPLE_STATEMENTS),
    (
        "set default_transaction_read_only = off; delete from dimensional.fac_user",
        MULTIPLE_STATEMENTS,
    ),
    (
        "commit; set session characteristics as transaction read write; "
        "delete from dimensional.fac_user",
        MULTIPLE_STATEMENTS,
    ),
    (
        "delete from dimensional.fac_user",
        "query failed: cannot execute DELETE in a read-only transaction",
    ),
]


@pytest.mark.parametrize(("statement", "message"), ESCAPES)
def test_a_query_cannot_write(sample_on_postgres, statement, message):
    count = "select count(*) from dimensional.fac_user"
    (before,) = orgwh.query(count, target="postgres").rows
    with pytest.raises(QueryFailed) as failure:
        orgwh.query(statement, target="postgres")
    assert str(failure.value) == message
    assert orgwh.query(count, target="postgres").rows == [before]


def test_no_statement_on_a_connection_makes_the_next_one_writable(sample_on_postgres):
    with orgwh.connect(target="postgres") as connection:
        for statement in (
            "begin read write",
            "set default_transaction_read_only = off",
            "set session characteristics as transaction read write",
            "commit",
        ):
            connection.execute(statement)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            connection.execute("delete from dimensional.fac_user")
        with pytest.raises(psycopg.NotSupportedError):
            connection.cursor().executemany("delete from dimensional.fac_user", [()])
        assert connection.execute("select count(*) > 0 from dimensional.fac_user").fetchone() == (
            True,
        )


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
    postgres_warehouse.create()
    with postgres.connect() as first_run:  # holds the lock a run takes
        first_run.execute("select pg_advisory_lock(%s)", [postgres.RUN_LOCK_KEY])
        with pytest.raises(WarehouseLocked) as failure:
            run(settings)
    assert str(failure.value) == (
        "another orgwh run is building the Postgres warehouse; waited 0.5 s "
        "(see ORGWH_LOCK_TIMEOUT)"
    )


# (what DuckDB selects, the error copy_query raises): DuckDB fails before it
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
                copy_stream.copy_query(duck, cursor, query, "copied", {}, tmp_path)
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


def test_docs_read_the_catalog_in_a_read_only_session(sample_on_postgres, cache_dir):
    site = docs.generate(Settings.from_env(target="postgres", cache_dir=cache_dir))
    catalog = json.loads((site / "catalog.json").read_text())
    assert "user_sk" in catalog["nodes"]["model.orgwh.dim_user"]["columns"]
