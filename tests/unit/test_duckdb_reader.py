"""The DuckDB reader's judgement of each record (SPEC 2), on a connection of its own: no build."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from conftest import event, write_records

from orgwh.config import DaySelection
from orgwh.readers.duckdb import read_inputs

ORGS = [{"organization_key": "k1", "organization_name": "Acme", "created_at": "2020-01-01"}]

# (the record as a line of NDJSON, the day SPEC 1 gives it, the reason SPEC 2 gives)
LINES = [
    ('{"id": "a", "event_type": "User Created", "received_at": "2020-12-05 10:00:00"}', date(2020, 12, 5), None),
    ('{"id": "a", "event_type": "User Updated", "received_at": "2020-12-05T23:30:00-01:00"}', date(2020, 12, 6), None),
    ('{"id": "a", "event_type": "User Deleted", "received_at": "2020-12-06 00:30:00+02:00"}', date(2020, 12, 5), None),
    ('{"id": "", "event_type": "User Created", "received_at": "2020-12-05 10:00:00"}', date(2020, 12, 5), "missing or empty id"),
    ('{"event_type": "User Created", "received_at": "2020-12-05 10:00:00"}', date(2020, 12, 5), "missing or empty id"),
    ('{"id": 7, "event_type": "User Created", "received_at": "2020-12-05 10:00:00"}', date(2020, 12, 5), "wrong type: id"),
    ('{"id": "a", "event_type": "User Renamed", "received_at": "2020-12-05 10:00:00"}', date(2020, 12, 5), "event_type not one of User Created, User Updated, User Deleted"),
    ('{"id": "a", "event_type": "User Created", "username": ["x"], "received_at": "2020-12-05 10:00:00"}', date(2020, 12, 5), "wrong type: username"),
    ('{"id": "a", "event_type": "User Created", "received_at": "2020-02-30 10:00:00"}', None, "received_at missing or unparseable"),
    ('{"id": "a", "event_type": "User Created"}', None, "received_at missing or unparseable"),
    ("[1, 2]", None, "not a JSON object"),
    ('{"id": "a", ', None, "not valid JSON"),
]  # fmt: skip


@pytest.fixture
def judged(tmp_path):
    """Read LINES and ORGS; the event batch's (line, day, reason) and the batch's counts."""
    events = tmp_path / "events.ndjson"
    events.write_text("".join(line + "\n" for line, _, _ in LINES))
    orgs = write_records(tmp_path / "orgs.json", ORGS)
    with duckdb.connect() as con:
        batch = read_inputs(con, events, orgs, DaySelection())
        rows = con.execute(
            "select line_number, date, reason from event_batch order by line_number"
        ).fetchall()
    return rows, batch


def test_each_line_gets_its_utc_day_and_its_first_reason(judged):
    rows, _ = judged
    assert rows == [(number, day, reason) for number, (_, day, reason) in enumerate(LINES, 1)]


def test_the_batch_counts_what_was_read_staged_and_rejected_by_reason(judged):
    _, batch = judged
    assert (batch.events.read, batch.events.staged) == (len(LINES), 3)
    assert sum(batch.events.rejected.values()) == len(LINES) - 3
    assert batch.events.rejected["missing or empty id"] == 2
    assert batch.days == [date(2020, 12, 5), date(2020, 12, 6)]
    assert (batch.organizations.read, batch.organizations.staged) == (1, 1)


def test_a_day_selection_counts_and_stages_only_its_days(tmp_path):
    records = [event(received_at="2020-12-05 10:00:00"), event(received_at="2020-12-06 10:00:00")]
    events = write_records(tmp_path / "events.json", records)
    orgs = write_records(tmp_path / "orgs.json", ORGS)
    with duckdb.connect() as con:
        batch = read_inputs(con, events, orgs, DaySelection.from_options("2020-12-06"))
    assert (batch.events.read, batch.events.staged, batch.days) == (1, 1, [date(2020, 12, 6)])
