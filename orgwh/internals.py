"""The private names of dbt, its adapters and pyspark that orgwh relies on, all in this module.

dbt: a DuckDB or Postgres run is one transaction on one connection that
orgwh opens, stages on, and alone commits or rolls back; dbt must build
inside it. dbt's adapters have no public way to be handed a connection, so
for the duration of a build orgwh swaps the adapter's connection manager
for one that gives dbt the run's connection and turns dbt's own
transactions into something that cannot end the run's.

pyspark: a Spark run removes the folders that no table uses with Hadoop's
FileSystem, which pyspark reaches only through a session's private py4j
gateway to the JVM.

Every private name used here is listed in PRIVATE_NAMES with the version it
was checked against; tests/unit/test_internals.py fails with a clear message
when an installed version no longer has one of them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class PrivateName(NamedTuple):
    """A private name orgwh uses: `path`, dotted from `module`, as `checked_against` has it."""

    module: str
    path: str
    checked_against: str
    # An attribute that the class's own methods set on each instance (in its
    # __init__), so that the class itself does not have it.
    on_instances: bool = False


PRIVATE_NAMES = (
    PrivateName("dbt.adapters.duckdb.impl", "DuckDBAdapter.ConnectionManager", "dbt-duckdb 1.11"),
    PrivateName(
        "dbt.adapters.duckdb.connections", "DuckDBConnectionManager._ENV", "dbt-duckdb 1.11"
    ),
    PrivateName(
        "dbt.adapters.duckdb.environments.local", "DuckDBConnectionWrapper", "dbt-duckdb 1.11"
    ),
    PrivateName(
        "dbt.adapters.postgres.impl", "PostgresAdapter.ConnectionManager", "dbt-postgres 1.11"
    ),
    PrivateName(
        "dbt.adapters.base.connections", "BaseConnectionManager._rollback_handle", "dbt-core 1.11"
    ),
    PrivateName(
        "dbt.adapters.base.connections", "BaseConnectionManager._close_handle", "dbt-core 1.11"
    ),
    PrivateName("pyspark.sql.session", "SparkSession._jvm", "pyspark 4.3", on_instances=True),
    PrivateName("pyspark.sql.session", "SparkSession._jsc", "pyspark 4.3", on_instances=True),
)


@contextlib.contextmanager
def _connection_manager(adapter: type, manager: type) -> Iterator[None]:
    """`adapter` uses `manager` for its connections for the duration of the block."""
    saved = adapter.ConnectionManager
    adapter.ConnectionManager = manager
    try:
        yield
    finally:
        adapter.ConnectionManager = saved


def duckdb_build_on(connection: Any) -> contextlib.AbstractContextManager[None]:
    """Let dbt-duckdb build on the run's DuckDB connection, inside the run's transaction.

    Every dbt connection is that one connection itself (not a cursor of it,
    which DuckDB would give a transaction of its own), dbt's BEGIN and
    COMMIT do nothing, and neither do its rollback and close. DuckDB has no
    savepoints: a statement that fails aborts the run's transaction, so
    nothing after it can write, and orgwh rolls the whole run back. dbt must
    run with one thread.
    """
    from dbt.adapters.contracts.connection import ConnectionState
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.duckdb.environments.local import DuckDBConnectionWrapper
    from dbt.adapters.duckdb.impl import DuckDBAdapter

    class InRunConnectionManager(DuckDBConnectionManager):
        @classmethod
        def open(cls, dbt_connection):
            dbt_connection.handle = DuckDBConnectionWrapper(connection, None)
            dbt_connection.state = ConnectionState.OPEN
            return dbt_connection

        def add_begin_query(self):
            """The run's transaction is open already."""

        def add_commit_query(self):
            """orgwh commits the run when every model and data test has passed."""

        @classmethod
        def _rollback_handle(cls, dbt_connection) -> None:
            """orgwh rolls the whole run back when dbt fails."""

        @classmethod
        def _close_handle(cls, dbt_connection) -> None:
            """orgwh closes the run's connection after its commit."""

        def cancel(self, dbt_connection) -> None:
            connection.interrupt()

    return _connection_manager(DuckDBAdapter, InRunConnectionManager)


def postgres_build_on(handle: Any) -> contextlib.AbstractContextManager[None]:
    """Let dbt-postgres build on the run's psycopg2 connection, inside the run's transaction.

    Every dbt connection gets this open handle; dbt's BEGIN/COMMIT/ROLLBACK
    become a savepoint, its release and a rollback to it; closing leaves the
    handle open. dbt must run with one thread: its connections share one
    server session.
    """
    import psycopg2
    from dbt.adapters.contracts.connection import ConnectionState
    from dbt.adapters.postgres.connections import PostgresConnectionManager
    from dbt.adapters.postgres.impl import PostgresAdapter

    class InRunConnectionManager(PostgresConnectionManager):
        @classmethod
        def open(cls, connection):
            connection.handle = handle
            connection.state = ConnectionState.OPEN
            return connection

        def add_begin_query(self):
            return self.add_query("savepoint dbt", auto_begin=False)

        def add_commit_query(self):
            return self.add_query("release savepoint dbt", auto_begin=False)

        @classmethod
        def _rollback_handle(cls, connection) -> None:
            # a lost connection cannot roll back: orgwh's rollback reports it
            with contextlib.suppress(psycopg2.Error), connection.handle.cursor() as cursor:
                cursor.execute("rollback to savepoint dbt; release savepoint dbt")

        @classmethod
        def _close_handle(cls, connection) -> None:
            """orgwh closes the handle after its commit."""

        def cancel(self, connection) -> None:
            """Nothing to cancel: orgwh rolls the whole run back when dbt is interrupted."""

    return _connection_manager(PostgresAdapter, InRunConnectionManager)


def release_duckdb() -> None:
    """Close the database dbt-duckdb keeps open in this process after a dbt command.

    dbt-duckdb caches one database per process for reuse (outside a run:
    `orgwh docs`, or dbt's unit tests); it must go before the file is
    replaced or opened with other settings.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    if DuckDBConnectionManager._ENV is not None:
        DuckDBConnectionManager._ENV.close()
    DuckDBConnectionManager.close_all_connections()


def hadoop_filesystem(spark: SparkSession, location: str) -> tuple[Any, Any]:
    """Hadoop's FileSystem for `location` and Hadoop's `Path` class, in the session's JVM.

    pyspark has no public handle on them, only the session's py4j view of
    the JVM (`_jvm`) and its JavaSparkContext (`_jsc`).
    """
    hadoop_fs = spark._jvm.org.apache.hadoop.fs  # type: ignore[union-attr]
    configuration = spark._jsc.hadoopConfiguration()  # type: ignore[union-attr]
    return hadoop_fs.Path(location).getFileSystem(configuration), hadoop_fs.Path
