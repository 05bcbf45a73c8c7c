"""The Spark target builds the same warehouse as DuckDB and the reference model.

One Spark session serves the whole test run (see conftest.spark_warehouse);
each build takes tens of seconds, so the examples are few and each one
covers much: both layouts, gzip, rejected records, a redelivered day.
Days in any order are the models' business, the same SQL on every target
(test_warehouse.py); on Spark they are rebuilt in full on every run.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter, defaultdict

import pytest
from conftest import sample_records, write_records
from hypothesis import given
from hypothesis import strategies as st
from reference import expected_tables, utc_day
from streams import ORGANIZATION_RECORDS, event_streams
from test_query_docs import ORGANIZATIONS, ORGANIZATIONS_CSV
from test_status import expected_rows
from test_warehouse import builds, staged_records
from typer.testing import CliRunner

from orgwh.cli import app
from orgwh.config import DaySelection, Settings
from orgwh.layers import SCHEMAS, TABLES
from orgwh.pipeline import run
from orgwh.project import SAMPLE_EVENTS, SAMPLE_ORGS
from orgwh.status import read_status

REJECTED = ("staging.rejected",)


@pytest.fixture(scope="module")
def spark_sample(spark_warehouse):
    """The bundled sample built on Spark once for the tests that read it.

    The last of them, test_query_status_and_clean_on_spark, drops it.
    """
    spark_warehouse.reset()
    return run(spark_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS))


def test_the_sample_builds_the_same_tables_as_on_duckdb(
    spark_warehouse, spark_sample, duckdb_warehouse
):
    on_duckdb = run(duckdb_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS))

    assert spark_sample.rows == on_duckdb.rows
    assert set(spark_sample.rows) == set(TABLES)
    assert (spark_sample.events, spark_sample.organizations) == (
        on_duckdb.events,
        on_duckdb.organizations,
    )
    assert spark_warehouse.tables() == duckdb_warehouse.tables()


ACTIVE_USERS_PER_DAY = (
    "select date_calendar, sum(active_users) as active_users "
    "from dimensional.fac_user group by date_calendar order by date_calendar"
)


def test_query_status_and_clean_on_spark(spark_warehouse, spark_sample, monkeypatch):
    monkeypatch.setenv("ORGWH_SPARK_DIR", str(spark_warehouse.directory))
    monkeypatch.setenv("ORGWH_CACHE_DIR", str(spark_warehouse.cache_dir))

    def orgwh(*arguments: str):
        return CliRunner().invoke(app, [*arguments, "--target", "spark"])

    events, organizations = sample_records()
    fac_user = expected_tables(events, organizations)["dimensional.fac_user"]
    active_users: dict = defaultdict(int)  # SPEC 4: the original's users per day
    for day, *_organization, active in fac_user:
        active_users[day] += active
    as_json = orgwh("query", ACTIVE_USERS_PER_DAY, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == [
        {"date_calendar": str(day), "active_users": users}
        for day, users in sorted(active_users.items())
    ]
    as_csv = orgwh("query", ORGANIZATIONS, "--format", "csv")
    assert (as_csv.exit_code, as_csv.stdout) == (0, ORGANIZATIONS_CSV)
    failed = orgwh("query", "select * from nowhere")
    assert failed.exit_code == 2
    assert failed.stderr == (
        "Error: query failed: [TABLE_OR_VIEW_NOT_FOUND] The table or view `nowhere` cannot be "
        "found. Verify the spelling and correctness of the schema and catalog.\n"
    )

    status = read_status(Settings.from_env(target="spark"))
    per_day = Counter(utc_day(record) for record in events)
    assert status.events_per_day == sorted(per_day.items())
    assert status.rows == expected_rows(events, organizations)
    assert [(entry.target, entry.days, entry.records_read) for entry in status.runs] == [
        ("spark", len(per_day), len(events) + len(organizations))
    ]
    shown = orgwh("status")
    assert shown.exit_code == 0, shown.output
    assert "loaded days on spark" in shown.stdout and "dimensional.fac_user" in shown.stdout

    cleaned = orgwh("clean", "--yes")
    assert cleaned.exit_code == 0, cleaned.output
    location = spark_warehouse.directory
    assert cleaned.stdout.replace("\n", "") == f"Dropped the orgwh schemas in {location}."
    assert not [name for name in SCHEMAS if spark_warehouse.session.catalog.databaseExists(name)]
    emptied = orgwh("status")
    assert emptied.exit_code == 2
    assert emptied.stderr == (
        f"Error: nothing loaded in {location} yet; build it with `orgwh run`\n"
    )


# Every reason of load.py, blank lines, and lines that are not JSON at all.
BAD_EVENTS = [
    "[1, 2]",
    '"just a string"',
    "{not json",
    {"event_type": "User Created", "received_at": "2020-12-05 10:00:00"},
    {"id": "", "event_type": "User Created", "received_at": "2020-12-05 10:00:00"},
    {"id": 7, "event_type": "User Created", "received_at": "2020-12-05 10:00:00"},
    {"id": "u", "event_type": ["User Created"], "received_at": "2020-12-05 10:00:00"},
    {"id": "u", "event_type": "User Renamed", "received_at": "2020-12-05 10:00:00"},
    {"id": "u", "event_type": "User Created", "plan_name": 3, "received_at": "2020-12-05"},
    {"id": "u", "event_type": "User Created", "received_at": "2021-02-30 10:00:00"},
    {"id": "u", "event_type": "User Created", "received_at": "2020-12-05 10:00:00.1234567"},
    {"id": "u", "event_type": "User Created", "received_at": 20201205},
]
BAD_ORGANIZATIONS = ["{nope", {"organization_key": 12, "organization_name": "Numbers"}]


def _ndjson(records: list) -> str:
    lines = [record if isinstance(record, str) else json.dumps(record) for record in records]
    return "\n".join(lines[:3] + ["", "   "] + lines[3:]) + "\n"


def test_rejected_records_and_counts_match_duckdb(spark_warehouse, duckdb_warehouse, tmp_path):
    good = [
        {"id": "u", "event_type": "User Created", "username": "a",
         "received_at": "2020-12-05T10:00:00.5+01:00"},
        {"id": "u", "event_type": "User Deleted", "received_at": "2020-12-06 00:00:00Z"},
    ]  # fmt: skip
    events = tmp_path / "events.ndjson.gz"  # gzip, named .gz
    events.write_bytes(gzip.compress(_ndjson(good + BAD_EVENTS).encode()))
    # Newline-delimited too: DuckDB's staging cannot yet mix a malformed
    # newline-delimited line with an array file's records in staging.rejected.
    orgs = tmp_path / "orgs.json"
    orgs.write_text(_ndjson(ORGANIZATION_RECORDS + BAD_ORGANIZATIONS))

    spark_warehouse.reset()
    on_spark = run(spark_warehouse.settings(events, orgs))
    on_duckdb = run(duckdb_warehouse.settings(events, orgs))

    assert on_spark.events == on_duckdb.events
    assert on_spark.organizations == on_duckdb.organizations
    assert on_spark.events.read == on_spark.events.staged + on_spark.events.rejected.total()
    assert spark_warehouse.tables(REJECTED) == duckdb_warehouse.tables(REJECTED)
    assert spark_warehouse.tables() == duckdb_warehouse.tables()


@builds(examples=1)
@given(stream=event_streams(max_size=20), layout=st.sampled_from(["array", "ndjson"]))
def test_a_full_load_equals_the_reference_model(spark_warehouse, tmp_path, stream, layout):
    spark_warehouse.reset()
    orgs = write_records(tmp_path / "orgs.json", ORGANIZATION_RECORDS)
    events = write_records(tmp_path / "events.json", stream, layout)
    run(spark_warehouse.settings(events, orgs))
    assert spark_warehouse.tables() == expected_tables(stream, ORGANIZATION_RECORDS)


@builds(examples=1)
@given(first=event_streams(max_size=20), second=event_streams(max_size=20), data=st.data())
def test_a_redelivered_day_replaces_what_that_day_held(
    spark_warehouse, tmp_path, first, second, data
):
    redelivered = data.draw(st.sampled_from(sorted({utc_day(r) for r in first + second})))
    loads = [(first, None), (second, redelivered)]

    spark_warehouse.reset()
    orgs = write_records(tmp_path / "orgs.json", ORGANIZATION_RECORDS)
    for number, (records, day) in enumerate(loads):
        events = write_records(tmp_path / f"events-{number}.json", records, "ndjson")
        run(spark_warehouse.settings(events, orgs), DaySelection(day, day))
    expected = expected_tables(staged_records(loads), ORGANIZATION_RECORDS)
    assert spark_warehouse.tables() == expected
