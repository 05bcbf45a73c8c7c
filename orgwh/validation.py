"""SPEC 1 and 2's rules for input records, written once for every reader.

A reader (DuckDB's or Spark's, in orgwh/readers/) reads a file into
rows of (line_number, raw): the line of a newline-delimited file, or the
1-based position of an element of a JSON array; blank lines are not records
but keep the numbering. It parses each record its own way into the few
columns described by field_columns(), then judges it with the SQL built
here, so that every engine gives the same reason, in the same order of
precedence, for the same record. The
reasons, the timestamp grammar and what a run counts as read are defined here
and nowhere else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .config import DaySelection
from .errors import InputError
from .project import UTC_TIMESTAMP_PATTERN

EVENT_TYPES = ("User Created", "User Updated", "User Deleted")
ATTRIBUTES = ("username", "user_email", "user_type", "organization_name", "plan_name")
EVENT_FIELDS = ("id", "event_type", *ATTRIBUTES, "received_at")

NOT_JSON = "not valid JSON"
NOT_AN_OBJECT = "not a JSON object"
MISSING_ID = "missing or empty id"
UNKNOWN_EVENT_TYPE = f"event_type not one of {', '.join(EVENT_TYPES)}"
BAD_RECEIVED_AT = "received_at missing or unparseable"
BAD_ORGANIZATION_KEY = "organization_key missing or not a string"


def wrong_type(name: str) -> str:
    """The reason for a field holding a number, list or object where SPEC 1 wants a string."""
    return f"wrong type: {name}"


def field_columns(names: Sequence[str], kind: str, text: str) -> str:
    """The select list of the columns every judged row carries for each field.

    `kind` and `text` are an engine's SQL for one field, `{name}` standing for
    it: `<field>_kind` is 'string' for a JSON string, 'other' for a number,
    list, object or boolean, and null when the field is missing or JSON null;
    `<field>_text` is the string's value (read only where the kind is 'string').
    """
    columns = []
    for name in names:
        columns.append(f"{kind.replace('{name}', name)} as {name}_kind")
        columns.append(f"{text.replace('{name}', name)} as {name}_text")
    return ",\n".join(columns)


def _zone_length(text: str) -> str:
    """The length of a grammatical timestamp's zone: 1 for `Z`, 6 for an offset, else 0."""
    return (
        f"(case when {text} like '%Z' then 1 "
        f"when substr({text}, length({text}) - 5, 1) in ('+', '-') then 6 else 0 end)"
    )


def _minutes_to_utc(text: str) -> str:
    """The minutes to add to a grammatical timestamp's local time to reach UTC."""
    return f"""(case when {_zone_length(text)} = 6
        then (case when substr({text}, length({text}) - 5, 1) = '-' then 1 else -1 end)
            * (cast(substr({text}, length({text}) - 4, 2) as integer) * 60
               + cast(substr({text}, length({text}) - 1, 2) as integer))
        else 0 end)"""


def utc_instant(text: str, full_match: str) -> str:
    """SPEC 1's timestamp grammar: the UTC instant `text` names, or null.

    The pattern (dbt_project.yml's `utc_timestamp_pattern`, which the models'
    parse_utc_timestamp macro uses too) fixes the shape; casting the local
    time then refuses days that do not exist, such as 02-30. `full_match` is
    the engine's SQL for "the whole of {text} matches {pattern}". `text`
    should be a column: it is read many times. A timestamp is one without
    time zone (on Spark, the session's default type).
    """
    matches = full_match.replace("{text}", text).replace("{pattern}", UTC_TIMESTAMP_PATTERN)
    local_time = (
        f"substr({text}, 1, 10) || ' ' || substr({text}, 12, length({text}) - 11 - "
        f"{_zone_length(text)})"
    )
    return f"""(case when {matches} and substr({text}, 1, 4) <> '0000'
        then try_cast({local_time} as timestamp) + interval '1' minute * {_minutes_to_utc(text)}
    end)"""


def _wrong_kind(name: str) -> str:
    return f"when {name}_kind = 'other' then '{wrong_type(name)}'"


def event_reason(received_at: str) -> str:
    """Why an event record is rejected, the first reason that applies; null when it is not.

    Over a row with `is_json`, `is_object` and field_columns() of EVENT_FIELDS;
    `received_at` is the record's instant as utc_instant() reads it.
    """
    event_types = ", ".join(f"'{name}'" for name in EVENT_TYPES)
    return f"""case
        when not is_json then '{NOT_JSON}'
        when not is_object then '{NOT_AN_OBJECT}'
        when id_kind is null then '{MISSING_ID}'
        {_wrong_kind("id")}
        when id_text = '' then '{MISSING_ID}'
        {_wrong_kind("event_type")}
        when event_type_kind is null or event_type_text not in ({event_types})
            then '{UNKNOWN_EVENT_TYPE}'
        {" ".join(_wrong_kind(name) for name in ATTRIBUTES)}
        when {received_at} is null then '{BAD_RECEIVED_AT}'
    end"""


def organization_reason() -> str:
    """Why an organization record is rejected; null when it is not.

    Over a row with `is_json`, `is_object` and field_columns() of
    organization_key. A created_at that does not parse is not a reason: it
    becomes null (SPEC 1).
    """
    return f"""case
        when not is_json then '{NOT_JSON}'
        when not is_object then '{NOT_AN_OBJECT}'
        when organization_key_kind is distinct from 'string' then '{BAD_ORGANIZATION_KEY}'
    end"""


@dataclass
class FileCounts:
    """What one input file held: records read, staged and rejected (by reason)."""

    path: Path
    read: int = 0
    staged: int = 0
    rejected: Counter[str] = field(default_factory=Counter)


@dataclass
class Batch:
    """One run's validated input: what each file held, and the days the run loads.

    The records themselves stay with the reader (temp tables, data frames)
    until the target stages them.
    """

    events: FileCounts
    organizations: FileCounts
    days: list[date]


Judged = list[tuple[str | None, date | None, int]]


def _count(path: Path, judged: Judged, days: Collection[date] | None = None) -> FileCounts:
    """Records read, staged and rejected; with `days`, of those days and the undated ones."""
    counts = FileCounts(path=path)
    for reason, day, records in judged:
        if days is not None and day is not None and day not in days:
            continue
        counts.read += records
        if reason is None:
            counts.staged += records
        else:
            counts.rejected[reason] += records
    return counts


def _require_some_json(path: Path, judged: Judged) -> None:
    """A file none of whose records is JSON is not an export with bad lines: refuse it."""
    records = sum(number for _reason, _day, number in judged)
    if records and records == sum(number for reason, _, number in judged if reason == NOT_JSON):
        raise InputError(f"{path}: not JSON (no line of it is a JSON value)")


def judge_batch(
    events: Path,
    judged_events: Judged,
    orgs: Path,
    judged_organizations: Judged,
    selection: DaySelection,
) -> Batch:
    """A run's Batch from each file's (reason, day, records) groups, as a reader counted them.

    The run loads the selected days (every day present without a selection)
    and counts, in the events file, the records of its days and the undated
    ones (SPEC 2: read = staged + rejected). Raises InputError for a file
    none of whose records is JSON.
    """
    _require_some_json(events, judged_events)
    _require_some_json(orgs, judged_organizations)
    days = selection.days(sorted({day for _reason, day, _n in judged_events if day is not None}))
    return Batch(
        events=_count(events, judged_events, days),
        organizations=_count(orgs, judged_organizations),
        days=days,
    )
