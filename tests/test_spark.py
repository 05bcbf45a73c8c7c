"""SPEC 4 on Spark: random event streams give the reference model's tables.

test_warehouse.py runs these on DuckDB and Postgres with more examples; a
Spark build takes tens of seconds, so here each property gets one, drawn
from the streams of several users over several days, with one rerun or
redelivered day at most.
"""

from __future__ import annotations

import fcntl
import hashlib
from datetime import date
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
from conftest import SPARK, write_records
from hypothesis import given
from hypothesis import strategies as st
from reference import expected_tables, utc_day
from streams import ORGANIZATION_RECORDS, event_streams
from test_warehouse import (
    a_full_load_equals_the_reference_model,
    a_redelivered_day_replaces_what_that_day_held,
    builds,
    days_in_any_order_and_reruns_equal_the_reference_model,
    user_event,
)
from typer.testing import CliRunner

from orgwh.cli import app
from orgwh.config import DaySelection
from orgwh.errors import WarehouseLocked
from orgwh.pipeline import run
from orgwh.project import SAMPLE_EVENTS, SAMPLE_ORGS
from orgwh.targets.spark import SparkTarget

pytestmark = SPARK


def several_users_over_several_days(stream: list[dict]) -> bool:
    """Not the simplest stream, which Hypothesis tries first: one event of one user."""
    return len({record["id"] for record in stream}) > 1 and len(set(map(utc_day, stream))) > 1


streams = event_streams(max_size=20).filter(several_users_over_several_days)


@builds(examples=1)
@given(stream=streams, layout=st.sampled_from(["array", "ndjson"]))
def test_a_full_load_equals_the_reference_model(spark_warehouse, tmp_path, stream, layout):
    a_full_load_equals_the_reference_model(spark_warehouse, tmp_path, stream, layout)


@builds(examples=1)
@given(stream=streams, data=st.data())
def test_days_in_any_order_and_reruns_equal_the_reference_model(
    spark_warehouse, tmp_path, stream, data
):
    days_in_any_order_and_reruns_equal_the_reference_model(
        spark_warehouse, tmp_path, stream, data, reruns=1
    )


@builds(examples=1)
@given(first=streams, second=streams, data=st.data())
def test_a_redelivered_day_replaces_what_that_day_held(
    spark_warehouse, tmp_path, first, second, data
):
    a_redelivered_day_replaces_what_that_day_held(
        spark_warehouse, tmp_path, first, second, data, redeliveries=1
    )


def three_days_of_two_users(last_organization: str = "Acme") -> list[dict]:
    """u1 created on 2020-12-05 in Acme, u2 on the 6th, u1 updated on the 7th."""
    return [
        user_event("User Created", "2020-12-05 09:00:00", "Acme", user="u1"),
        user_event("User Created", "2020-12-06 09:00:00", "Globex", user="u2"),
        user_event("User Updated", "2020-12-07 09:00:00", last_organization, user="u1"),
    ]


def partition_files(spark_warehouse, table: str, partition: str) -> dict[str, tuple[int, bytes]]:
    """Each parquet file of one partition of a table: its name, mtime and content hash."""
    schema, name = table.split(".")
    folder = spark_warehouse.tables_folder / f"{schema}.db" / name / partition
    return {
        path.name: (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).digest())
        for path in sorted(folder.glob("*.parquet"))
    }


def files_read(spark_warehouse, table: str) -> dict[str, tuple[int, bytes]]:
    """Each file a table reads (`_metadata.file_path`): its size and content hash."""
    query = f"select distinct _metadata.file_path from {table}"
    paths = [
        url2pathname(urlparse(row[0]).path) for row in spark_warehouse.session.sql(query).collect()
    ]
    return {
        path: (Path(path).stat().st_size, hashlib.sha256(Path(path).read_bytes()).digest())
        for path in paths
    }


def test_loading_the_last_day_rewrites_only_what_that_day_can_change(spark_warehouse, tmp_path):
    # u1 changes plan every day (a version ends on each), u2 once; the last
    # day changes u2 and creates u3: it rewrites the current versions and
    # those ending on it, not the versions that ended before it, and no
    # partition of an earlier day of user_event or fac_user.
    stream = [
        user_event("User Created", "2020-12-01 09:00:00", "Acme", user="u1"),
        user_event("User Created", "2020-12-01 10:00:00", "Globex", user="u2"),
        *(
            {**user_event("User Updated", f"2020-12-0{day} 09:00:00", "Acme", user="u1"),
             "plan_name": f"plan {day}"}
            for day in range(2, 7)
        ),
        user_event("User Updated", "2020-12-02 11:00:00", "Acme", user="u2"),
        user_event("User Deleted", "2020-12-07 08:00:00", "Acme", user="u2"),
        user_event("User Created", "2020-12-07 09:00:00", "Globex", user="u3"),
    ]  # fmt: skip
    events = write_records(tmp_path / "events.json", stream)
    orgs = write_records(tmp_path / "orgs.json", ORGANIZATION_RECORDS)
    settings = spark_warehouse.settings(events, orgs)
    run(settings, DaySelection(date(2020, 12, 1), date(2020, 12, 6)))
    first_day = {
        "historical.user_event": "event_date=2020-12-01",
        "dimensional.fac_user": "date_calendar=2020-12-01",
    }
    before = {table: partition_files(spark_warehouse, table, p) for table, p in first_day.items()}
    assert all(before.values())
    snapshot_before = files_read(spark_warehouse, "snapshots.user_snapshot")

    run(settings, DaySelection(date(2020, 12, 7), date(2020, 12, 7)))
    after = {table: partition_files(spark_warehouse, table, p) for table, p in first_day.items()}
    assert after == before
    snapshot_after = files_read(spark_warehouse, "snapshots.user_snapshot")
    reused = sum(
        size
        for path, (size, digest) in snapshot_after.items()
        if snapshot_before.get(path) == (size, digest)
    )
    assert reused >= sum(size for size, _digest in snapshot_after.values()) / 2
    assert spark_warehouse.tables() == expected_tables(stream, ORGANIZATION_RECORDS)


def test_a_warehouse_exists_when_the_catalog_holds_a_layer_s_database(spark_warehouse):
    # The metastore exists (the session's); its layers' databases do not.
    target = SparkTarget(spark_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS))
    assert (spark_warehouse.directory / "metastore_db").is_dir()
    assert not target.has_warehouse()
    spark_warehouse.session.sql("create database staging")
    assert target.has_warehouse()


def test_orgwh_query_on_spark_refuses_a_write_and_runs_a_show(spark_warehouse, monkeypatch):
    for name, value in spark_warehouse.environment().items():
        monkeypatch.setenv(name, value)
    spark_warehouse.session.sql("create database staging")
    spark_warehouse.session.sql("create table staging.kept (n int) using parquet")

    def orgwh(sql: str):
        return CliRunner().invoke(app, ["query", sql, "--target", "spark", "--format", "csv"])

    refused = orgwh("drop table staging.kept")
    assert (refused.exit_code, refused.stderr) == (
        2,
        "Error: query failed: the Spark read path only runs queries "
        "(SELECT, VALUES, DESCRIBE or SHOW), one statement at a time\n",
    )
    # (SHOW TABLES lists the session's temp views, earlier runs' too, in every database)
    shown = orgwh("show tables in staging like 'kept'")
    assert (shown.exit_code, shown.stdout) == (
        0,
        "namespace,tableName,isTemporary\nstaging,kept,false\n",
    )


def test_a_second_run_waits_for_the_first_then_fails_clearly(spark_warehouse):
    settings = spark_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS, lock_timeout=0.5)
    lock_path = spark_warehouse.directory / "warehouse.lock"
    with open(lock_path, "w") as lock:  # what a first run holds while it works
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(WarehouseLocked) as failure:
            run(settings)
    assert str(failure.value) == (
        f"{spark_warehouse.directory / 'warehouse'} is being built by another orgwh run; "
        "wait for it to finish (waited 0.5 s, see ORGWH_LOCK_TIMEOUT)"
    )


def test_after_a_failed_run_the_next_repairs_a_partly_written_user_snapshot(
    spark_warehouse, tmp_path
):
    """What a run killed between two of insert overwrite's partition moves may leave."""
    stream = three_days_of_two_users(last_organization="Globex")
    events = write_records(tmp_path / "events.json", stream)
    orgs = write_records(tmp_path / "orgs.json", ORGANIZATION_RECORDS)
    settings = spark_warehouse.settings(events, orgs)
    run(settings)
    session = spark_warehouse.session
    # u1's first version, ended on 2020-12-07, gone with its partition; the day pending
    session.sql(
        "alter table snapshots.user_snapshot__by_valid_to_date "
        "drop partition (valid_to_date = date'2020-12-07')"
    )
    session.sql("refresh table snapshots.user_snapshot")
    session.sql("insert into staging.load_day values (date'2020-12-07')")
    run(settings, DaySelection.from_options("2020-12-07"))
    assert spark_warehouse.tables() == expected_tables(stream, ORGANIZATION_RECORDS)
