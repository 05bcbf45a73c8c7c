"""orgwh status: loaded days, rows per layer, rejected records and the run log."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import sample_records, write_records
from reference import expected_tables, utc_day
from typer.testing import CliRunner

from orgwh.cli import app
from orgwh.config import DaySelection, Settings
from orgwh.errors import InputError, NoWarehouse
from orgwh.pipeline import run
from orgwh.status import DayRange, read_status


def expected_rows(events: list, organizations: list, rejected: int = 0) -> dict[str, int]:
    valid = [record for record in events if utc_day(record) is not None and record.get("id")]
    modelled = expected_tables(valid, organizations)
    return {
        "staging.event": len(valid),
        "staging.organization": len(organizations),
        "staging.rejected": rejected,
        **{table: len(rows) for table, rows in modelled.items()},
    }


def test_status_of_the_sample(sample_warehouse: Path, cache_dir: Path):
    events, organizations = sample_records()
    status = read_status(Settings.from_env(duckdb_path=sample_warehouse, cache_dir=cache_dir))
    per_day = Counter(utc_day(record) for record in events)
    assert status.events_per_day == sorted(per_day.items())
    assert status.day_ranges == [DayRange(min(per_day), max(per_day), len(events))]
    assert status.rows == expected_rows(events, organizations)
    assert status.rejected == []
    [entry] = status.runs
    assert (entry.target, entry.first_day, entry.last_day, entry.days) == (
        "duckdb", min(per_day), max(per_day), len(per_day),
    )  # fmt: skip
    assert (entry.records_read, entry.records_staged, entry.records_rejected) == (
        len(events) + len(organizations), len(events) + len(organizations), 0,
    )  # fmt: skip
    assert entry.started_at <= entry.finished_at and not entry.full_refresh


def test_runs_rejections_and_gaps(duckdb_warehouse, tmp_path: Path):
    events, organizations = sample_records()
    bad = [{"id": "", "event_type": "User Created"}, {**events[0], "event_type": "User Renamed"}]
    days = sorted({utc_day(record) for record in events})
    events_file = write_records(tmp_path / "events.json", events + bad)
    orgs_file = write_records(tmp_path / "orgs.json", organizations)
    settings = duckdb_warehouse.settings(events_file, orgs_file)
    run(settings, DaySelection(days[0], days[0]))
    run(settings, DaySelection(days[2], days[3]), full_refresh=True)
    with pytest.raises(InputError):
        run(duckdb_warehouse.settings(tmp_path / "missing.json", orgs_file))

    status = read_status(settings)
    staged = [record for record in events if utc_day(record) in (days[0], days[2], days[3])]
    assert [(span.first, span.last, span.events) for span in status.day_ranges] == [
        (days[0], days[0], sum(utc_day(record) == days[0] for record in events)),
        (days[2], days[3], sum(utc_day(record) in days[2:4] for record in events)),
    ]
    assert status.rows == expected_rows(staged, organizations, rejected=2)
    assert status.rejected == [
        ("event_type not one of User Created, User Updated, User Deleted", 1),
        ("missing or empty id", 1),
    ]
    # Newest first; the failed run changed nothing, so it left no row.
    assert [(entry.first_day, entry.last_day, entry.full_refresh) for entry in status.runs] == [
        (days[2], days[3], True),
        (days[0], days[0], False),
    ]
    # A run counts the records of its days and the undated ones (SPEC 2).
    first_day = sum(utc_day(record) == days[0] for record in events)
    assert [(entry.records_read, entry.records_rejected) for entry in status.runs] == [
        (len(staged) - first_day + 1 + len(organizations), 1),
        (first_day + 2 + len(organizations), 2),
    ]
    assert status.runs[0].started_at >= status.runs[1].finished_at


def test_status_command(sample_warehouse: Path):
    result = CliRunner().invoke(app, ["status", "--duckdb-path", str(sample_warehouse)])
    assert result.exit_code == 0, result.output
    events, _ = sample_records()
    days = sorted({utc_day(record) for record in events})
    assert f"{days[0]} │ {days[-1]} │    {len(days)} │" in result.stdout
    assert "dimensional.fac_user" in result.stdout


def test_status_without_a_warehouse(tmp_path: Path):
    missing = tmp_path / "none.duckdb"
    result = CliRunner().invoke(app, ["status", "--duckdb-path", str(missing)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: no DuckDB warehouse at {missing}; build it with `orgwh run`\n"


def test_status_without_a_spark_warehouse(tmp_path: Path):
    with pytest.raises(NoWarehouse) as failure:
        read_status(Settings.from_env(target="spark", spark_dir=tmp_path))
    assert str(failure.value) == (
        f"no Spark warehouse in {tmp_path.resolve()}; build it with `orgwh run --target spark`"
    )
