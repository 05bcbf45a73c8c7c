"""How each engine spells the SQL orgwh writes itself (staging's tables, the run log)."""

from __future__ import annotations

import pytest

from orgwh import staging
from orgwh.targets.duckdb import DuckDBTarget
from orgwh.targets.postgres import PostgresTarget
from orgwh.targets.spark import SparkTarget

COLUMNS = {"date": "date", "json_content": "json", "reason": "text"}


@pytest.mark.parametrize(
    ("dialect", "statement"),
    [
        (DuckDBTarget.dialect, "create table if not exists s.t (date date, json_content json, reason varchar)"),
        (PostgresTarget.dialect, "create table if not exists s.t (date date, json_content json, reason text)"),
        (SparkTarget.dialect, "create table if not exists s.t (date date, json_content string, reason string) using parquet partitioned by (date)"),
    ],
    ids=["duckdb", "postgres", "spark"],
)  # fmt: skip
def test_a_staging_table_in_each_engine_s_types(dialect, statement):
    assert dialect.create_table("s.t", COLUMNS, partitioned_by="date") == statement


def test_only_engines_that_store_files_partition_a_table():
    assert "partitioned" not in DuckDBTarget.dialect.create_table("s.t", COLUMNS, "date")
    assert SparkTarget.dialect.create_table("s.t", COLUMNS).endswith("using parquet")


@pytest.mark.parametrize(
    ("dialect", "literal"),
    [
        (DuckDBTarget.dialect, r"'it''s C:\data'"),
        (PostgresTarget.dialect, r"'it''s C:\data'"),
        (SparkTarget.dialect, r"'it\'s C:\\data'"),
    ],
    ids=["duckdb", "postgres", "spark"],
)
def test_a_string_literal_survives_quotes_and_backslashes(dialect, literal):
    assert dialect.quote(r"it's C:\data") == literal


def test_spark_empties_a_table_without_delete():
    assert DuckDBTarget.dialect.empty_table("staging.load_day") == "delete from staging.load_day"
    assert SparkTarget.dialect.empty_table("staging.load_day") == "truncate table staging.load_day"


def test_parameters_are_spelled_as_each_driver_reads_them():
    assert [t.dialect.placeholder for t in (DuckDBTarget, PostgresTarget, SparkTarget)] == [
        "?",
        "%s",
        "?",
    ]


def test_every_staging_table_is_created_on_every_engine():
    for target in (DuckDBTarget, PostgresTarget, SparkTarget):
        tables = [s for s in staging.create_statements(target.dialect) if " table " in s]
        assert {statement.split()[5] for statement in tables} == set(staging.TABLES)
    spark = staging.create_statements(SparkTarget.dialect)
    assert [s for s in spark if "partitioned by" in s] == [
        SparkTarget.dialect.create_table(
            "staging.event", staging.TABLES["staging.event"], partitioned_by="date"
        )
    ]
