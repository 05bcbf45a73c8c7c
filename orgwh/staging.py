"""What a run writes into staging: the same tables and rules on every target (SPEC 2, 3).

A run, inside its workspace:

* replaces the staged events of the days it loads (a loaded day without a
  valid event is left empty);
* replaces staging.organization in full, in the order of the file;
* replaces the rejected rows it produces again: every rejected row of its
  organizations file, and those of its events file that are undated or
  dated on its days; other files' rows and other days' rows stay;
* adds its days to staging.load_day, the days waiting for a build. Only a
  run whose build succeeded clears it, so the days of a failed run are built
  by the next one.

Column types are named neutrally here (`text`, `json`); each target spells
them (`Target.dialect.type_names`).
"""

from __future__ import annotations

from pathlib import Path

from .dialect import Dialect
from .validation import Batch

TABLES = {
    "staging.event": {"date": "date", "json_content": "json"},
    "staging.organization": {"date": "date", "json_content": "json"},
    "staging.rejected": {
        "date": "date",
        "source_file": "text",
        "line_number": "bigint",
        "reason": "text",
        "raw": "text",
    },
    "staging.load_day": {"date": "date"},
}
# Runs replace staging.event day by day: engines that store tables as
# partitioned files partition it by day.
PARTITIONED_BY = {"staging.event": "date"}

# One row per successful run, written in the run's last step (see Workspace.finish).
RUN_LOG_COLUMNS = {
    "started_at": "timestamp",
    "finished_at": "timestamp",
    "target": "text",
    "first_day": "date",
    "last_day": "date",
    "days": "integer",
    "records_read": "bigint",
    "records_staged": "bigint",
    "records_rejected": "bigint",
    "full_refresh": "boolean",
    "events_file": "text",
    "orgs_file": "text",
}

MARK_EVERY_DAY_PENDING = """
    insert into staging.load_day
    select distinct date from staging.event except select date from staging.load_day
"""

# A row when some staged day is not pending: then the build keeps that day's rows.
A_DAY_NOT_PENDING = """
    select date from staging.event
    where date not in (select date from staging.load_day)
    limit 1
"""


def create_statements(dialect: Dialect) -> list[str]:
    """The schema and tables of staging, created where missing."""
    return [
        "create schema if not exists staging",
        *(
            dialect.create_table(table, columns, PARTITIONED_BY.get(table))
            for table, columns in TABLES.items()
        ),
    ]


def source_file(path: Path) -> str:
    """How staging.rejected names an input file: its absolute path."""
    return str(path.resolve())


def day_literals(batch: Batch) -> str:
    """The run's days as a list of SQL date literals, for `date in (...)`."""
    return ", ".join(f"date '{day.isoformat()}'" for day in batch.days) or "null"


def replaced_rejections(dialect: Dialect, batch: Batch) -> str:
    """The rows of staging.rejected this run produces again: a predicate (never null)."""
    events_file = dialect.quote(source_file(batch.events.path))
    orgs_file = dialect.quote(source_file(batch.organizations.path))
    return (
        f"source_file = {orgs_file} or (source_file = {events_file} "
        f"and (date is null or date in ({day_literals(batch)})))"
    )


def delete_replaced_rejections(dialect: Dialect, batch: Batch) -> str:
    """The statement deleting the rows of staging.rejected this run produces again."""
    return f"delete from staging.rejected where {replaced_rejections(dialect, batch)}"


def add_pending_days(batch: Batch) -> str:
    """The statement adding the run's days to staging.load_day (each day once)."""
    days = ", ".join(f"(date '{day.isoformat()}')" for day in batch.days)
    return (
        f"insert into staging.load_day select date from (values {days}) as run_day (date) "
        "except select date from staging.load_day"
    )
