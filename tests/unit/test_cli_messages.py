"""The command line's words for what it refuses before it reads or builds anything.

Each case stops before a warehouse is opened, so no dbt build runs.
"""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from orgwh.cli import app
from orgwh.project import SAMPLE_EVENTS, SAMPLE_ORGS


@pytest.fixture
def orgwh(tmp_path, monkeypatch):
    """Run `orgwh ...` against a warehouse path that nothing creates; return the result."""
    monkeypatch.setenv("ORGWH_DUCKDB_PATH", str(tmp_path / "never-created.duckdb"))
    monkeypatch.setenv("ORGWH_CACHE_DIR", str(tmp_path / "cache"))

    def invoke(*arguments: str):
        return CliRunner().invoke(app, list(arguments))

    return invoke


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--date", "2021-02-30"], "--date '2021-02-30' is not a date (expected YYYY-MM-DD)"),
        (["--date", "08/12/2020"], "--date '08/12/2020' is not a date (expected YYYY-MM-DD)"),
        (["--start", "2020-12-08", "--end", "2020-12-05"], "--start 2020-12-08 is after --end 2020-12-05"),
        (["--date", "2020-12-08", "--start", "2020-12-01"], "--date cannot be combined with --start or --end"),
        (["--target", "oracle"], "unknown target 'oracle' (choose from duckdb, postgres, spark)"),
        (["--events", "no/such/events.json"], "no/such/events.json: no such file"),
        (["--orgs", "."], ".: not a file"),
    ],
)  # fmt: skip
def test_usage_and_input_errors_exit_2_with_one_line(orgwh, tmp_path, arguments, message):
    result = orgwh("run", *arguments)
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")
    assert not (tmp_path / "never-created.duckdb").exists()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ORGWH_LOCK_TIMEOUT", "soon", "ORGWH_LOCK_TIMEOUT must be a number of seconds, not 'soon'"),
        ("ORGWH_MEMORY_LIMIT", "lots", "ORGWH_MEMORY_LIMIT must be a size such as 2GB or 500MB, not 'lots'"),
        ("ORGWH_SPARK_SHUFFLE_PARTITIONS", "0", "ORGWH_SPARK_SHUFFLE_PARTITIONS must be a whole number, not '0'"),
    ],
)  # fmt: skip
def test_a_setting_that_cannot_be_read_is_named(orgwh, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    result = orgwh("status")
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")


def test_the_spark_target_without_pyspark_says_what_to_install(orgwh, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # as if pyspark were not installed
    result = orgwh("run", "--target", "spark")
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: the spark target needs pyspark and dbt-spark: pip install 'orgwh[spark]'\n",
    )


def test_help_shows_an_example():
    result = CliRunner().invoke(app, ["run", "--help"])
    assert "Example: orgwh run --date 2020-12-08" in result.stdout


def test_sample_files_are_bundled():
    assert SAMPLE_EVENTS.is_file() and SAMPLE_ORGS.is_file()
