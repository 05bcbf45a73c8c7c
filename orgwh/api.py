"""Reading the warehouse from Python: read-only connections and one-off queries.

orgwh runs never write a DuckDB warehouse in place: they build on a private
copy and rename it over the file (see duckdb_file.py). A read-only
connection therefore never blocks a run; it keeps seeing the warehouse as it
was when it connected, until it reconnects. `connect()` opens read-only, and
`query()` opens, fetches and closes on every call, so a notebook never holds
the warehouse. Postgres connections are read-only sessions, for the same
peace of mind. Spark reads through the process's one Spark session, which
has no read-only mode.
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

from .config import Settings
from .errors import NoWarehouse, QueryFailed, WarehouseLocked

Parameters = Sequence[Any] | Mapping[str, Any] | None


def _connect_duckdb(path: Path):
    import duckdb

    if not path.is_file():
        raise NoWarehouse(f"no DuckDB warehouse at {path}; build it with `orgwh run`")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        raise WarehouseLocked(
            f"{path} is open for writing in another process: {str(error).splitlines()[0]}"
        ) from None


def _connect_postgres():
    from . import postgres

    connection = postgres.connect()
    connection.execute("set default_transaction_read_only = on")
    return connection


def connect(target: str = "duckdb", duckdb_path: str | Path | None = None):
    """Open a read-only connection to the warehouse; use it as a context manager.

    DuckDB (the default): a `duckdb.DuckDBPyConnection` on the warehouse file
    (`duckdb_path`, else ORGWH_DUCKDB_PATH, else ./orgwh.duckdb), with
    `.sql(...)` relations and their `.df()`, `.pl()`, `.arrow()`. It never
    blocks `orgwh run`; reconnect to see the result of a later run.
    Postgres: an autocommit psycopg connection in a read-only session, from
    the libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).
    Spark: `orgwh.spark.Connection`, `execute(sql, parameters)` on this
    process's Spark session (ORGWH_SPARK_DIR), started if needed; its
    `.session` is the SparkSession. Spark has no read-only sessions.

    Example: with orgwh.connect() as con: con.sql("from dimensional.fac_user").df()
    """
    return connect_to(Settings.from_env(target=target, duckdb_path=duckdb_path))


def connect_to(settings: Settings):
    """Open a read-only connection to the warehouse of `settings` (see `connect`)."""
    if settings.target == "duckdb":
        return _connect_duckdb(settings.duckdb_path.resolve())
    if settings.target == "spark":
        from . import spark  # pyspark is optional and slow to import

        return spark.connect(settings.spark_directory)
    return _connect_postgres()


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _fetch(connection, sql: str, parameters: Parameters) -> QueryResult:
    import duckdb
    import psycopg

    try:
        cursor = connection.execute(sql, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
    except (duckdb.Error, psycopg.Error) as error:
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
    with connect(target, duckdb_path) as connection:
        return _fetch(connection, sql, parameters)


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
