"""orgwh from Python: build the warehouse, and read it without standing in a run's way.

`run()` is `orgwh run` as a function. `connect()` opens a read-only
connection and `query()` opens, fetches and closes on every call. A DuckDB
run writes the file in one transaction, and DuckDB lets no other process
open the file meanwhile: a reader that connects during a run waits for its
commit, and a run waits for the connections open on the file, each up to
ORGWH_LOCK_TIMEOUT. So a notebook should query, or close what it connected,
rather than hold a connection between runs. On a Postgres connection every
statement runs alone in a read-only transaction, and never waits for a run. Spark reads through the
process's one Spark session, which has no read-only mode: its connection
refuses, before Spark runs it, any statement but one query.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import targets
from .config import DaySelection, Settings
from .errors import QueryFailed
from .pipeline import RunReport
from .pipeline import run as run_pipeline

Parameters = Sequence[Any] | Mapping[str, Any] | None


def run(
    date: str | None = None,
    start: str | None = None,
    end: str | None = None,
    target: str = "duckdb",
    events: str | Path | None = None,
    orgs: str | Path | None = None,
    duckdb_path: str | Path | None = None,
    full_refresh: bool = False,
) -> RunReport:
    """Load the JSON exports and build every layer: `orgwh run` from Python.

    The options are the command's (`date`, or `start`/`end`, as YYYY-MM-DD;
    unset ones come from the ORGWH_* variables, then the defaults). Returns
    the run's report: its days, what each file held, rows per table. Raises
    an OrgwhError subclass (InputError, UsageError, WarehouseLocked,
    DataTestFailed, ...) and leaves the warehouse as it was.

    Example: orgwh.run(date="2020-12-08", duckdb_path="wh.duckdb").rows
    """
    settings = Settings.from_env(target=target, events=events, orgs=orgs, duckdb_path=duckdb_path)
    return run_pipeline(settings, DaySelection.from_options(date, start, end), full_refresh)


def connect(target: str = "duckdb", duckdb_path: str | Path | None = None):
    """Open a read-only connection to the warehouse; use it as a context manager.

    DuckDB (the default): a `duckdb.DuckDBPyConnection` on the warehouse file
    (`duckdb_path`, else ORGWH_DUCKDB_PATH, else ./orgwh.duckdb), with
    `.sql(...)` relations and their `.df()`, `.pl()`, `.arrow()`. While a run
    writes the file, it waits for the run's commit (ORGWH_LOCK_TIMEOUT); while
    it is open, a run waits for it, so close it when done (`with` does).
    Postgres: a psycopg connection whose every `execute` runs one statement
    in a read-only transaction (`executemany` and `copy` are refused), from
    the libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).
    Spark: a DB-API-like connection, `execute(sql, parameters)`, on this
    process's Spark session (ORGWH_SPARK_DIR), started if needed; its
    `.session` is the SparkSession. Spark has no read-only sessions: `execute`
    runs one query (SELECT, VALUES, DESCRIBE or SHOW) and refuses any other
    statement before Spark runs it.

    Example: with orgwh.connect() as con: con.sql("from dimensional.fac_user").df()
    """
    return targets.get(Settings.from_env(target=target, duckdb_path=duckdb_path)).connect()


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def fetch(target: targets.Target, connection, sql: str, parameters: Parameters = None):
    """The rows of one query on a connection of `target`; QueryFailed with its one-line reason."""
    try:
        cursor = connection.execute(sql, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
    except target.query_errors as error:
        raise QueryFailed(f"query failed: {_first_line(error)}") from None
    columns = [column[0] for column in description] if description else []
    return QueryResult(columns, [tuple(row) for row in rows])


def query(
    sql: str,
    target: str = "duckdb",
    duckdb_path: str | Path | None = None,
    parameters: Parameters = None,
) -> QueryResult:
    """Run one read-only query and return its rows; the connection is closed on return.

    `parameters` fill the query's placeholders (`?` or `$name` on DuckDB,
    `%s` or `%(name)s` on Postgres, `?` or `:name` on Spark). Raises
    QueryFailed with the database's one-line reason when the query fails,
    NoWarehouse when there is none.

    Example: orgwh.query("select * from dimensional.dim_user", target="postgres").df()
    """
    warehouse = targets.get(Settings.from_env(target=target, duckdb_path=duckdb_path))
    with warehouse.connect() as connection:
        return fetch(warehouse, connection, sql, parameters)


def _text(value: Any) -> str:
    """A value as CSV text: empty for null, lowercase booleans, JSON for structures."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _json_value(value: Any) -> Any:
    """What json.dumps cannot write: numbers stay numbers, the rest (dates...) is text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


@dataclass(frozen=True, repr=False)
class QueryResult:
    """The rows of one query, fetched and detached from any connection."""

    columns: list[str]
    rows: list[tuple]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.rows)

    def __repr__(self) -> str:
        return f"<QueryResult {len(self.rows)} rows: {', '.join(self.columns)}>"

    def records(self) -> list[dict[str, Any]]:
        """One dict per row, keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def df(self):
        """A pandas DataFrame (needs pandas: pip install 'orgwh[notebook]')."""
        import pandas

        return pandas.DataFrame.from_records(self.rows, columns=self.columns)

    def pl(self):
        """A polars DataFrame (needs polars)."""
        import polars

        return polars.DataFrame(self.rows, schema=self.columns, orient="row")

    def arrow(self):
        """A pyarrow Table (needs pyarrow)."""
        import pyarrow

        return pyarrow.Table.from_pylist(self.records())

    def to_csv(self) -> str:
        """CSV with a header line; null is an empty field, booleans are true/false."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows([_text(value) for value in row] for row in self.rows)
        return out.getvalue()

    def to_json(self) -> str:
        """A JSON array with one object per row; dates and timestamps as text."""
        return json.dumps(self.records(), ensure_ascii=False, default=_json_value)
