"""SPEC 4 on Spark: random event streams give the reference model's tables.

test_warehouse.py runs these on DuckDB and Postgres with more examples; a
Spark build takes tens of seconds, so here each property gets one.
"""

from __future__ import annotations

import hashlib
from datetime import date

from conftest import write_records
from hypothesis import given
from hypothesis import strategies as st
from reference import expected_tables
from streams import ORGANIZATION_RECORDS, event_streams
from test_warehouse import (
    a_full_load_equals_the_reference_model,
    a_redelivered_day_replaces_what_that_day_held,
    builds,
    days_in_any_order_and_reruns_equal_the_reference_model,
    user_event,
)

from orgwh.config import DaySelection
from orgwh.pipeline import run


@builds(examples=1)
@given(stream=event_streams(max_size=20), layout=st.sampled_from(["array", "ndjson"]))
def test_a_full_load_equals_the_reference_model(spark_warehouse, tmp_path, stream, layout):
    a_full_load_equals_the_reference_model(spark_warehouse, tmp_path, stream, layout)


@builds(examples=1)
@given(stream=event_streams(max_size=20), data=st.data())
def test_days_in_any_order_and_reruns_equal_the_reference_model(
    spark_warehouse, tmp_path, stream, data
):
    days_in_any_order_and_reruns_equal_the_reference_model(spark_warehouse, tmp_path, stream, data)


@builds(examples=1)
@given(first=event_streams(max_size=20), second=event_streams(max_size=20), data=st.data())
def test_a_redelivered_day_replaces_what_that_day_held(
    spark_warehouse, tmp_path, first, second, data
):
    a_redelivered_day_replaces_what_that_day_held(spark_warehouse, tmp_path, first, second, data)


def partition_files(spark_warehouse, table: str, partition: str) -> dict[str, tuple[int, bytes]]:
    """Each parquet file of one partition of a table: its name, mtime and content hash."""
    schema, name = table.split(".")
    folder = spark_warehouse.directory / "warehouse" / f"{schema}.db" / name / partition
    return {
        path.name: (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).digest())
        for path in sorted(folder.glob("*.parquet"))
    }


def test_loading_the_last_day_leaves_the_files_of_the_first_day_untouched(
    spark_warehouse, tmp_path
):
    stream = [
        user_event("User Created", "2020-12-05 09:00:00", "Acme", user="u1"),
        user_event("User Created", "2020-12-06 09:00:00", "Globex", user="u2"),
        user_event("User Updated", "2020-12-07 09:00:00", "Acme", user="u1"),
        user_event("User Deleted", "2020-12-07 10:00:00", "Globex", user="u2"),
    ]
    events = write_records(tmp_path / "events.json", stream)
    orgs = write_records(tmp_path / "orgs.json", ORGANIZATION_RECORDS)
    settings = spark_warehouse.settings(events, orgs)
    run(settings, DaySelection(date(2020, 12, 5), date(2020, 12, 6)))
    first_day = {
        "historical.user_event": "event_date=2020-12-05",
        "dimensional.fac_user": "date_calendar=2020-12-05",
    }
    before = {table: partition_files(spark_warehouse, table, p) for table, p in first_day.items()}
    assert all(before.values())

    run(settings, DaySelection(date(2020, 12, 7), date(2020, 12, 7)))
    after = {table: partition_files(spark_warehouse, table, p) for table, p in first_day.items()}
    assert after == before
    assert spark_warehouse.tables() == expected_tables(stream, ORGANIZATION_RECORDS)
