"""One run of orgwh: read the inputs, stage them, build the layers with dbt."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from . import duckdb_file, load, postgres, run_log, staging, transform
from .config import DaySelection, Settings
from .load import FileCounts
from .transform import Progress

SCHEMAS = ("staging", "historical", "snapshots", "dimensional")

# The tables of SPEC 4, layer by layer, in the order a summary lists them.
TABLES = (
    "staging.event",
    "staging.organization",
    "staging.rejected",
    "historical.user_event",
    "snapshots.user_snapshot",
    "dimensional.dim_organization",
    "dimensional.dim_user",
    "dimensional.fac_user",
)


@dataclass
class RunReport:
    """What a run did: the days it loaded, what it read, and the rows per table."""

    target: str
    days: list[date]
    events: FileCounts
    organizations: FileCounts
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return self.events.rejected.total() + self.organizations.rejected.total()


def duckdb_config(settings: Settings) -> dict[str, str]:
    """DuckDB settings that bound a run's memory, spilling to disk beyond it."""
    settings.spill_directory.mkdir(parents=True, exist_ok=True)
    return {
        "memory_limit": settings.memory_limit,
        "temp_directory": str(settings.spill_directory),
    }


def _count_rows(cursor) -> dict[str, int]:
    return {
        table: cursor.execute(f"select count(*) from {table}").fetchone()[0] for table in TABLES
    }


def _today() -> date:
    return datetime.now(UTC).date()


def _run_duckdb(
    settings: Settings, selection: DaySelection, full_refresh: bool, on_progress, started_at
):
    with duckdb_file.building_copy(settings.duckdb_path, settings.lock_timeout) as work:
        with duckdb.connect(str(work), config=duckdb_config(settings)) as con:
            batch = load.read_inputs(con, settings.events, settings.orgs, selection)
            staging.stage_into_duckdb(con, batch, _today())
            if full_refresh:
                staging.mark_every_day_pending(con)
        environment = {
            "ORGWH_DBT_DUCKDB_PATH": str(work),
            "ORGWH_MEMORY_LIMIT": settings.memory_limit,
            "ORGWH_TEMP_DIRECTORY": str(settings.spill_directory),
        }
        transform.build("duckdb", environment, settings.cache_dir, full_refresh, on_progress)
        with duckdb.connect(str(work)) as con:
            con.execute("delete from staging.load_day")
            run_log.record(con, "duckdb", batch, full_refresh, started_at)
            rows = _count_rows(con)
    return batch, rows


def _run_postgres(
    settings: Settings, selection: DaySelection, full_refresh: bool, on_progress, started_at
):
    with postgres.connect() as pg, postgres.run_lock(pg, settings.lock_timeout):
        with duckdb.connect(config=duckdb_config(settings)) as duck:
            batch = load.read_inputs(duck, settings.events, settings.orgs, selection)
            staging.stage_into_postgres(duck, pg, batch, _today(), settings.spill_directory)
        if full_refresh:
            staging.mark_every_day_pending(pg)
        transform.build(
            "postgres", postgres.environment(), settings.cache_dir, full_refresh, on_progress
        )
        with pg.transaction():
            pg.execute("delete from staging.load_day")
            run_log.record(pg, "postgres", batch, full_refresh, started_at)
        rows = _count_rows(pg)
    return batch, rows


def _run_spark(
    settings: Settings, selection: DaySelection, full_refresh: bool, on_progress, started_at
):
    from . import spark  # pyspark is optional (the `spark` extra) and slow to import

    if on_progress is not None:
        on_progress("starting Spark")
    directory = settings.spark_directory
    session = spark.session(directory)
    with tempfile.TemporaryDirectory(dir=directory / "tmp") as work:
        loaded = spark.read_inputs(session, settings.events, settings.orgs, selection, Path(work))
        spark.stage(session, loaded, _today())
        transform.build(
            "spark", spark.environment(directory), settings.cache_dir, full_refresh, on_progress
        )
        spark.finish(session)
        run_log.record(spark.Connection(session), "spark", loaded.batch, full_refresh, started_at)
        rows = spark.count_rows(session, TABLES)
        loaded.events.unpersist()
        loaded.organizations.unpersist()
    return loaded.batch, rows


_RUNNERS = {"duckdb": _run_duckdb, "postgres": _run_postgres, "spark": _run_spark}


def run(
    settings: Settings,
    selection: DaySelection | None = None,
    full_refresh: bool = False,
    on_progress: Progress | None = None,
) -> RunReport:
    """Load the events of the selected days and the organizations, then build.

    Raises an OrgwhError subclass on bad input, a locked warehouse, an
    unreachable server, a model that fails or a failed data test; in each
    case the warehouse keeps the state of the last successful run.
    """
    started = time.monotonic()
    runner = _RUNNERS[settings.target]
    transform.start_importing_dbt()
    batch, rows = runner(
        settings, selection or DaySelection(), full_refresh, on_progress, run_log.utc_now()
    )
    return RunReport(
        target=settings.target,
        days=batch.days,
        events=batch.events,
        organizations=batch.organizations,
        rows=rows,
        seconds=time.monotonic() - started,
    )


def describe_location(settings: Settings) -> str:
    """Where the warehouse of `settings` lives, for messages."""
    if settings.target == "duckdb":
        return str(settings.duckdb_path)
    if settings.target == "spark":
        return str(settings.spark_directory)
    environment = postgres.environment()
    return f"{environment['PGDATABASE']} on {environment['PGHOST']}:{environment['PGPORT']}"


def clean(settings: Settings) -> None:
    """Drop the warehouse's schemas (and everything in them), atomically.

    On Spark the schemas are databases of the metastore, dropped one by one
    (Spark has no transactions); without a metastore there is nothing to drop.
    """
    drops = [f"drop schema if exists {schema} cascade" for schema in SCHEMAS]
    if settings.target == "spark":
        from . import spark

        if spark.has_warehouse(settings.spark_directory):
            session = spark.session(settings.spark_directory)
            for statement in drops:
                session.sql(statement)
        return
    if settings.target == "duckdb":
        if not settings.duckdb_path.exists():
            return
        with (
            duckdb_file.building_copy(settings.duckdb_path, settings.lock_timeout) as work,
            duckdb.connect(str(work)) as con,
        ):
            for statement in drops:
                con.execute(statement)
        return
    with (
        postgres.connect() as pg,
        postgres.run_lock(pg, settings.lock_timeout),
        pg.transaction(),
    ):
        for statement in drops:
            pg.execute(statement)
