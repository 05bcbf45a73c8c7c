"""What a warehouse holds: its days, rows per layer, rejected records and last runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from . import targets
from .config import Settings
from .errors import NoWarehouse
from .layers import TABLES

# Read through the connection, whose placeholders differ per engine: no parameters.
_EVENTS_PER_DAY = "select date, count(*) from staging.event group by date order by date"
_REJECTED_BY_REASON = """
    select reason, count(*) from staging.rejected group by reason order by count(*) desc, reason
"""
_LAST_RUNS = """
    select started_at, finished_at, target, first_day, last_day, days,
           records_read, records_staged, records_rejected, full_refresh
    from staging.run_log order by started_at desc limit {limit}
"""


@dataclass(frozen=True)
class RunEntry:
    """One row of staging.run_log: a successful run."""

    started_at: datetime
    finished_at: datetime
    target: str
    first_day: date | None
    last_day: date | None
    days: int
    records_read: int
    records_staged: int
    records_rejected: int
    full_refresh: bool


@dataclass(frozen=True)
class DayRange:
    """Consecutive loaded days and the staged events they hold."""

    first: date
    last: date
    events: int

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class WarehouseStatus:
    """A warehouse at a glance, as `orgwh status` shows it."""

    target: str
    events_per_day: list[tuple[date, int]]
    rows: dict[str, int]
    rejected: list[tuple[str, int]]
    runs: list[RunEntry]

    @property
    def day_ranges(self) -> list[DayRange]:
        """The loaded days as runs of consecutive days (gaps split them)."""
        ranges: list[DayRange] = []
        for day, events in self.events_per_day:
            if ranges and ranges[-1].last + timedelta(days=1) == day:
                previous = ranges.pop()
                ranges.append(DayRange(previous.first, day, previous.events + events))
            else:
                ranges.append(DayRange(day, day, events))
        return ranges


def _rows(connection, sql: str) -> list[tuple]:
    return [tuple(row) for row in connection.execute(sql).fetchall()]


def read_status(settings: Settings, runs: int = 5) -> WarehouseStatus:
    """Read the status of the warehouse `settings` point at, read-only.

    Raises NoWarehouse when nothing has been loaded there yet.
    """
    target = targets.get(settings)
    with target.connect() as connection:
        existing = target.existing_tables(connection)
        if "staging.event" not in existing:
            raise NoWarehouse(f"nothing loaded in {target.location} yet; build it with `orgwh run`")
        rows = {
            table: _rows(connection, f"select count(*) from {table}")[0][0]
            for table in TABLES
            if table in existing
        }
        last_runs = (
            _rows(connection, _LAST_RUNS.format(limit=int(runs)))
            if "staging.run_log" in existing
            else []
        )
        return WarehouseStatus(
            target=target.name,
            events_per_day=_rows(connection, _EVENTS_PER_DAY),
            rows=rows,
            rejected=_rows(connection, _REJECTED_BY_REASON),
            runs=[RunEntry(*run) for run in last_runs],
        )
