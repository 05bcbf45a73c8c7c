"""One run of orgwh, the same sequence on every target: read, stage, build, record, commit."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from . import staging, targets, transform
from .config import DaySelection, Settings
from .layers import TABLES
from .progress import Progress
from .validation import Batch, FileCounts


@dataclass
class RunReport:
    """What a run did: the days it loaded, what it read, and the rows per table."""

    target: str
    days: list[date]
    events: FileCounts
    organizations: FileCounts
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def utc_now() -> datetime:
    """The current UTC time as a naive timestamp, as the warehouse stores instants."""
    return datetime.now(UTC).replace(tzinfo=None)


def _run_log_row(
    target: str, batch: Batch, full_refresh: bool, started_at: datetime
) -> dict[str, Any]:
    """staging.run_log's row for a run that built: when, where, which days, what it read."""
    files = (batch.events, batch.organizations)
    row = {
        "started_at": started_at,
        "finished_at": utc_now(),
        "target": target,
        "first_day": batch.days[0] if batch.days else None,
        "last_day": batch.days[-1] if batch.days else None,
        "days": len(batch.days),
        "records_read": sum(counts.read for counts in files),
        "records_staged": sum(counts.staged for counts in files),
        "records_rejected": sum(counts.rejected.total() for counts in files),
        "full_refresh": full_refresh,
        "events_file": staging.source_file(batch.events.path),
        "orgs_file": staging.source_file(batch.organizations.path),
    }
    return row


def run(
    settings: Settings,
    selection: DaySelection | None = None,
    full_refresh: bool = False,
    on_progress: Progress | None = None,
) -> RunReport:
    """Load the events of the selected days and the organizations, then build every layer.

    Raises an OrgwhError subclass on bad input, a locked warehouse, an
    unreachable server, a model that fails or a failed data test; in each
    case the warehouse keeps the state of the last successful run (on Spark:
    the failed run's days stay pending and the next run builds them).
    """
    started, started_at = time.monotonic(), utc_now()
    progress = on_progress or (lambda _message: None)
    target = targets.get(settings)
    transform.start_importing_dbt()
    progress(f"opening the {target.name} warehouse")
    with target.begin_run() as workspace:
        progress("reading the input files")
        batch = workspace.read(settings.events, settings.orgs, selection or DaySelection())
        progress("staging")
        workspace.stage(batch, loaded_on=started_at.date())
        if full_refresh:
            workspace.mark_every_day_pending()
        progress("starting dbt")
        workspace.build(full_refresh, on_progress)
        progress("recording the run")
        workspace.finish(_run_log_row(target.name, batch, full_refresh, started_at))
        rows = workspace.count_rows(TABLES)
        progress("committing")
    return RunReport(
        target=target.name,
        days=batch.days,
        events=batch.events,
        organizations=batch.organizations,
        rows=rows,
        seconds=time.monotonic() - started,
    )
