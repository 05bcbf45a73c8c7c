"""staging.run_log: one row per successful run, written inside the run itself.

The row is written in the same atomic step as the run's other changes (into
the DuckDB copy before it replaces the warehouse; on Postgres together with
clearing staging.load_day). A failed run changes nothing, by design, so it
leaves no row: its error is what the command printed and its exit status.
Spark has no transactions: there the row is the run's last write, after
staging.load_day is cleared, so a run that fails leaves no row there either.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .load import Batch

COLUMNS = (
    "started_at",
    "finished_at",
    "target",
    "first_day",
    "last_day",
    "days",
    "records_read",
    "records_staged",
    "records_rejected",
    "full_refresh",
    "events_file",
    "orgs_file",
)

DDL = """
create table if not exists staging.run_log (
    started_at timestamp,
    finished_at timestamp,
    target varchar,
    first_day date,
    last_day date,
    days integer,
    records_read bigint,
    records_staged bigint,
    records_rejected bigint,
    full_refresh boolean,
    events_file varchar,
    orgs_file varchar
)
"""


# Spark: `string` (a varchar needs a length there) and parquet, as spark.py's staging.
SPARK_DDL = DDL.replace("varchar", "string") + "using parquet\n"


def utc_now() -> datetime:
    """The current UTC time as a naive timestamp, as the warehouse stores instants."""
    return datetime.now(UTC).replace(tzinfo=None)


def record(connection, target: str, batch: Batch, full_refresh: bool, started_at: datetime) -> None:
    """Append the run's row to staging.run_log (a DuckDB, psycopg or orgwh.spark connection)."""
    placeholder = "%s" if target == "postgres" else "?"
    files = (batch.events, batch.organizations)
    values = (
        started_at,
        utc_now(),
        target,
        batch.days[0] if batch.days else None,
        batch.days[-1] if batch.days else None,
        len(batch.days),
        sum(counts.read for counts in files),
        sum(counts.staged for counts in files),
        sum(counts.rejected.total() for counts in files),
        full_refresh,
        str(batch.events.path.resolve()),
        str(batch.organizations.path.resolve()),
    )
    connection.execute(SPARK_DDL if target == "spark" else DDL)
    connection.execute(
        f"insert into staging.run_log ({', '.join(COLUMNS)}) "
        f"values ({', '.join([placeholder] * len(COLUMNS))})",
        values,
    )
