"""DuckDB's reader: read the two JSON exports and judge every record (validation.py's rules).

The DuckDB and Postgres targets both read their input this way. The files are
read once, into temporary tables of a DuckDB connection: `event_batch` (every
event with its UTC day and its reason, null when it is valid),
`organization_batch`, and `run_day` (the days the run loads). The queries
below select from them what each staging table receives.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb

from ..config import DaySelection, Settings
from ..errors import InputError, OutOfMemory
from ..validation import (
    EVENT_FIELDS,
    Batch,
    event_reason,
    field_columns,
    judge_batch,
    organization_reason,
    utc_instant,
)
from .files import BLANK, MAX_RECORD_BYTES, input_layout, not_json_file, not_utf8

# What each staging table receives from a batch; `$events_file` and
# `$orgs_file` name the files in staging.rejected, `$loaded_on` is the
# run's day for staging.organization.
STAGED_EVENTS = """
    select date, record from event_batch
    where reason is null and date in (select date from run_day)
"""
STAGED_ORGANIZATIONS = """
    select cast($loaded_on as date), raw from organization_batch
    where reason is null order by line_number
"""
REJECTED = """
    select date, $events_file, line_number, reason, raw from event_batch
    where reason is not null and (date is null or date in (select date from run_day))
    union all
    select null, $orgs_file, line_number, reason, raw from organization_batch
    where reason is not null
"""


_STRUCT = ", ".join(f'"{name}": "JSON"' for name in EVENT_FIELDS)

# A field of json_transform's struct (`field`) is SQL null for a missing key
# and for JSON null alike; a JSON string is a value whose text starts with a quote.
_FIELD_KIND = (
    "case when left(field.{name}, 1) = '\"' then 'string' "
    "when field.{name} is not null then 'other' end"
)
_FIELD_TEXT = "field.{name} ->> '$'"
FULL_MATCH = "regexp_full_match({text}, '{pattern}')"
# The same of an organization's key, asked of its parsed text (`record`).
_KEY_KIND = (
    "case when json_type(record, '$.{name}') = 'VARCHAR' then 'string' "
    "when json_type(record, '$.{name}') <> 'NULL' then 'other' end"
)

# Each record of temp table {records} parsed by DuckDB's JSON reader.
_PARSED = """
    select
        line_number,
        raw,
        record,
        record is not null as is_json,
        record is not null and regexp_matches(raw, '^\\s*\\{') as is_object
    from (select line_number, raw, try_cast(raw as json) as record from {records})
"""

# Every event, with the UTC day of its received_at when it has a readable one
# and its reason. Each record goes through DuckDB's JSON parser twice: once to
# check it is JSON, once to split it into fields.
_EVENT_BATCH = f"""
create or replace temp table event_batch as
with objects as (
    select
        *,
        case when is_object then json_transform(record, '{{{_STRUCT}}}') end as field
    from ({_PARSED.replace("{records}", "raw_event_records")})
),
fields as (
    select *, {field_columns(EVENT_FIELDS, _FIELD_KIND, _FIELD_TEXT)}
    from objects
),
instants as (
    select *, {utc_instant("received_at_text", FULL_MATCH)} as received_at
    from fields
),
judged as (
    select *, {event_reason("received_at")} as reason
    from instants
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

_ORGANIZATION_BATCH = f"""
create or replace temp table organization_batch as
select line_number, raw, {organization_reason()} as reason, cast(null as date) as date
from (
    select *, {field_columns(["organization_key"], _KEY_KIND, "null")}
    from ({_PARSED.replace("{records}", "raw_organization_records")})
)
"""


def duckdb_config(settings: Settings) -> dict[str, str]:
    """DuckDB settings that bound its memory, spilling to disk beyond the limit."""
    settings.spill_directory.mkdir(parents=True, exist_ok=True)
    return {
        "memory_limit": settings.memory_limit,
        "temp_directory": str(settings.spill_directory),
    }


def _array_elements(path: Path, compression: str) -> str:
    """(line_number, raw) of each element of a JSON array, its text as read."""
    quoted = str(path).replace("'", "''")
    return f"""
        select ordinality as line_number, json as raw
        from read_json_objects('{quoted}', format = 'array', compression = '{compression}',
                               maximum_object_size = {MAX_RECORD_BYTES}) with ordinality
    """


def _streamed_lines(path: Path, compression: str) -> str:
    """(line_number, raw) of each line of a newline-delimited file, read as it streams.

    Each line is one text column, so that a malformed line can be rejected by
    itself: the column delimiter \x01 never occurs in valid JSON text, and
    strict mode fails the read rather than split a line holding one. Lines
    end with \n or \r\n; a blank line comes through as null and keeps the numbering.
    """
    quoted = str(path).replace("'", "''")
    return f"""
        select ordinality as line_number, line as raw
        from read_csv('{quoted}', columns = {{'line': 'VARCHAR'}}, header = false,
                      delim = '\x01', quote = '', escape = '',
                      auto_detect = false, strict_mode = true,
                      compression = '{compression}',
                      max_line_size = {MAX_RECORD_BYTES},
                      buffer_size = {2 * MAX_RECORD_BYTES}) with ordinality
    """


def _whole_lines(text_path: Path) -> str:
    """(line_number, raw) of each line of an uncompressed text file, read whole and split at \n.

    For the files the CSV reader cannot split into lines (a line holding a
    control character, or a carriage return inside it): those lines are then
    rejected as not JSON, like any other malformed line.
    """
    quoted = str(text_path).replace("'", "''")
    return f"""
        select number as line_number, regexp_replace(lines[number], '\r$', '') as raw
        from (select string_split(content, chr(10)) as lines from read_text('{quoted}')),
             unnest(range(1, len(lines) + 1)) as numbers(number)
    """


def _store(con: duckdb.DuckDBPyConnection, source: str, into: str) -> None:
    """Temp table `into`: the records of `source`, blank lines left out."""
    con.execute(
        f"""
        create or replace temp table {into} as
        select line_number, cast(raw as varchar) as raw from ({source})
        where raw is not null and not regexp_full_match(raw, '{BLANK}')
        """
    )


def _read_records(
    con: duckdb.DuckDBPyConnection, path: Path, into: str, scratch: Path | None
) -> None:
    """Fill temp table `into` with (line_number, raw) for each record of `path`.

    `scratch` is a folder for a decompressed copy, needed only by a gzipped
    newline-delimited file that holds a control character.
    """
    layout = input_layout(path)
    compression = "gzip" if layout.compressed else "none"
    try:
        if layout.is_array:
            _store(con, _array_elements(path, compression), into)
            return
        try:
            _store(con, _streamed_lines(path, compression), into)
        except duckdb.InvalidInputException as error:
            if "CSV" not in str(error):
                raise
            with _uncompressed(path, layout.compressed, scratch) as text_path:
                _store(con, _whole_lines(text_path), into)
    except duckdb.OutOfMemoryException as error:
        raise OutOfMemory.during(f"reading {path}", str(error)) from None
    except duckdb.Error as error:
        raise _refusal(path, error) from None


@contextlib.contextmanager
def _uncompressed(path: Path, compressed: bool, scratch: Path | None) -> Iterator[Path]:
    """`path` itself, or a decompressed copy of it in `scratch` for as long as it is read."""
    if not compressed:
        yield path
        return
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=".ndjson") as copy:
        with gzip.open(path, "rb") as source:
            shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)


def _refusal(path: Path, error: duckdb.Error) -> InputError:
    """DuckDB's complaint about a file, in a few words."""
    message = str(error)
    if "unicode" in message.lower() or "utf-8" in message.lower():
        return not_utf8(path)
    first_line = re.sub(r' in file "[^"]*",?', "", message.splitlines()[0])
    detail = first_line.split(": ", 1)[-1].rstrip(". ")
    return not_json_file(path, f"{detail[0].lower()}{detail[1:]}")


def _judged(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    """(reason, day, records) of a batch table."""
    return con.execute(f"select reason, date, count(*) from {table} group by all").fetchall()


def read_inputs(
    con: duckdb.DuckDBPyConnection,
    events: Path,
    orgs: Path,
    selection: DaySelection,
    scratch: Path | None = None,
) -> Batch:
    """Read and judge both files into temp tables of `con`; count what they hold.

    `scratch` is a folder for big temporary files (default: the system's).

    Raises InputError, naming the file, when a file is unreadable as a whole.
    Leaves temp tables `event_batch` (every event, with its day),
    `organization_batch` and `run_day` (the days the run loads).
    """
    # orgwh reports progress itself; in Jupyter without ipywidgets DuckDB
    # refuses to touch the setting, which then does not matter either
    with contextlib.suppress(duckdb.Error):
        con.execute("set enable_progress_bar = false")
    _read_records(con, events, "raw_event_records", scratch)
    _read_records(con, orgs, "raw_organization_records", scratch)
    try:
        con.execute(_EVENT_BATCH)
        con.execute("drop table raw_event_records")
        con.execute(_ORGANIZATION_BATCH)
    except duckdb.OutOfMemoryException as error:
        raise OutOfMemory.during(f"judging the records of {events}", str(error)) from None
    batch = judge_batch(
        events, _judged(con, "event_batch"), orgs, _judged(con, "organization_batch"), selection
    )
    con.execute("create or replace temp table run_day (date date)")
    if batch.days:
        con.executemany("insert into run_day values (?)", [[day] for day in batch.days])
    return batch
