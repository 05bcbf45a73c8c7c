"""Bad input (SPEC 2): the same rejected rows, counts and file errors on every engine.

The tables below are the conformance table of orgwh/validation.py's rules:
each engine's reader must give every record the same line number, raw text
and reason, and refuse the same whole files with the same words.
"""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest
from conftest import GOOD_EVENT, event, write_records
from reference import utc_day

from orgwh.config import DaySelection
from orgwh.errors import InputError
from orgwh.pipeline import run

UNKNOWN_TYPE = "event_type not one of User Created, User Updated, User Deleted"
BAD_TIME = "received_at missing or unparseable"

# (line text, the reason staging.rejected must give, or None when it is staged)
LINES = [
    (json.dumps(GOOD_EVENT), None),
    ("", None),  # blank lines are ignored but keep the numbering
    ("{not json", "not valid JSON"),
    ('"a string"', "not a JSON object"),
    ("[1, 2]", "not a JSON object"),
    (json.dumps(event(id=None)), "missing or empty id"),
    (json.dumps({k: v for k, v in GOOD_EVENT.items() if k != "id"}), "missing or empty id"),
    (json.dumps(event(id="")), "missing or empty id"),
    (json.dumps(event(id=42)), "wrong type: id"),
    (json.dumps(event(event_type="User Renamed")), UNKNOWN_TYPE),
    (json.dumps(event(event_type=1)), "wrong type: event_type"),
    (json.dumps(event(username=["ann"])), "wrong type: username"),
    (json.dumps(event(plan_name={"tier": 1})), "wrong type: plan_name"),
    (json.dumps(event(organization_name=7)), "wrong type: organization_name"),
    (json.dumps(event(received_at=None)), BAD_TIME),
    (json.dumps(event(received_at="2020-12-05")), BAD_TIME),
    (json.dumps(event(received_at="2021-02-30 10:00:00")), BAD_TIME),
    (json.dumps(event(received_at="2020-12-05 10:00:00.1234567")), BAD_TIME),
    (json.dumps(event(received_at="2020-12-05 24:00:00")), BAD_TIME),
    (json.dumps(event(received_at=1607162400)), BAD_TIME),
    (json.dumps(event(id="1" * 32, received_at="2020-12-06T01:00:00+02:00")), None),
    (json.dumps(event(id="2" * 32, received_at="2020-12-06 12:00:00.5Z", extra=[1])), None),
    ('{"id": "a\x01b", "event_type": "User Created"}', "not valid JSON"),  # a raw control character
    (json.dumps(GOOD_EVENT) + "\r" + json.dumps(GOOD_EVENT), "not valid JSON"),  # a carriage return inside a line
]  # fmt: skip


# An array whose elements keep their own spacing: raw is the text as read.
ORGANIZATIONS = [
    '{"organization_key": "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",   "organization_name": "Acme"}',
    '{"organization_key" : 5}',
    "3",
    '{"organization_key": null,\n  "organization_name": "Nobody"}',
]


@pytest.fixture
def inputs(tmp_path):
    events = tmp_path / "events.ndjson"
    events.write_text("\n".join(text for text, _ in LINES) + "\n")
    orgs = tmp_path / "orgs.json"
    orgs.write_text("[\n" + ",\n".join(ORGANIZATIONS) + "\n]\n")
    return events, orgs


def utc_day_of(text: str) -> date | None:
    """The UTC day of a line's received_at, when the line is an object with a readable one."""
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return utc_day(record)


def rejected_rows(warehouse) -> list[tuple]:
    rows = warehouse.tables(["staging.rejected"])["staging.rejected"]
    return sorted(rows, key=lambda row: (row[1], row[2]))


def test_every_bad_line_is_rejected_with_its_line_number_and_reason(any_warehouse, inputs):
    warehouse = any_warehouse
    events, orgs = inputs
    report = run(warehouse.settings(events, orgs))

    expected = [
        (utc_day_of(text), str(events.resolve()), number, reason, text)
        for number, (text, reason) in enumerate(LINES, 1)
        if reason
    ] + [
        (
            None,
            str(orgs.resolve()),
            2,
            "organization_key missing or not a string",
            ORGANIZATIONS[1],
        ),
        (None, str(orgs.resolve()), 3, "not a JSON object", ORGANIZATIONS[2]),
        (
            None,
            str(orgs.resolve()),
            4,
            "organization_key missing or not a string",
            ORGANIZATIONS[3],
        ),
    ]
    assert rejected_rows(warehouse) == sorted(expected, key=lambda row: (row[1], row[2]))
    assert len(warehouse.tables(["staging.event"])["staging.event"]) == 3
    assert report.events.read == report.events.staged + report.events.rejected.total() == 23
    assert (report.organizations.read, report.organizations.staged) == (4, 1)
    staged = warehouse.tables(["staging.organization"])["staging.organization"]
    assert [json_content for _date, json_content in staged] == [ORGANIZATIONS[0]]


def test_a_rerun_replaces_the_rejected_rows_instead_of_adding_them(warehouse, inputs):
    events, orgs = inputs
    run(warehouse.settings(events, orgs))
    first = rejected_rows(warehouse)
    run(warehouse.settings(events, orgs))
    day = date(2020, 12, 5)
    run(warehouse.settings(events, orgs), DaySelection(day, day))
    assert rejected_rows(warehouse) == first


def test_a_run_of_one_day_counts_that_day_and_the_undated_records(warehouse, inputs):
    events, orgs = inputs
    day = date(2020, 12, 6)
    report = run(warehouse.settings(events, orgs), DaySelection(day, day))
    dated_elsewhere = [row for row in rejected_rows(warehouse) if row[0] is not None]
    assert dated_elsewhere == []
    # "2020-12-06T01:00:00+02:00" is still the 5th in UTC
    assert report.events.staged == 1
    undated = sum(1 for text, reason in LINES if reason and utc_day_of(text) is None)
    assert report.events.rejected.total() == undated
    assert report.events.read == report.events.staged + undated


@pytest.mark.parametrize("layout", ["array", "ndjson", "array.gz", "ndjson.gz"])
def test_every_layout_stages_the_same_records(warehouse, tmp_path, layout):
    records = [GOOD_EVENT, event(id="1" * 32), GOOD_EVENT]
    text = (
        json.dumps(records, indent=2)
        if layout.startswith("array")
        else "\n\n".join(json.dumps(r) for r in records)
    )
    events = tmp_path / f"events.{layout}"
    events.write_bytes(gzip.compress(text.encode()) if layout.endswith(".gz") else text.encode())
    orgs = write_records(tmp_path / "orgs.json", [])
    report = run(warehouse.settings(events, orgs))
    assert (report.events.read, report.events.staged) == (3, 3)
    assert len(warehouse.tables(["historical.user_event"])["historical.user_event"]) == 2


# Files no engine may load at all: (name, bytes, the error after "<path>: ").
# A malformed array's detail is the reader's own: DuckDB's, or Python's on Spark.
BAD_FILES = [
    ("latin1.ndjson", '{"id": "é"}\n'.encode("latin-1"), {"": "not UTF-8 text"}),
    ("latin1.json", '[{"id": "é"}]'.encode("latin-1"), {"": "not UTF-8 text"}),
    ("no-json.ndjson", b"id,event_type\nu1,User Created\n", {"": "not JSON (no line of it is a JSON value)"}),
    ("truncated.json", b'[{"id": "a"},\n {"id": ', {
        "duckdb": "not a readable JSON file (malformed JSON at byte 8 in record/value 3: unexpected end of data)",
        "spark": "not a readable JSON file (malformed JSON at character 22: expecting value)",
    }),
    ("unclosed.json", b'[{"id": "a"}, {"id": "b"}', {
        "duckdb": "not a readable JSON file (malformed JSON at byte 12 in record/value 4: unexpected character)",
        "spark": "not a readable JSON file (malformed JSON at character 25: expecting ',' or ']')",
    }),
]  # fmt: skip


def test_a_file_unreadable_as_a_whole_is_named_and_changes_nothing(any_warehouse, tmp_path):
    """Every file of BAD_FILES against one built warehouse: one build per engine."""
    orgs = write_records(tmp_path / "orgs.json", [])
    good = write_records(tmp_path / "events.json", [GOOD_EVENT])
    run(any_warehouse.settings(good, orgs))
    before = any_warehouse.tables(["staging.event", "historical.user_event"])
    engine = "duckdb" if any_warehouse.target == "postgres" else any_warehouse.target

    failures = {}
    for name, content, messages in BAD_FILES:
        broken = tmp_path / name
        broken.write_bytes(content)
        with pytest.raises(InputError) as failure:
            run(any_warehouse.settings(broken, orgs))
        failures[str(failure.value)] = f"{broken}: {messages.get(engine, messages.get(''))}"
    assert list(failures) == list(failures.values())
    assert any_warehouse.tables(["staging.event", "historical.user_event"]) == before
