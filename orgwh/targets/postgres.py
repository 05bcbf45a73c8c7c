"""The Postgres target: a warehouse database on a server, reached with the libpq variables.

DuckDB reads and judges the input files in memory (readers/duckdb.py); the
staged rows then stream into Postgres with COPY (copy_stream.py).

A run is one transaction on one connection: orgwh opens it (psycopg2, the
driver of dbt-postgres), takes the advisory run lock, stages, and hands the
same connection to dbt, whose own transactions become savepoints inside it
(internals.postgres_build_on).
orgwh commits at the end, or rolls back; a killed process or a lost connection
leaves the transaction uncommitted, and the server discards it. Readers see
the warehouse as before the run until the commit, then as after it.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import psycopg2
from psycopg import sql

from .. import internals, staging
from ..config import DaySelection
from ..dialect import Dialect
from ..errors import ConnectionFailed, NoWarehouse, WarehouseLocked
from ..progress import Progress
from ..readers import duckdb as reader
from ..validation import Batch
from . import Target, Workspace
from .copy_stream import copy_query

# The bundled docker-compose.yml service.
DEFAULTS = {
    "PGHOST": "localhost",
    "PGPORT": "5432",
    "PGUSER": "orgwh",
    "PGDATABASE": "datawarehouse",
}

# Any constant: identifies "an orgwh run holds this warehouse" among advisory locks.
RUN_LOCK_KEY = 0x6F7267776800

# Memory for each sort, hash or index build of the run (its transaction only).
RUN_WORK_MEM = "256MB"


def environment() -> dict[str, str]:
    """The libpq variables for this process, the compose defaults filled in.

    The password is not among them: libpq reads PGPASSWORD or ~/.pgpass itself.
    """
    return {name: os.environ.get(name) or default for name, default in DEFAULTS.items()}


def _reason(error: psycopg.Error) -> str:
    """libpq's reason, without the socket/host preamble it repeats."""
    first_line = (str(error).strip().splitlines() or ["no answer"])[0]
    return first_line.rsplit("failed: ", 1)[-1].removeprefix("FATAL:  ")


def _describe_server(settings: dict[str, str]) -> str:
    return f"{settings['PGHOST']}:{settings['PGPORT']}"


def _connect(settings: dict[str, str], dbname: str) -> psycopg.Connection:
    return psycopg.connect(
        host=settings["PGHOST"],
        port=settings["PGPORT"],
        user=settings["PGUSER"],
        dbname=dbname,
        connect_timeout=10,
        autocommit=True,
    )


def _database_missing(settings: dict[str, str]) -> bool:
    """Whether the server answers that it has no warehouse database (asked, never created).

    libpq reports a missing database like any other connection failure, so
    this asks the server's maintenance database; False when that cannot answer.
    """
    try:
        with _connect(settings, "postgres") as admin:
            found = admin.execute(
                "select 1 from pg_database where datname = %s", [settings["PGDATABASE"]]
            )
            return found.fetchone() is None
    except psycopg.Error:
        return False


def connect() -> psycopg.Connection:
    """Open an autocommit connection to the warehouse database; it is never created here.

    Raises NoWarehouse when the server has no such database, ConnectionFailed
    with one line naming the server when it cannot be reached.
    """
    settings = environment()
    try:
        return _connect(settings, settings["PGDATABASE"])
    except psycopg.OperationalError as error:
        if _database_missing(settings):
            raise NoWarehouse(
                f"no Postgres warehouse: database {settings['PGDATABASE']!r} does not exist "
                f"on {_describe_server(settings)}; build it with `orgwh run --target postgres`"
            ) from None
        raise ConnectionFailed(
            f"cannot connect to Postgres at {_describe_server(settings)} "
            f"as {settings['PGUSER']!r} ({_reason(error)}); "
            "start the bundled server with `docker compose up -d`, "
            "or point PGHOST/PGPORT/PGUSER/PGPASSWORD at yours"
        ) from None


def _create_database(settings: dict[str, str]) -> None:
    """Create the warehouse database: the first run's write, never a reader's."""
    name = settings["PGDATABASE"]
    try:
        with _connect(settings, "postgres") as admin:
            admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    except psycopg.errors.InsufficientPrivilege:
        raise ConnectionFailed(
            f"database {name!r} does not exist on {_describe_server(settings)} and "
            f"role {settings['PGUSER']!r} may not create it; create it or set PGDATABASE"
        ) from None
    except psycopg.errors.DuplicateDatabase:
        pass  # another run created it meanwhile


class ReadOnlyCursor(psycopg.Cursor):
    """A cursor whose every statement runs alone in a read-only transaction, then rolls back.

    A session's `default_transaction_read_only` is no guard: a statement can
    open a transaction of its own (`begin read write`) or change the default.
    Here each `execute` is sent with the extended protocol (`prepare=True`),
    which the server refuses for a string of several statements, inside
    `begin read only` ... `rollback`: no single statement can make it
    writable, and whatever it changes (a SET included) is rolled back.
    """

    def execute(self, query, params=None, *, prepare=None, binary=None):
        with self._read_only():
            return super().execute(query, params, prepare=True, binary=binary)

    def stream(self, query, params=None, *, binary=None, size=1):
        with self._read_only():
            yield from super().stream(query, params, binary=binary, size=size)

    def executemany(self, query, params_seq, *, returning=False):
        raise psycopg.NotSupportedError("a read-only connection runs one statement per execute")

    def copy(self, statement, params=None, *, writer=None):
        raise psycopg.NotSupportedError("a read-only connection does not copy; use execute")

    @contextlib.contextmanager
    def _read_only(self) -> Iterator[None]:
        plain = psycopg.Cursor(self.connection)
        plain.execute("begin read only")
        try:
            yield
        finally:
            plain.execute("rollback")


def _open_run_connection() -> psycopg2.extensions.connection:
    """The run's connection, in a transaction that orgwh alone commits or rolls back.

    A missing database is created first (the write path is the only one that
    does), and an unreachable server reported in one line; the run itself
    needs psycopg2, dbt-postgres' driver, so that dbt can build on this very
    connection (internals.postgres_build_on).
    """
    settings = environment()
    try:
        connect().close()
    except NoWarehouse:
        _create_database(settings)
    connection = psycopg2.connect(
        host=settings["PGHOST"],
        port=settings["PGPORT"],
        user=settings["PGUSER"],
        dbname=settings["PGDATABASE"],
        connect_timeout=10,
        application_name="orgwh run",
    )
    # orgwh issues begin/commit itself: psycopg2 must not add its own around statements
    connection.autocommit = True
    return connection


def _run_lock(cursor, timeout: float) -> None:
    """Take the transaction's advisory lock so two runs never build one warehouse at once.

    A transaction-level lock: the server releases it with the commit or the
    rollback, and with a run whose process died.
    """
    deadline = time.monotonic() + timeout
    while True:
        cursor.execute("select pg_try_advisory_xact_lock(%s)", [RUN_LOCK_KEY])
        if cursor.fetchone()[0]:
            return
        if time.monotonic() >= deadline:
            raise WarehouseLocked(
                f"another orgwh run is building the Postgres warehouse; waited {timeout:g} s "
                "(see ORGWH_LOCK_TIMEOUT)"
            )
        time.sleep(0.2)


def _roll_back(connection: psycopg2.extensions.connection) -> bool:
    """Roll the run's transaction back; False if the connection to the server is gone.

    With the connection gone, the server has discarded the transaction itself.
    """
    try:
        connection.cursor().execute("rollback")
    except psycopg2.Error:
        return False
    return True


def _analyze_if_mostly_new(cursor, table: str, column: str, new_rows: int) -> None:
    """ANALYZE `column` of `table` when the new rows are over a tenth of what it held.

    ANALYZE samples the whole table: on a day's run it would cost more than
    the plans gain, since the planner scales row counts by the table's
    current size anyway. Autovacuum's rule (a tenth changed) decides.
    `reltuples` is the count at the last ANALYZE, -1 before the first.
    Only the column that plans filter on: the statistics of staging's JSON
    texts cost as much again as the rest (`python benchmarks/run.py
    postgres` stages a million records), and no plan reads them. The
    table's row and page counts are updated all the same.
    """
    cursor.execute("select reltuples from pg_class where oid = %s::regclass", [table])
    (rows_before,) = cursor.fetchone()
    if rows_before < 0 or new_rows > rows_before / 10:
        cursor.execute(f"analyze {table} ({column})")


# What each table held when the last run committed, so that a run counts its
# own changes only (PostgresWorkspace.count_rows); keyed by the table's oid.
ROW_COUNTS = "staging.row_count"

# Tables that a run empties with truncate, after which Postgres' counters of
# the transaction's inserts and deletes start again: counted instead.
TRUNCATED_BY_A_RUN = ("staging.organization",)

# A view has no counters of its own: dim_user has one row per version.
VIEW_ROWS = {"dimensional.dim_user": "snapshots.user_snapshot"}


class PostgresWorkspace(Workspace):
    """A run on the warehouse database: one transaction on one connection holding the run lock."""

    target: PostgresTarget

    def __init__(self, target: PostgresTarget, connection: psycopg2.extensions.connection) -> None:
        super().__init__(target)
        self.connection = connection
        self.cursor = connection.cursor()
        self._duck: duckdb.DuckDBPyConnection | None = None

    def read(self, events: Path, orgs: Path, selection: DaySelection) -> Batch:
        self._duck = duckdb.connect(config=reader.duckdb_config(self.target.settings))
        spill = self.target.settings.spill_directory
        return reader.read_inputs(self._duck, events, orgs, selection, spill)

    def stage(self, batch: Batch, loaded_on: date) -> None:
        assert self._duck is not None, "read() comes first"
        spill = self.target.settings.spill_directory
        pg = self.cursor
        with self._duck as duck:
            for statement in staging.create_statements(self.target.dialect):
                pg.execute(statement)
            pg.execute("delete from staging.event where date = any(%s)", [batch.days])
            copy_query(duck, pg, reader.STAGED_EVENTS, "staging.event", {}, spill)
            # Incremental runs read the loaded days of staging.event alone. The
            # first run builds the index after its COPY, in one sort.
            pg.execute("create index if not exists event_date on staging.event (date)")
            # truncate keeps the physical order of the new rows the file's order
            pg.execute("truncate staging.organization")
            copy_query(
                duck,
                pg,
                reader.STAGED_ORGANIZATIONS,
                "staging.organization",
                {"loaded_on": loaded_on},
                spill,
            )
            pg.execute(staging.delete_replaced_rejections(self.target.dialect, batch))
            copy_query(
                duck,
                pg,
                reader.REJECTED,
                "staging.rejected",
                {
                    "events_file": staging.source_file(batch.events.path),
                    "orgs_file": staging.source_file(batch.organizations.path),
                },
                spill,
            )
            if batch.days:
                pg.execute(staging.add_pending_days(batch))
            # the planner's statistics must know the new rows for dbt's plans
            pg.execute("analyze staging.organization, staging.load_day")
            _analyze_if_mostly_new(pg, "staging.event", "date", batch.events.staged)
        self._duck = None

    def close(self) -> None:
        """Close the in-memory DuckDB of the batch if staging did not."""
        if self._duck is not None:
            self._duck.close()
            self._duck = None

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple]:
        self.cursor.execute(sql, parameters or None)
        return self.cursor.fetchall() if self.cursor.description else []

    def dbt_environment(self) -> dict[str, str]:
        return environment()

    def count_rows(self, tables: Sequence[str]) -> dict[str, int]:
        """The rows of each table as the run leaves them: exact, without reading the tables.

        count(*) reads every row, and at a year of events (benchmarks/run.py
        scale) the counts took longer than the day's models. Postgres counts
        the rows each transaction inserts and deletes in a table
        (pg_stat_get_xact_tuples_inserted/_deleted), so a table holds what
        the last run left (ROW_COUNTS, written in the run's transaction) plus
        this run's inserts less its deletes. A table counted under another
        oid or not at all (a first run, a table dbt created anew), one a run
        truncates, and every table on a server that does not track counts
        are counted with count(*). Rows written outside orgwh runs are not
        seen here; `orgwh status` counts the tables themselves.
        """
        pg = self.cursor
        pg.execute(
            f"create table if not exists {ROW_COUNTS} "
            "(table_name text primary key, relation oid, row_count bigint)"
        )
        pg.execute(f"select table_name, relation, row_count from {ROW_COUNTS}")
        kept = {name: (relation, count) for name, relation, count in pg.fetchall()}
        pg.execute("select current_setting('track_counts')::boolean")
        (tracked,) = pg.fetchone()
        counts: dict[str, int] = {}
        for table in [VIEW_ROWS.get(table, table) for table in tables]:
            if table in counts:
                continue
            pg.execute(
                "select oid, pg_stat_get_xact_tuples_inserted(oid)"
                " - pg_stat_get_xact_tuples_deleted(oid) from pg_class where oid = %s::regclass",
                [table],
            )
            relation, change = pg.fetchone()
            kept_relation, kept_count = kept.get(table, (None, 0))
            if tracked and relation == kept_relation and table not in TRUNCATED_BY_A_RUN:
                counts[table] = kept_count + change
            else:
                pg.execute(f"select count(*) from {table}")
                (counts[table],) = pg.fetchone()
            pg.execute(
                f"insert into {ROW_COUNTS} values (%s, %s, %s) on conflict (table_name)"
                " do update set relation = excluded.relation, row_count = excluded.row_count",
                [table, relation, counts[table]],
            )
        return {table: counts[VIEW_ROWS.get(table, table)] for table in tables}

    def build(self, full_refresh: bool, on_progress: Progress | None) -> None:
        """`dbt build` on this run's connection, inside its transaction."""
        with internals.postgres_build_on(self.connection):
            super().build(full_refresh, on_progress)


class PostgresTarget(Target):
    """A warehouse database on a Postgres server (PGHOST, PGPORT, PGUSER, PGDATABASE)."""

    name = "postgres"
    dialect = Dialect(placeholder="%s", type_names={"text": "text", "json": "json"})

    @property
    def location(self) -> str:
        settings = environment()
        return f"{settings['PGDATABASE']} on {_describe_server(settings)}"

    @contextlib.contextmanager
    def begin_run(self) -> Iterator[PostgresWorkspace]:
        connection = _open_run_connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute("begin")
                _run_lock(cursor, self.settings.lock_timeout)
                # the window sorts, the distinct events and the index builds of a
                # run fit in memory instead of spilling to disk at the server's
                # defaults (4 MB and 64 MB)
                cursor.execute(f"set local work_mem = '{RUN_WORK_MEM}'")
                cursor.execute(f"set local maintenance_work_mem = '{RUN_WORK_MEM}'")
            with contextlib.closing(PostgresWorkspace(self, connection)) as workspace:
                yield workspace
            connection.cursor().execute("commit")
        except BaseException as error:
            if not _roll_back(connection):
                raise ConnectionFailed(
                    f"lost the connection to Postgres at {_describe_server(environment())} "
                    "during the run; the warehouse is as before the run"
                ) from error
            raise
        finally:
            connection.close()

    def connect(self) -> psycopg.Connection:
        """A connection whose every statement runs alone in a read-only transaction.

        Raises NoWarehouse when the server has no warehouse database.
        """
        connection = connect()
        # for a server-side cursor's DECLARE, the one statement that is not wrapped
        connection.execute("set default_transaction_read_only = on")
        connection.cursor_factory = ReadOnlyCursor
        return connection

    @property
    def query_errors(self) -> tuple[type[Exception], ...]:
        return (psycopg.Error,)

    def documentation_environment(self, scratch: Path) -> dict[str, str]:
        """The libpq variables, with dbt's session read-only; NoWarehouse when there is none."""
        connect().close()  # a clear error when the server is unreachable
        return {**environment(), "PGOPTIONS": "-c default_transaction_read_only=on"}

    def has_warehouse(self) -> bool:
        """Whether the warehouse database exists and holds a staging schema."""
        try:
            with connect() as connection:
                found = connection.execute(
                    "select 1 from pg_namespace where nspname = 'staging'"
                ).fetchone()
        except NoWarehouse:
            return False
        return found is not None
