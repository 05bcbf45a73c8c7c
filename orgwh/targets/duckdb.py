"""The DuckDB target: the warehouse is one file, and a run is one transaction on it.

A run opens the file for writing, which DuckDB locks against every other
process, and does everything on that one connection inside one transaction:
it reads the input into temp tables, stages, lets dbt build
(internals.duckdb_build_on), records the run, and commits. DuckDB's
write-ahead log makes the commit atomic: a run that fails rolls back, and a
killed one committed nothing, so the warehouse is as before. Nothing is
copied, so a run costs what its days cost, however large the file.

The price is DuckDB's file lock: a process that opens the warehouse while a
run writes it (orgwh.connect, `orgwh query`, the duckdb CLI) waits for the
commit, up to ORGWH_LOCK_TIMEOUT, and a run waits as long for the readers
that hold the file open, then fails saying which process to close. No one
ever sees a mix of layers.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from .. import internals, staging
from ..config import DaySelection
from ..dialect import Dialect
from ..errors import NoWarehouse, OutOfMemory, WarehouseLocked
from ..progress import Progress
from ..readers import duckdb as reader
from ..validation import Batch
from . import Target, Workspace
from .locks import no_run_starting, run_lock, wait_for

# The oldest storage format that holds everything orgwh writes. DuckDB keeps a
# file's format when it writes to it, so every later run, a full refresh and
# `clean` keep it too: DuckDB 0.10 and later (the CLI, the Python, R and Java
# clients, DBeaver) open the warehouse, not only 2.x.
STORAGE_VERSION = "v1.0.0"

# DuckDB reuses the blocks a run frees, but never gives them back to the file
# system from the middle of the file. A run that rewrites most of the
# warehouse (--full-refresh, clean) leaves them free; past this share the
# file is rewritten into a compact one.
COMPACT_WHEN_FREE = 0.4

_HOLDER = re.compile(r"Conflicting lock is held in (.*?)(?:\. |$)")


def _holder(error: Exception) -> str:
    """The process DuckDB names as holding the file's lock: `program (PID n)`."""
    found = _HOLDER.search(str(error))
    return found.group(1) if found else "another process"


def _lock_conflict(error: Exception) -> bool:
    return isinstance(error, duckdb.IOException) and "Could not set lock" in str(error)


def _open(
    path: Path,
    timeout: float,
    message: Callable[[Exception], str],
    read_only: bool = False,
    config: dict[str, str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A connection to the file at `path`, waiting up to `timeout` s for another process's lock."""
    try:
        return wait_for(
            lambda: duckdb.connect(str(path), read_only=read_only, config=config or {}),
            timeout,
            message,
            busy=_lock_conflict,
        )
    except duckdb.ConnectionException:
        # DuckDB keeps one database per file and process: a connection this
        # process holds with other settings (read-only, say) stands in the way
        raise WarehouseLocked(
            f"{path} is open in this process (an orgwh.connect() or duckdb.connect() "
            "connection); close it and try again"
        ) from None


def _create(path: Path) -> None:
    """An empty database file in STORAGE_VERSION's format."""
    with duckdb.connect() as con:
        con.execute(f"attach {_literal(path)} as created (storage_version '{STORAGE_VERSION}')")


def _literal(path: Path) -> str:
    return DuckDBTarget.dialect.quote(str(path))


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _wal(path: Path) -> Path:
    return Path(f"{path}.wal")


def _checkpoint(connection: duckdb.DuckDBPyConnection) -> None:
    """Write the committed run into the database file itself, leaving no write-ahead log.

    A new warehouse is renamed into place, and its log would stay behind.
    """
    try:
        connection.execute("checkpoint")
    except duckdb.Error as error:
        if "allocate" in str(error):
            raise OutOfMemory.during("writing the new warehouse", str(error)) from None
        raise


def _compact_if_mostly_free(path: Path, config: dict[str, str]) -> None:
    """Rewrite the warehouse into a compact file when most of its blocks are free.

    Runs under the run lock, after the commit: the content is the committed
    one either way, so a reader sees the same tables in the old file or the
    new, and a process killed here leaves the committed file as it is. Left
    for another run while a write-ahead log is pending (the new file would
    not own it) or another process holds the file.
    """
    if _wal(path).exists():
        return
    try:
        with duckdb.connect(str(path), read_only=True, config=config) as con:
            total, free = con.execute(
                "select total_blocks, free_blocks from pragma_database_size() "
                "where database_name = current_database()"
            ).fetchone()
    except duckdb.IOException:
        return
    if not total or free / total <= COMPACT_WHEN_FREE:
        return
    compact = path.with_name(path.name + ".compact")
    _remove(compact, _wal(compact))
    try:
        with duckdb.connect(config=config) as con:
            con.execute(f"attach {_literal(path)} as warehouse (read_only)")
            con.execute(
                f"attach {_literal(compact)} as compact (storage_version '{STORAGE_VERSION}')"
            )
            con.execute("copy from database warehouse to compact")
        os.replace(compact, path)
    finally:
        _remove(compact, _wal(compact))


class DuckDBWorkspace(Workspace):
    """A run on the warehouse file: one transaction on one connection, dbt's included."""

    target: DuckDBTarget

    def __init__(self, target: DuckDBTarget, connection: duckdb.DuckDBPyConnection, path: Path):
        super().__init__(target)
        self.connection = connection
        self.path = path
        self._in_transaction = False

    def _transaction(self) -> duckdb.DuckDBPyConnection:
        """The connection, inside the run's transaction (begun by the first write)."""
        if not self._in_transaction:
            self.connection.execute("begin")
            self._in_transaction = True
        return self.connection

    def commit(self) -> None:
        if self._in_transaction:
            self.connection.execute("commit")

    def read(self, events: Path, orgs: Path, selection: DaySelection) -> Batch:
        # Before the transaction: the reader writes temp tables only, and may
        # retry a read that failed, which inside a transaction would abort it.
        spill = self.target.settings.spill_directory
        return reader.read_inputs(self.connection, events, orgs, selection, spill)

    def stage(self, batch: Batch, loaded_on: date) -> None:
        con = self._transaction()
        for statement in staging.create_statements(self.target.dialect):
            con.execute(statement)
        con.execute("delete from staging.event where date in (select date from run_day)")
        con.execute(f"insert into staging.event {reader.STAGED_EVENTS}")
        con.execute("delete from staging.organization")
        con.execute(
            f"insert into staging.organization {reader.STAGED_ORGANIZATIONS}",
            {"loaded_on": loaded_on},
        )
        con.execute(staging.delete_replaced_rejections(self.target.dialect, batch))
        con.execute(
            f"insert into staging.rejected {reader.REJECTED}",
            {
                "events_file": staging.source_file(batch.events.path),
                "orgs_file": staging.source_file(batch.organizations.path),
            },
        )
        if batch.days:
            con.execute(staging.add_pending_days(batch))
        # the batch's temp tables hold the whole input: free them before dbt builds
        for (temp_table,) in con.execute(
            "select table_name from duckdb_tables() where temporary"
        ).fetchall():
            con.execute(f"drop table temp.{temp_table}")

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple]:
        cursor = self._transaction().execute(sql, parameters)
        return cursor.fetchall() if cursor.description else []

    def dbt_environment(self) -> dict[str, str]:
        return self.target.profile_environment(self.path)

    def build(self, full_refresh: bool, on_progress: Progress | None) -> None:
        """`dbt build` on this run's connection, inside its transaction."""
        # staging.organization is written in file order (record_position);
        # the models' inserts need no order, and keep less in memory without
        self.connection.execute("set preserve_insertion_order = false")
        with internals.duckdb_build_on(self._transaction()):
            super().build(full_refresh, on_progress)


class DuckDBTarget(Target):
    """A warehouse in one DuckDB file (`settings.duckdb_path`)."""

    name = "duckdb"
    dialect = Dialect()

    @property
    def path(self) -> Path:
        return self.settings.duckdb_path.resolve()

    @property
    def location(self) -> str:
        return str(self.settings.duckdb_path)

    def profile_environment(self, database: Path) -> dict[str, str]:
        """What profiles.yml's duckdb output reads, for dbt to open `database`."""
        config = reader.duckdb_config(self.settings)
        return {
            "ORGWH_DBT_DUCKDB_PATH": str(database),
            "ORGWH_MEMORY_LIMIT": config["memory_limit"],
            "ORGWH_TEMP_DIRECTORY": config["temp_directory"],
        }

    @contextlib.contextmanager
    def begin_run(self) -> Iterator[DuckDBWorkspace]:
        """The run's transaction on the warehouse file; a first run builds a new file aside.

        A first run builds under `<name>.building` and renames it into place
        after its commit, so a first run that fails leaves no warehouse.
        """
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        timeout = self.settings.lock_timeout
        with run_lock(path, timeout):
            first = not path.exists()
            building = path.with_name(path.name + ".building") if first else path
            if first:
                _remove(building, _wal(building))
                _create(building)
            connection = _open(
                building,
                timeout,
                lambda error: (
                    f"{path} is open in {_holder(error)}; close that connection "
                    f"and run again (waited {timeout:g} s, see ORGWH_LOCK_TIMEOUT)"
                ),
                config=reader.duckdb_config(self.settings),
            )
            try:
                with connection:
                    workspace = DuckDBWorkspace(self, connection, building)
                    yield workspace
                    workspace.commit()
                    if first:
                        _checkpoint(connection)
                if first:
                    os.replace(building, path)
            finally:
                if first:
                    _remove(building, _wal(building))
            _compact_if_mostly_free(path, reader.duckdb_config(self.settings))

    def _require_warehouse(self) -> Path:
        if not self.has_warehouse():
            raise NoWarehouse(f"no DuckDB warehouse at {self.path}; build it with `orgwh run`")
        return self.path

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection; while a run writes the file, it waits for the commit.

        Keep it open only while reading: a run waits for it, up to
        ORGWH_LOCK_TIMEOUT, and then fails.
        """
        path = self._require_warehouse()
        timeout = self.settings.lock_timeout
        with no_run_starting(path, timeout):
            return _open(
                path,
                timeout,
                lambda error: (
                    f"{path} is being written by {_holder(error)}; "
                    f"waited {timeout:g} s for it to finish (see ORGWH_LOCK_TIMEOUT)"
                ),
                read_only=True,
            )

    @property
    def query_errors(self) -> tuple[type[Exception], ...]:
        return (duckdb.Error,)

    def documentation_environment(self, scratch: Path) -> dict[str, str]:
        """dbt reads the catalog of an empty copy: the warehouse itself is never opened to write."""
        copy = scratch / self.path.name
        with self.connect() as warehouse:
            _empty_copy(warehouse, copy)
        return self.profile_environment(copy)

    def release_dbt(self) -> None:
        internals.release_duckdb()

    def has_warehouse(self) -> bool:
        return self.path.is_file()


def _empty_copy(warehouse: duckdb.DuckDBPyConnection, copy: Path) -> None:
    """Every schema, table and view of the warehouse, with its columns and types but no rows.

    The copy has the warehouse's file name, so dbt sees the same database name.
    """
    statements = warehouse.execute(
        """
        select 'create schema if not exists "' || schema_name || '"', 0, oid
        from duckdb_schemas() where database_name = current_database() and not internal
        union all
        select sql, 1, table_oid from duckdb_tables() where database_name = current_database()
        union all
        -- a view's text names schemas, not the database: it binds to the copy
        select sql, 2, view_oid from duckdb_views()
        where database_name = current_database() and not internal
        order by 2, 3
        """
    ).fetchall()
    _remove(copy, _wal(copy))
    _create(copy)
    with duckdb.connect(str(copy)) as con:
        for statement, _, _ in statements:
            con.execute(statement)
