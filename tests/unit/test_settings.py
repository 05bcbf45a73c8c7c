"""Settings and day selections: what flags and environment variables mean, with no warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orgwh.config import DaySelection, Settings
from orgwh.errors import UsageError


def test_an_override_wins_over_the_environment_and_none_is_no_override(monkeypatch):
    monkeypatch.setenv("ORGWH_DUCKDB_PATH", "from-env.duckdb")
    monkeypatch.setenv("ORGWH_LOCK_TIMEOUT", "2.5")
    settings = Settings.from_env(duckdb_path="given.duckdb", lock_timeout=None)
    assert settings.duckdb_path == Path("given.duckdb")
    assert settings.lock_timeout == 2.5


def test_an_empty_variable_leaves_the_default(monkeypatch):
    monkeypatch.setenv("ORGWH_MEMORY_LIMIT", "")
    assert Settings.from_env().memory_limit == Settings().memory_limit == "2GB"


def test_where_duckdb_spills_and_spark_keeps_its_files(tmp_path):
    settings = Settings(cache_dir=tmp_path)
    assert settings.spill_directory == tmp_path / "spill"
    assert Settings(cache_dir=tmp_path, temp_directory=Path("/big")).spill_directory == Path("/big")
    assert settings.spark_directory == (tmp_path / "spark").resolve()
    assert settings.spark_warehouse_location == str((tmp_path / "spark" / "warehouse").resolve())


@pytest.mark.parametrize(
    ("given", "kept"),
    [("hdfs://cluster/warehouse", "hdfs://cluster/warehouse"), ("file:/data/wh", "file:/data/wh")],
)
def test_a_spark_warehouse_uri_is_kept_as_given(monkeypatch, given, kept):
    monkeypatch.setenv("ORGWH_SPARK_WAREHOUSE", given)
    assert Settings.from_env().spark_warehouse_location == kept


def test_a_spark_warehouse_folder_is_made_absolute(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ORGWH_SPARK_WAREHOUSE", "tables")
    assert Settings.from_env().spark_warehouse_location == str(tmp_path.resolve() / "tables")


@pytest.mark.parametrize("size", ["2GB", "500MB", "1.5GiB", "64 mb"])
def test_memory_limits_in_duckdb_s_units_are_accepted(monkeypatch, size):
    monkeypatch.setenv("ORGWH_MEMORY_LIMIT", size)
    assert Settings.from_env().memory_limit == size


@pytest.mark.parametrize("size", ["2", "2G", "lots", "-1GB"])
def test_other_memory_limits_are_refused(monkeypatch, size):
    monkeypatch.setenv("ORGWH_MEMORY_LIMIT", size)
    with pytest.raises(UsageError, match="ORGWH_MEMORY_LIMIT must be a size"):
        Settings.from_env()


PRESENT = [date(2020, 12, 5), date(2020, 12, 7)]


@pytest.mark.parametrize(
    ("options", "days"),
    [
        ({}, PRESENT),  # every day present, and only those
        ({"day": "2020-12-06"}, [date(2020, 12, 6)]),  # a day with no event still loads
        ({"start": "2020-12-06"}, [date(2020, 12, 6), date(2020, 12, 7)]),
        ({"end": "2020-12-05"}, [date(2020, 12, 5)]),
        ({"start": "2020-12-04", "end": "2020-12-05"}, [date(2020, 12, 4), date(2020, 12, 5)]),
    ],
)
def test_the_days_a_run_loads(options, days):
    assert DaySelection.from_options(**options).days(PRESENT) == days


def test_an_open_range_on_a_file_with_no_day_is_its_one_bound():
    assert DaySelection.from_options(start="2020-12-06").days([]) == [date(2020, 12, 6)]
