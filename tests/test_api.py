"""orgwh.connect() and orgwh.query(): read-only access that never blocks a run."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import sample_records, write_records
from reference import expected_tables, utc_day

import orgwh
from orgwh.config import DaySelection
from orgwh.errors import NoWarehouse, QueryFailed, UsageError, WarehouseLocked
from orgwh.pipeline import run


def active_users_per_day(events: list, organizations: list) -> list[tuple[date, int]]:
    """The original single number per day, from the reference model's fac_user."""
    totals: dict[date, int] = {}
    for row in expected_tables(events, organizations)["dimensional.fac_user"]:
        totals[row[0]] = totals.get(row[0], 0) + row[-1]
    return sorted(totals.items())


def test_import_is_light():
    imported = subprocess.run(
        [sys.executable, "-c", "import sys, orgwh; print('dbt' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout == "False\n"


def test_run_builds_a_warehouse_that_query_reads(tmp_path: Path, cache_dir: Path, monkeypatch):
    monkeypatch.setenv("ORGWH_CACHE_DIR", str(cache_dir))
    events, organizations = sample_records()
    path = tmp_path / "from-python.duckdb"
    first_day = min(utc_day(record) for record in events)
    report = orgwh.run(date=str(first_day), duckdb_path=path)
    assert report.days == [first_day]
    assert report.events.staged == sum(utc_day(record) == first_day for record in events)
    assert orgwh.query("select count(*) from staging.event", duckdb_path=path).rows == [
        (report.events.staged,)
    ]
    report = orgwh.run(duckdb_path=str(path))  # every day; paths as text work too
    assert report.rows["dimensional.fac_user"] == len(
        expected_tables(events, organizations)["dimensional.fac_user"]
    )
    assert orgwh.query(
        "select date_calendar, sum(active_users) from dimensional.fac_user group by 1 order by 1",
        duckdb_path=path,
    ).rows == active_users_per_day(events, organizations)
    with pytest.raises(UsageError):
        orgwh.run(date="2020-12-32", duckdb_path=path)


def test_query_returns_detached_rows(sample_warehouse: Path):
    result = orgwh.query(
        "select date_calendar, sum(active_users) from dimensional.fac_user group by 1 order by 1",
        duckdb_path=sample_warehouse,
    )
    assert result.columns == ["date_calendar", "sum(active_users)"]
    assert result.rows == active_users_per_day(*sample_records())
    assert len(result) == len(result.rows)


def test_query_parameters_and_formats(sample_warehouse: Path):
    result = orgwh.query(
        "select date_calendar as day, organization_name as name, active_users, "
        "active_users > 1 as several, null as nothing from dimensional.fac_user "
        "where date_calendar = ? and organization_name in ('Acme Corp', 'Hooli') order by 2",
        duckdb_path=sample_warehouse,
        parameters=[date(2020, 12, 6)],
    )
    assert result.to_csv() == (
        "day,name,active_users,several,nothing\n"
        "2020-12-06,Acme Corp,2,true,\n"
        "2020-12-06,Hooli,2,true,\n"
    )
    assert result.to_json() == (
        '[{"day": "2020-12-06", "name": "Acme Corp", "active_users": 2, "several": true, '
        '"nothing": null}, {"day": "2020-12-06", "name": "Hooli", "active_users": 2, '
        '"several": true, "nothing": null}]'
    )
    assert result.records()[0]["name"] == "Acme Corp"


def test_query_is_read_only(sample_warehouse: Path):
    with pytest.raises(QueryFailed) as failure:
        orgwh.query("delete from dimensional.fac_user", duckdb_path=sample_warehouse)
    assert str(failure.value) == (
        'query failed: Invalid Input Error: Cannot execute statement of type "DELETE" on '
        'database "sample" which is attached in read-only mode!'
    )


def test_query_of_a_missing_table(sample_warehouse: Path):
    with pytest.raises(QueryFailed) as failure:
        orgwh.query("select * from nowhere", duckdb_path=sample_warehouse)
    assert str(failure.value) == (
        "query failed: Catalog Error: Table with name nowhere does not exist!"
    )


def test_no_warehouse_yet(tmp_path: Path):
    missing = tmp_path / "missing.duckdb"
    with pytest.raises(NoWarehouse) as failure:
        orgwh.connect(duckdb_path=missing)
    assert str(failure.value) == f"no DuckDB warehouse at {missing}; build it with `orgwh run`"
    assert not missing.exists()


def test_a_connection_left_open_stops_a_run_with_one_line(duckdb_warehouse, tmp_path: Path):
    events, organizations = sample_records()
    orgs = write_records(tmp_path / "orgs.json", organizations)
    first_day = min(utc_day(record) for record in events)
    sample = write_records(tmp_path / "events.json", events)
    run(duckdb_warehouse.settings(sample, orgs), DaySelection(first_day, first_day))
    count = "select count(*) from staging.event"
    with orgwh.connect(duckdb_path=duckdb_warehouse.path) as notebook:
        before = notebook.sql(count).fetchall()[0][0]
        with pytest.raises(WarehouseLocked) as failure:
            run(duckdb_warehouse.settings(sample, orgs))
    assert str(failure.value) == (
        f"{duckdb_warehouse.path} is open in this process (an orgwh.connect() or "
        "duckdb.connect() connection); close it and try again"
    )
    assert before == sum(utc_day(record) == first_day for record in events)
    run(duckdb_warehouse.settings(sample, orgs))  # once the notebook let go
    assert orgwh.query(count, duckdb_path=duckdb_warehouse.path).rows == [(len(events),)]


def test_query_on_postgres(sample_on_postgres):
    result = orgwh.query(
        "select date_calendar, sum(active_users) from dimensional.fac_user group by 1 order by 1",
        target="postgres",
    )
    assert result.rows == active_users_per_day(*sample_records())
    with pytest.raises(QueryFailed) as failure:
        orgwh.query("delete from dimensional.fac_user", target="postgres")
    assert str(failure.value) == ("query failed: cannot execute DELETE in a read-only transaction")
    with orgwh.connect(target="postgres") as connection:
        assert connection.execute("select count(*) from dimensional.dim_user").fetchone() == (
            len(expected_tables(*sample_records())["dimensional.dim_user"]),
        )
