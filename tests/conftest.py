"""Shared fixtures: a DuckDB warehouse per test, input files, table reading."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from reference import EVENT_TYPES, _sort_key

from orgwh.config import Settings

MODELLED_TABLES = (
    "historical.user_event",
    "snapshots.user_snapshot",
    "dimensional.dim_organization",
    "dimensional.dim_user",
    "dimensional.fac_user",
)


def write_records(path: Path, records: list, layout: str = "array") -> Path:
    """Write records as a JSON array or as newline-delimited JSON."""
    if layout == "array":
        path.write_text(json.dumps(records, indent=2))
    else:
        path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One dbt state folder for the whole session, so dbt parses the project once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def warehouse_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("warehouse")


class DuckDBWarehouse:
    """A DuckDB warehouse for one test, emptied by `reset()`.

    The file name stays the same from test to test: dbt keeps its parsed
    project per connection, and a new path would make every test parse again.
    """

    def __init__(self, directory: Path, cache_dir: Path) -> None:
        self.path = directory / "warehouse.duckdb"
        self.cache_dir = cache_dir

    def settings(self, events: Path, orgs: Path, **overrides) -> Settings:
        return Settings.from_env(
            events=events, orgs=orgs, duckdb_path=self.path, cache_dir=self.cache_dir,
            **overrides,
        )  # fmt: skip

    def reset(self) -> None:
        for leftover in self.path.parent.glob(self.path.name + "*"):
            leftover.unlink()

    def tables(self, tables=MODELLED_TABLES) -> dict[str, list[tuple]]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return read_tables(connection, tables)


@pytest.fixture
def warehouse(warehouse_dir: Path, cache_dir: Path) -> DuckDBWarehouse:
    """An empty DuckDB warehouse."""
    empty = DuckDBWarehouse(warehouse_dir, cache_dir)
    empty.reset()
    return empty


def read_tables(connection, tables=MODELLED_TABLES) -> dict[str, list[tuple]]:
    """Every row of the tables, sorted like the reference model sorts them."""
    return {
        table: sorted(connection.execute(f"select * from {table}").fetchall(), key=_sort_key)
        for table in tables
    }


__all__ = ["EVENT_TYPES", "read_tables", "write_records"]


class SparkWarehouse:
    """The Spark warehouse of the test session: one Spark session, emptied by `reset()`.

    A process can hold only one Spark session (and its metastore), so every
    Spark test shares it; `reset()` drops the layers' databases instead.
    """

    def __init__(self, directory: Path, cache_dir: Path) -> None:
        from orgwh import spark

        self.directory = directory.resolve()
        self.cache_dir = cache_dir
        self.session = spark.session(self.directory)

    def settings(self, events: Path, orgs: Path) -> Settings:
        return Settings.from_env(
            target="spark", events=events, orgs=orgs, spark_dir=self.directory,
            cache_dir=self.cache_dir,
        )  # fmt: skip

    def reset(self) -> None:
        for database in ("staging", "historical", "snapshots", "dimensional"):
            self.session.sql(f"drop database if exists {database} cascade")

    def tables(self, tables=MODELLED_TABLES) -> dict[str, list[tuple]]:
        return {
            table: sorted(
                (tuple(row) for row in self.session.table(table).collect()), key=_sort_key
            )
            for table in tables
        }


@pytest.fixture(scope="session")
def spark_warehouse(tmp_path_factory, cache_dir: Path) -> SparkWarehouse:
    """An empty Spark warehouse (one Spark session for the whole test run)."""
    return SparkWarehouse(tmp_path_factory.mktemp("spark"), cache_dir)
