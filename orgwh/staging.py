"""Write a validated batch (see load.py) into a target's staging schema.

Both writers do the same thing in one transaction: replace the run's days of
staging.event, replace staging.organization in full, replace the rejected
rows this run produces again, and record the run's days in staging.load_day
for the incremental models. staging.load_day accumulates the days waiting
for a build: a run clears it only when its build succeeded, so a failed run's
days are built again by the next one.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import duckdb
import psycopg

from .load import Batch

# The batch rows each staging table receives, selected from DuckDB temp tables.
_STAGED_EVENTS = """
    select date, record from event_batch
    where reason is null and date in (select date from run_day)
"""
_STAGED_ORGANIZATIONS = """
    select cast($loaded_on as date), raw from organization_batch
    where reason is null order by line_number
"""
_NEW_PENDING_DAYS = """
    select date from run_day except select date from staging.load_day
"""
_REJECTED = """
    select date, $events_file, line_number, reason, raw from event_batch
    where reason is not null and (date is null or date in (select date from run_day))
    union all
    select null, $orgs_file, line_number, reason, raw from organization_batch
    where reason is not null
"""


def _staging_ddl(json_type: str, text_type: str) -> list[str]:
    return [
        "create schema if not exists staging",
        f"create table if not exists staging.event (date date, json_content {json_type})",
        f"create table if not exists staging.organization (date date, json_content {json_type})",
        f"""create table if not exists staging.rejected (
            date date, source_file {text_type}, line_number bigint,
            reason {text_type}, raw {text_type})""",
        "create table if not exists staging.load_day (date date)",
    ]


def _source_name(path: Path) -> str:
    return str(path.resolve())


def _source_files(batch: Batch) -> dict[str, object]:
    return {
        "events_file": _source_name(batch.events.path),
        "orgs_file": _source_name(batch.organizations.path),
    }


def stage_into_duckdb(con: duckdb.DuckDBPyConnection, batch: Batch, loaded_on: date) -> None:
    """Stage the batch held in `con`'s temp tables into the same DuckDB database."""
    source_files = _source_files(batch)
    con.execute("begin")
    for statement in _staging_ddl("json", "varchar"):
        con.execute(statement)
    con.execute("delete from staging.event where date in (select date from run_day)")
    con.execute(f"insert into staging.event {_STAGED_EVENTS}")
    con.execute("delete from staging.organization")
    con.execute(
        f"insert into staging.organization {_STAGED_ORGANIZATIONS}", {"loaded_on": loaded_on}
    )
    con.execute(
        """delete from staging.rejected
        where source_file = $orgs_file
            or (source_file = $events_file
                and (date is null or date in (select date from run_day)))""",
        source_files,
    )
    con.execute(f"insert into staging.rejected {_REJECTED}", source_files)
    con.execute(f"insert into staging.load_day {_NEW_PENDING_DAYS}")
    con.execute("commit")


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


def stage_into_postgres(
    duck: duckdb.DuckDBPyConnection,
    pg: psycopg.Connection,
    batch: Batch,
    loaded_on: date,
    spill: Path,
) -> None:
    """Stage the batch held in `duck`'s temp tables into Postgres, in one transaction."""
    source_files = _source_files(batch)
    spill.mkdir(parents=True, exist_ok=True)
    with pg.transaction():
        for statement in _staging_ddl("json", "text"):
            pg.execute(statement)
        pg.execute("delete from staging.event where date = any(%s)", [batch.days])
        _copy_query(duck, pg, _STAGED_EVENTS, "staging.event (date, json_content)", {}, spill)
        # truncate keeps the physical order of the new rows the file's order
        pg.execute("truncate staging.organization")
        _copy_query(
            duck,
            pg,
            _STAGED_ORGANIZATIONS,
            "staging.organization (date, json_content)",
            {"loaded_on": loaded_on},
            spill,
        )
        pg.execute(
            """delete from staging.rejected
            where source_file = %(orgs_file)s
                or (source_file = %(events_file)s and (date is null or date = any(%(days)s)))""",
            {**source_files, "days": batch.days},
        )
        _copy_query(
            duck,
            pg,
            _REJECTED,
            "staging.rejected (date, source_file, line_number, reason, raw)",
            source_files,
            spill,
        )
        pg.execute(
            "insert into staging.load_day select unnest(%(days)s::date[]) "
            "except select date from staging.load_day",
            {"days": batch.days},
        )


def mark_every_day_pending(connection) -> None:
    """Put every staged day in staging.load_day, for a full rebuild and its tests."""
    connection.execute(
        "insert into staging.load_day "
        "select distinct date from staging.event except select date from staging.load_day"
    )
