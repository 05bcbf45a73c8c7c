"""The DuckDB target: the warehouse is one file, and a run builds on a private copy of it.

A run never writes the warehouse file in place. It copies the file, loads
and builds on the copy, and on success renames the copy over the original,
which is atomic on POSIX: a failed or killed run leaves the file exactly as
before. Readers that opened the file read-only keep reading the old contents
until they reconnect, so a notebook never blocks a run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from .. import load, staging
from ..config import DaySelection
from ..errors import NoWarehouse, WarehouseLocked
from ..validation import Batch
from . import Target, Workspace
from .locks import run_lock, wait_for

# The oldest storage format that holds everything orgwh writes. DuckDB keeps a
# file's format when it writes to it, so every later run, the private copy, a
# full refresh and `clean` keep it too: DuckDB 0.10 and later (the CLI, the
# Python, R and Java clients, DBeaver) open the warehouse, not only 2.x.
STORAGE_VERSION = "v1.0.0"


@contextlib.contextmanager
def _no_writer(path: Path, timeout: float) -> Iterator[int | None]:
    """Hold a shared lock on the warehouse file, as a DuckDB reader does.

    DuckDB locks the file exclusively for a read-write connection, so this
    waits while another process writes it, and keeps others from starting to
    write it during the run. Yields the locked descriptor (None: no file yet).
    """
    if not path.exists():
        yield None
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        wait_for(
            lambda: fcntl.lockf(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB),
            timeout,
            f"{path} is open for writing in another process; close that connection "
            f"(notebooks should use orgwh.connect(), which is read-only) and run again",
        )
        yield descriptor
    finally:
        # Closing the descriptor releases the lock (POSIX record locks).
        os.close(descriptor)


def _copy(source_descriptor: int, destination: Path) -> None:
    size = os.fstat(source_descriptor).st_size
    with open(destination, "wb") as target:
        copied = 0
        while copied < size:
            copied += os.copy_file_range(
                source_descriptor, target.fileno(), size - copied, copied, copied
            )


def _create(path: Path) -> None:
    """An empty database file in STORAGE_VERSION's format."""
    quoted = str(path).replace("'", "''")
    with duckdb.connect() as con:
        con.execute(f"attach '{quoted}' as created (storage_version '{STORAGE_VERSION}')")


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def building_copy(path: Path, lock_timeout: float) -> Iterator[Path]:
    """Yield a private copy of the warehouse at `path` to build on.

    When the block ends without an exception, the copy replaces the warehouse
    atomically; otherwise it is thrown away and the warehouse is untouched.
    Raises WarehouseLocked when another process holds the file for longer
    than `lock_timeout` seconds.
    """
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    work = path.with_name(path.name + ".building")
    with run_lock(path, lock_timeout), _no_writer(path, lock_timeout) as locked:
        _remove(work, Path(f"{work}.wal"))
        if locked is None:
            _create(work)
        else:
            if Path(f"{path}.wal").exists():
                raise WarehouseLocked(
                    f"{path} has an unfinished write-ahead log from another program; "
                    "open it once with DuckDB to finish it, then run again"
                )
            _copy(locked, work)
        try:
            yield work
            # Fold DuckDB's write-ahead log into the copy before it goes live.
            with duckdb.connect(str(work)) as con:
                con.execute("checkpoint")
            os.replace(work, path)
        finally:
            _remove(work, Path(f"{work}.wal"))


class DuckDBWorkspace(Workspace):
    """A run on the private copy of the warehouse file.

    DuckDB reads the input into temp tables of a connection to the copy;
    staging consumes them and closes it, since dbt then opens the file itself.
    """

    target: DuckDBTarget

    def __init__(self, target: DuckDBTarget, copy: Path) -> None:
        super().__init__(target)
        self.copy = copy
        self._batch_connection: duckdb.DuckDBPyConnection | None = None

    def read(self, events: Path, orgs: Path, selection: DaySelection) -> Batch:
        config = load.duckdb_config(self.target.settings)
        self._batch_connection = duckdb.connect(str(self.copy), config=config)
        spill = self.target.settings.spill_directory
        return load.read_inputs(self._batch_connection, events, orgs, selection, spill)

    def stage(self, batch: Batch, loaded_on: date) -> None:
        assert self._batch_connection is not None, "read() comes first"
        with self._batch_connection as con:
            con.execute("begin")
            for statement in staging.create_statements(self.target):
                con.execute(statement)
            con.execute("delete from staging.event where date in (select date from run_day)")
            con.execute(f"insert into staging.event {load.STAGED_EVENTS}")
            con.execute("delete from staging.organization")
            con.execute(
                f"insert into staging.organization {load.STAGED_ORGANIZATIONS}",
                {"loaded_on": loaded_on},
            )
            con.execute(staging.delete_replaced_rejections(self.target, batch))
            con.execute(
                f"insert into staging.rejected {load.REJECTED}",
                {
                    "events_file": staging.source_file(batch.events.path),
                    "orgs_file": staging.source_file(batch.organizations.path),
                },
            )
            if batch.days:
                con.execute(staging.add_pending_days(batch))
            con.execute("commit")
        self._batch_connection = None

    def close(self) -> None:
        """Close the batch's connection if staging did not (a run that failed before it).

        DuckDB keeps one database per file and process while a connection is
        open: a forgotten one would serve the next run a stale copy.
        """
        if self._batch_connection is not None:
            self._batch_connection.close()
            self._batch_connection = None

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple]:
        with duckdb.connect(str(self.copy)) as con:
            cursor = con.execute(sql, parameters)
            return cursor.fetchall() if cursor.description else []

    def dbt_environment(self) -> dict[str, str]:
        return self.target.dbt_environment(self.copy)


class DuckDBTarget(Target):
    """A warehouse in one DuckDB file (`settings.duckdb_path`)."""

    name = "duckdb"

    @property
    def path(self) -> Path:
        return self.settings.duckdb_path.resolve()

    @property
    def location(self) -> str:
        return str(self.settings.duckdb_path)

    def dbt_environment(self, database: Path) -> dict[str, str]:
        """What profiles.yml's duckdb output reads, for dbt to open `database`."""
        config = load.duckdb_config(self.settings)
        return {
            "ORGWH_DBT_DUCKDB_PATH": str(database),
            "ORGWH_MEMORY_LIMIT": config["memory_limit"],
            "ORGWH_TEMP_DIRECTORY": config["temp_directory"],
        }

    @contextlib.contextmanager
    def begin_run(self) -> Iterator[DuckDBWorkspace]:
        with (
            building_copy(self.path, self.settings.lock_timeout) as copy,
            contextlib.closing(DuckDBWorkspace(self, copy)) as workspace,
        ):
            yield workspace

    def _require_warehouse(self) -> Path:
        if not self.has_warehouse():
            raise NoWarehouse(f"no DuckDB warehouse at {self.path}; build it with `orgwh run`")
        return self.path

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection: it never blocks a run, and sees the file as it was opened."""
        path = self._require_warehouse()
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as error:
            raise WarehouseLocked(
                f"{path} is open for writing in another process: {str(error).splitlines()[0]}"
            ) from None

    @property
    def query_errors(self) -> tuple[type[Exception], ...]:
        return (duckdb.Error,)

    def documentation_environment(self, scratch: Path) -> dict[str, str]:
        """dbt reads the catalog of an empty copy: the warehouse itself is never opened to write."""
        copy = scratch / self.path.name
        _empty_copy(self._require_warehouse(), copy)
        return self.dbt_environment(copy)

    def release_dbt(self) -> None:
        """Close the database dbt-duckdb keeps open in this process.

        dbt-duckdb caches one database per process for reuse; a run renames the
        file it built, so the cached handle must go before the next run opens it.
        """
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager.close_all_connections()

    def has_warehouse(self) -> bool:
        return self.path.is_file()


def _empty_copy(warehouse: Path, copy: Path) -> None:
    """Every table and view of the warehouse, with its columns and types but no rows.

    The copy has the warehouse's file name, so dbt sees the same database name.
    """
    copy.unlink(missing_ok=True)
    _create(copy)
    with duckdb.connect(str(copy)) as con:
        quoted = str(warehouse).replace("'", "''")
        con.execute(f"attach '{quoted}' as orgwh_source (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = 'orgwh_source'"
        ).fetchall()
        for schema, table in tables:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(
                f'create table "{schema}"."{table}" as '
                f'select * from orgwh_source."{schema}"."{table}" limit 0'
            )
        # A view's text names schemas, not the database: it binds to the copy.
        views = con.execute(
            "select sql from duckdb_views() "
            "where database_name = 'orgwh_source' and not internal order by view_oid"
        ).fetchall()
        con.execute("detach orgwh_source")
        for (view,) in views:
            con.execute(view)
