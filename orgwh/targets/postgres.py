"""The Postgres target: a warehouse database on a server, reached with the libpq variables.

DuckDB reads and judges the input files in memory (load.py); the staged rows
then stream into Postgres with COPY. Runs are serialised by an advisory lock.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import psycopg
from psycopg import sql

from .. import load, staging
from ..config import DaySelection
from ..errors import ConnectionFailed, WarehouseLocked
from ..validation import Batch
from . import Target, Workspace

# The bundled docker-compose.yml service.
DEFAULTS = {
    "PGHOST": "localhost",
    "PGPORT": "5432",
    "PGUSER": "orgwh",
    "PGDATABASE": "datawarehouse",
}

# Any constant: identifies "an orgwh run holds this warehouse" among advisory locks.
RUN_LOCK_KEY = 0x6F7267776800


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


def _create_missing_database(settings: dict[str, str]) -> bool:
    """Create the warehouse database if the server lacks it; False if it was not missing.

    libpq reports a missing database like any other connection failure, so
    this asks the server's maintenance database whether it exists.
    """
    name = settings["PGDATABASE"]
    try:
        with _connect(settings, "postgres") as admin:
            exists = admin.execute("select 1 from pg_database where datname = %s", [name])
            if exists.fetchone():
                return False
            admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
            return True
    except psycopg.OperationalError:
        return False
    except psycopg.errors.InsufficientPrivilege:
        raise ConnectionFailed(
            f"database {name!r} does not exist on {_describe_server(settings)} and "
            f"role {settings['PGUSER']!r} may not create it; create it or set PGDATABASE"
        ) from None
    except psycopg.errors.DuplicateDatabase:
        return True


def connect() -> psycopg.Connection:
    """Open an autocommit connection to the warehouse database, creating it if needed.

    Raises ConnectionFailed with one line naming the server when it cannot.
    """
    settings = environment()
    try:
        try:
            return _connect(settings, settings["PGDATABASE"])
        except psycopg.OperationalError as error:
            if not _create_missing_database(settings):
                raise error from None
        return _connect(settings, settings["PGDATABASE"])
    except psycopg.OperationalError as error:
        raise ConnectionFailed(
            f"cannot connect to Postgres at {_describe_server(settings)} "
            f"as {settings['PGUSER']!r} ({_reason(error)}); "
            "start the bundled server with `docker compose up -d`, "
            "or point PGHOST/PGPORT/PGUSER/PGPASSWORD at yours"
        ) from None


@contextlib.contextmanager
def _run_lock(connection: psycopg.Connection, timeout: float) -> Iterator[None]:
    """Hold a session advisory lock so two runs never build one warehouse at once."""
    deadline = time.monotonic() + timeout
    while not connection.execute("select pg_try_advisory_lock(%s)", [RUN_LOCK_KEY]).fetchone()[0]:
        if time.monotonic() >= deadline:
            raise WarehouseLocked(
                f"another orgwh run is building the Postgres warehouse; waited {timeout:g} s "
                "(see ORGWH_LOCK_TIMEOUT)"
            )
        time.sleep(0.2)
    try:
        yield
    finally:
        connection.execute("select pg_advisory_unlock(%s)", [RUN_LOCK_KEY])


def _copy_query(
    duck: duckdb.DuckDBPyConnection,
    pg: psycopg.Connection,
    query: str,
    table: str,
    parameters: dict[str, object],
    spill: Path,
) -> None:
    """Stream a DuckDB query's rows into a Postgres table with COPY (CSV)."""
    with tempfile.TemporaryDirectory(dir=spill) as directory:
        csv_path = Path(directory) / "rows.csv"
        quoted_path = str(csv_path).replace("'", "''")
        duck.execute(f"copy ({query}) to '{quoted_path}' (format csv, header false)", parameters)
        with (
            csv_path.open("rb") as csv_file,
            pg.cursor().copy(f"copy {table} from stdin (format csv)") as copy,
        ):
            while block := csv_file.read(1 << 20):
                copy.write(block)


class PostgresWorkspace(Workspace):
    """A run on the warehouse database, through one connection holding the run lock."""

    target: PostgresTarget

    def __init__(self, target: PostgresTarget, connection: psycopg.Connection) -> None:
        super().__init__(target)
        self.connection = connection
        self._duck: duckdb.DuckDBPyConnection | None = None

    def read(self, events: Path, orgs: Path, selection: DaySelection) -> Batch:
        self._duck = duckdb.connect(config=load.duckdb_config(self.target.settings))
        spill = self.target.settings.spill_directory
        return load.read_inputs(self._duck, events, orgs, selection, spill)

    def stage(self, batch: Batch, loaded_on: date) -> None:
        assert self._duck is not None, "read() comes first"
        spill = self.target.settings.spill_directory
        pg = self.connection
        with self._duck as duck, pg.transaction():
            for statement in staging.create_statements(self.target):
                pg.execute(statement)
            pg.execute("delete from staging.event where date = any(%s)", [batch.days])
            _copy_query(duck, pg, load.STAGED_EVENTS, "staging.event", {}, spill)
            # truncate keeps the physical order of the new rows the file's order
            pg.execute("truncate staging.organization")
            _copy_query(
                duck,
                pg,
                load.STAGED_ORGANIZATIONS,
                "staging.organization",
                {"loaded_on": loaded_on},
                spill,
            )
            pg.execute(staging.delete_replaced_rejections(self.target, batch))
            _copy_query(
                duck,
                pg,
                load.REJECTED,
                "staging.rejected",
                {
                    "events_file": staging.source_file(batch.events.path),
                    "orgs_file": staging.source_file(batch.organizations.path),
                },
                spill,
            )
            if batch.days:
                pg.execute(staging.add_pending_days(batch))
        self._duck = None

    def close(self) -> None:
        """Close the in-memory DuckDB of the batch if staging did not."""
        if self._duck is not None:
            self._duck.close()
            self._duck = None

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple]:
        cursor = self.connection.execute(sql, parameters)
        return cursor.fetchall() if cursor.description else []

    def dbt_environment(self) -> dict[str, str]:
        return environment()

    def finish(self, run_log_row) -> None:
        with self.connection.transaction():
            super().finish(run_log_row)


class PostgresTarget(Target):
    """A warehouse database on a Postgres server (PGHOST, PGPORT, PGUSER, PGDATABASE)."""

    name = "postgres"
    placeholder = "%s"
    type_names = {"text": "text", "json": "json"}

    @property
    def location(self) -> str:
        settings = environment()
        return f"{settings['PGDATABASE']} on {_describe_server(settings)}"

    @contextlib.contextmanager
    def begin_run(self) -> Iterator[PostgresWorkspace]:
        with (
            connect() as connection,
            _run_lock(connection, self.settings.lock_timeout),
            contextlib.closing(PostgresWorkspace(self, connection)) as workspace,
        ):
            yield workspace

    def connect(self) -> psycopg.Connection:
        """An autocommit connection in a read-only session."""
        connection = connect()
        connection.execute("set default_transaction_read_only = on")
        return connection

    @property
    def query_errors(self) -> tuple[type[Exception], ...]:
        return (psycopg.Error,)

    def documentation_environment(self, scratch: Path) -> dict[str, str]:
        connect().close()  # a clear error when the server is unreachable
        return environment()

    def has_warehouse(self) -> bool:
        return True
