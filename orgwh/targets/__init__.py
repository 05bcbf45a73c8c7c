"""The engines a warehouse lives on: one module each, behind one small interface.

`pipeline.run` is one sequence for every engine: open the run's workspace,
read and judge the input, stage it, let dbt build, record the run, commit.
What differs per engine is answered here and only here:

* where the warehouse is (`Target.location`, for messages);
* how the SQL that orgwh writes itself is spelled (`Target.dialect`);
* the run's workspace (`Target.begin_run`): the lock that serialises runs,
  and what makes a run atomic (one transaction on a DuckDB file, one Postgres
  transaction, Spark's table-by-table replacement);
* reading and staging a batch (`Workspace.read`, `Workspace.stage`);
* what dbt needs to reach the warehouse (`Workspace.dbt_environment`);
* a read-only connection for `query`, `status` and `docs` (`Target.connect`);
* dropping the warehouse (`Target.clean`).

A new engine is one more module here defining a `Target` subclass, one line
in `_ENGINES`, an output of that name in profiles.yml, and the `<adapter>__`
versions of the macros in macros/ that have no `default__`.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from .. import staging, transform
from ..config import DaySelection, Settings
from ..dialect import Dialect
from ..errors import UsageError
from ..layers import SCHEMAS
from ..progress import Progress
from ..validation import Batch

# The name users give `--target` (and profiles.yml's output), and where its class is.
_ENGINES = {
    "duckdb": "orgwh.targets.duckdb:DuckDBTarget",
    "postgres": "orgwh.targets.postgres:PostgresTarget",
    "spark": "orgwh.targets.spark:SparkTarget",
}
NAMES = tuple(_ENGINES)


def get(settings: Settings) -> Target:
    """The target `settings.target` names; UsageError listing the names for any other."""
    if settings.target not in _ENGINES:
        raise UsageError(f"unknown target {settings.target!r} (choose from {', '.join(NAMES)})")
    module, name = _ENGINES[settings.target].split(":")
    return getattr(importlib.import_module(module), name)(settings)


class Workspace(ABC):
    """One run's view of the warehouse, from its first read to its commit.

    What a run writes through it is seen by no one else until the run commits
    (on Spark, which has no transactions across tables, table by table).
    """

    def __init__(self, target: Target) -> None:
        self.target = target

    @abstractmethod
    def read(self, events: Path, orgs: Path, selection: DaySelection) -> Batch:
        """Read and judge both input files (validation.py's rules); count what they hold.

        Raises InputError naming a file that is unreadable as a whole.
        """

    @abstractmethod
    def stage(self, batch: Batch, loaded_on: date) -> None:
        """Write the batch into staging (staging.py says what each table receives)."""

    @abstractmethod
    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple]:
        """Run one statement in the run (placeholders: `target.dialect.placeholder`); its rows."""

    @abstractmethod
    def dbt_environment(self) -> dict[str, str]:
        """The environment variables profiles.yml reads to reach this run's warehouse."""

    def build(self, full_refresh: bool, on_progress: Progress | None) -> None:
        """Build every model and run the data tests (`dbt build`) in this run."""
        every_day_pending = not self.execute(staging.A_DAY_NOT_PENDING)
        transform.build(
            self.target.dbt_target, self.dbt_environment(), full_refresh, on_progress,
            every_day_pending,
        )  # fmt: skip

    def mark_every_day_pending(self) -> None:
        """Put every staged day in staging.load_day, for a full rebuild and its tests."""
        self.execute(staging.MARK_EVERY_DAY_PENDING)

    def finish(self, run_log_row: Mapping[str, Any]) -> None:
        """Record a built run: no day is pending any more, and staging.run_log has its row."""
        dialect = self.target.dialect
        self.execute(dialect.empty_table("staging.load_day"))
        self.execute(dialect.create_table("staging.run_log", staging.RUN_LOG_COLUMNS))
        columns = ", ".join(run_log_row)
        placeholders = ", ".join([dialect.placeholder] * len(run_log_row))
        self.execute(
            f"insert into staging.run_log ({columns}) values ({placeholders})",
            list(run_log_row.values()),
        )

    def count_rows(self, tables: Sequence[str]) -> dict[str, int]:
        """The rows of each table, as the run leaves them, in one statement (a job, on Spark)."""
        counts = ", ".join(f"(select count(*) from {table})" for table in tables)
        return dict(zip(tables, self.execute(f"select {counts}")[0], strict=True))


class Target(ABC):
    """One engine's warehouse, as every orgwh command reaches it."""

    name: ClassVar[str]
    # how the SQL that orgwh writes itself is spelled on this engine
    dialect: ClassVar[Dialect]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the warehouse is, in words for messages."""

    @abstractmethod
    def begin_run(self) -> AbstractContextManager[Workspace]:
        """Lock the warehouse against other runs and open a workspace for this one.

        The run commits when the block ends without an exception and is rolled
        back otherwise. Raises WarehouseLocked when another run holds the
        warehouse longer than `settings.lock_timeout`.
        """

    @abstractmethod
    def connect(self) -> Any:
        """A read-only connection with DB-API `execute(sql, parameters)`; a context manager.

        Raises NoWarehouse when there is nothing to read.
        """

    @property
    @abstractmethod
    def query_errors(self) -> tuple[type[Exception], ...]:
        """The exceptions this engine's connections raise for a query they refuse."""

    @abstractmethod
    def documentation_environment(self, scratch: Path) -> dict[str, str]:
        """What dbt needs to read the warehouse's catalog for `orgwh docs`, without changing it.

        `scratch` is a folder the target may use. Raises NoWarehouse when there
        is none.
        """

    @abstractmethod
    def has_warehouse(self) -> bool:
        """Whether anything was ever built here (checked without creating anything)."""

    def clean(self) -> None:
        """Drop the warehouse's schemas and everything in them, as one run would."""
        if not self.has_warehouse():
            return
        with self.begin_run() as workspace:
            for schema in SCHEMAS:
                workspace.execute(f"drop schema if exists {schema} cascade")

    def existing_tables(self, connection: Any) -> set[str]:
        """The warehouse's tables and views that exist, as `schema.table`."""
        rows = connection.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('staging', 'historical', 'snapshots', 'dimensional')"
        ).fetchall()
        return {name for (name,) in rows}

    @property
    def dbt_target(self) -> transform.DbtTarget:
        """What dbt needs to know of this target."""
        return transform.DbtTarget(self.name, self.settings.cache_dir, self.release_dbt)

    def release_dbt(self) -> None:  # noqa: B027 (most adapters keep nothing open)
        """Let go of whatever dbt's adapter keeps open in this process after a dbt command."""
