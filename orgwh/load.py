"""Read the two JSON exports with DuckDB and validate every record.

The files are read once, by DuckDB, into temporary tables of the connection
(`event_batch` every event with its UTC day, `organization_batch` every
organization): one row per record with its position, its text and, when it
cannot be interpreted, the reason; a run takes the events of its days. The
writers in `staging.py` copy from these tables into a target.
"""

from __future__ import annotations

import contextlib
import gzip
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from .config import DaySelection
from .errors import InputError

# Large enough for any sensible record; DuckDB's readers refuse larger ones,
# which then fails the file as a whole rather than a record silently.
MAX_RECORD_BYTES = 64 * 1024 * 1024

EVENT_TYPES = ("User Created", "User Updated", "User Deleted")
ATTRIBUTES = ("username", "user_email", "user_type", "organization_name", "plan_name")

# SPEC 1's timestamp grammar (the same as macros/parse_utc_timestamp.sql).
TIMESTAMP_SHAPE = (
    "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    "([.][0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?"
)

# The grammar as a DuckDB macro: the UTC instant, or null when unparseable.
_TIMESTAMP_MACRO = f"""
create or replace temp macro orgwh_utc_timestamp(s) as (
    case when regexp_full_match(s, '{TIMESTAMP_SHAPE}')
        and substr(s, 1, 4) <> '0000'
        and try_cast(substr(s, 1, 10) as date) is not null
    then cast(substr(s, 1, 10) || ' ' || substr(s, 12, 8) || regexp_extract(s, '[.][0-9]+')
              as timestamp)
        - to_minutes(
            case when regexp_matches(s, '[+-][0-9]{{2}}:[0-9]{{2}}$')
                then (case when substr(s, -6, 1) = '-' then -1 else 1 end)
                    * (cast(substr(s, -5, 2) as integer) * 60 + cast(substr(s, -2, 2) as integer))
                else 0
            end)
    end
)
"""

_EVENT_FIELDS = ("id", "event_type", *ATTRIBUTES, "received_at")

_AS_JSON = ", ".join(f'"{name}": "JSON"' for name in _EVENT_FIELDS)


def _is_string(json_value: str) -> str:
    return f"left({json_value}, 1) = '\"'"


# json_transform gives SQL null for a key that is missing and for JSON null.
_ATTRIBUTE_TYPE_CHECKS = "\n".join(
    f"when field.{name} is not null and not {_is_string(f'field.{name}')} then 'wrong type: {name}'"
    for name in ATTRIBUTES
)

# Every record, each with the UTC day of its received_at when it has a
# readable one, and the first reason that applies, or none. Each record goes
# through DuckDB's JSON parser twice: once to check it is JSON, once to split
# it into fields. A run stages the records of its days and rejects those and
# the undated ones; the others only tell which days the file holds.
_EVENT_BATCH = f"""
create or replace temp table event_batch as
with records as (
    select line_number, raw, try_cast(raw as json) as record
    from raw_event_records
),
objects as (
    select
        *,
        case when regexp_matches(raw, '^\\s*\\{{') then json_transform(record, '{{{_AS_JSON}}}') end
            as field
    from records
),
fields as (
    select
        *,
        field.id ->> '$' as user_id,
        field.event_type ->> '$' as event_type,
        orgwh_utc_timestamp(
            case when {_is_string("field.received_at")} then field.received_at ->> '$' end
        ) as received_at
    from objects
),
judged as (
    select
        line_number,
        raw,
        record,
        received_at,
        case
            when record is null then 'not valid JSON'
            when field is null then 'not a JSON object'
            when field.id is null then 'missing or empty id'
            when not {_is_string("field.id")} then 'wrong type: id'
            when user_id = '' then 'missing or empty id'
            when field.event_type is not null and not {_is_string("field.event_type")}
                then 'wrong type: event_type'
            when event_type is null or event_type not in {EVENT_TYPES!r}
                then 'event_type not one of {", ".join(EVENT_TYPES)}'
            {_ATTRIBUTE_TYPE_CHECKS}
            when received_at is null then 'received_at missing or unparseable'
        end as reason
    from fields
)
-- valid records keep their parsed JSON (the text as read), rejected ones their raw text
select
    line_number,
    case when reason is null then record end as record,
    case when reason is not null then raw end as raw,
    reason,
    cast(received_at as date) as date
from judged
"""

_ORGANIZATION_BATCH = """
create or replace temp table organization_batch as
with records as (
    select line_number, raw, json_valid(raw) as is_json from raw_organization_records
)
select
    line_number,
    raw,
    case
        when not is_json then 'not valid JSON'
        when not regexp_matches(raw, '^\\s*\\{') then 'not a JSON object'
        when json_type(raw, '$.organization_key') is distinct from 'VARCHAR'
            then 'organization_key missing or not a string'
    end as reason
from records
"""


@dataclass
class FileCounts:
    """What one input file held: records read, staged and rejected (by reason)."""

    path: Path
    read: int = 0
    staged: int = 0
    rejected: Counter[str] = field(default_factory=Counter)


@dataclass
class Batch:
    """The validated contents of one run's input files, held in DuckDB temp tables."""

    events: FileCounts
    organizations: FileCounts
    days: list[date]


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(2) == b"\x1f\x8b"


def _first_character(path: Path, compressed: bool) -> str:
    """The first non-blank character of a file, or '' when it has none."""
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as file:
            while chunk := file.read(64 * 1024):
                stripped = chunk.lstrip()
                if stripped:
                    return chr(stripped[0])
    except (OSError, EOFError) as error:
        raise InputError(f"{path}: cannot be read ({error})") from None
    return ""


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    try:
        path.open("rb").close()
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None


@dataclass(frozen=True)
class InputLayout:
    """How an input file is laid out (SPEC 1), as every reader needs to know it."""

    compressed: bool
    is_array: bool


def input_layout(path: Path) -> InputLayout:
    """Check that `path` is a readable file; tell gzip, and JSON array from NDJSON.

    Raises InputError naming the file when it is missing or unreadable.
    """
    _check_readable(path)
    compressed = _is_gzip(path)
    return InputLayout(compressed, _first_character(path, compressed) == "[")


def _read_records(con: duckdb.DuckDBPyConnection, path: Path, into: str) -> None:
    """Fill temp table `into` with (line_number, raw) for each record of `path`."""
    layout = input_layout(path)
    compression = "gzip" if layout.compressed else "none"
    parameters = {"path": str(path)}
    if layout.is_array:
        source = f"""
            select ordinality as line_number, json as raw
            from read_json_objects($path, format = 'array', compression = '{compression}',
                                   maximum_object_size = {MAX_RECORD_BYTES}) with ordinality
        """
    else:
        # One value per line, read as text so that a malformed line can be
        # rejected by itself. The column delimiter \x01 never occurs in JSON
        # text; strict mode fails the file rather than split a line holding
        # one. Lines end with \n or \r\n; blank lines come through as null
        # and keep the numbering.
        parameters["delimiter"] = "\x01"
        source = f"""
            select ordinality as line_number, line as raw
            from read_csv($path, columns = {{'line': 'VARCHAR'}}, header = false,
                          delim = $delimiter, quote = '', escape = '',
                          auto_detect = false, strict_mode = true,
                          compression = '{compression}',
                          max_line_size = {MAX_RECORD_BYTES},
                          buffer_size = {2 * MAX_RECORD_BYTES}) with ordinality
        """
    try:
        con.execute(
            f"""
            create or replace temp table {into} as
            select line_number, cast(raw as varchar) as raw from ({source})
            where raw is not null and not regexp_full_match(raw, '\\s*')
            """,
            parameters,
        )
    except duckdb.Error as error:
        raise InputError(f"{path}: {_describe(error)}") from None


def _describe(error: duckdb.Error) -> str:
    """DuckDB's complaint about a file, in a few words and without the path."""
    message = str(error)
    if "unicode" in message.lower() or "utf-8" in message.lower():
        return "not UTF-8 text"
    if split_line := re.search(r"CSV Error on Line: (\d+)", message):
        return f"line {split_line[1]} holds a control character (U+0001), so it is not JSON"
    if "state machine reached an invalid state" in message:
        return "a line holds a stray carriage return or control character, so it is not JSON"
    first_line = re.sub(r' in file "[^"]*"', "", message.splitlines()[0])
    detail = first_line.split(": ", 1)[-1].rstrip(". ")
    return f"not a readable JSON file ({detail[0].lower()}{detail[1:]})"


def _check_some_json(con: duckdb.DuckDBPyConnection, invalid_json: str, path: Path) -> None:
    """A file none of whose lines is JSON is not an export with bad lines: refuse it."""
    records, invalid = con.execute(invalid_json).fetchone()
    if records and records == invalid:
        raise InputError(f"{path}: not JSON (no line of it is a JSON value)")


def read_inputs(
    con: duckdb.DuckDBPyConnection, events: Path, orgs: Path, selection: DaySelection
) -> Batch:
    """Read and validate both files into temp tables of `con`; count what they hold.

    Raises InputError, naming the file, when a file is unreadable as a whole.
    Leaves temp tables `event_batch` (every event, with its day),
    `organization_batch` and `run_day` (the days the run loads).
    """
    # orgwh reports progress itself; in Jupyter without ipywidgets DuckDB
    # refuses to touch the setting, which then does not matter either
    with contextlib.suppress(duckdb.Error):
        con.execute("set enable_progress_bar = false")
    con.execute(_TIMESTAMP_MACRO)
    _read_records(con, events, "raw_event_records")
    _read_records(con, orgs, "raw_organization_records")
    con.execute(_EVENT_BATCH)
    con.execute("drop table raw_event_records")
    con.execute(_ORGANIZATION_BATCH)
    _check_some_json(
        con,
        "select count(*), count(*) filter (where reason = 'not valid JSON') from event_batch",
        events,
    )
    _check_some_json(
        con,
        "select count(*), count(*) filter (where reason = 'not valid JSON') "
        "from organization_batch",
        orgs,
    )

    present = con.execute("select min(date), max(date) from event_batch").fetchone()
    if selection.is_everything:
        con.execute(
            "create or replace temp table run_day as "
            "select distinct date from event_batch where date is not null"
        )
    else:
        first, last = present if present[0] is not None else (selection.first, selection.last)
        days = selection.days(first or last, last or first)
        con.execute("create or replace temp table run_day (date date)")
        con.executemany("insert into run_day values (?)", [[day] for day in days])
    days = [row[0] for row in con.execute("select date from run_day order by date").fetchall()]

    return Batch(
        events=_count(
            con, "event_batch", events, "date is null or date in (select date from run_day)"
        ),
        organizations=_count(con, "organization_batch", orgs, "true"),
        days=days,
    )


def _count(con: duckdb.DuckDBPyConnection, table: str, path: Path, in_run: str) -> FileCounts:
    counts = FileCounts(path=path)
    rows = con.execute(
        f"select reason, count(*) from {table} where {in_run} group by reason"
    ).fetchall()
    for reason, number in rows:
        counts.read += number
        if reason is None:
            counts.staged += number
        else:
            counts.rejected[reason] = number
    return counts
