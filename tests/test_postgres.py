"""The Postgres target: the documented staging shape, same rows as DuckDB, clear errors."""

from __future__ import annotations

import pytest

from orgwh import targets, transform
from orgwh.errors import ConnectionFailed, WarehouseLocked
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


def test_the_unique_test_on_postgres_fails_repeated_keys_and_ignores_nulls(postgres_warehouse):
    """macros/test_unique.sql replaces dbt's unique test on Postgres: the same keys fail."""
    settings = postgres_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS)
    run(settings)
    with postgres_warehouse._connect(postgres_warehouse.server["PGDATABASE"]) as connection:
        # someone edits the table by hand: one key twice, two rows without a key
        connection.execute(
            "insert into historical.user_event select * from historical.user_event limit 1"
        )
        connection.execute(
            "insert into historical.user_event select null, user_id, event_type, username, "
            "user_email, user_type, organization_name, plan_name, received_at, event_date "
            "from historical.user_event limit 2"
        )
    result = transform.invoke_dbt(
        ["test", "--select", "unique_user_event_event_key"],
        targets.get(settings),
        postgres.environment(),
        variables={"every_day_pending": True},  # every row, not the pending days' (none)
    )
    (test,) = result.result.results
    assert (str(test.status), test.failures) == ("fail", 1)
