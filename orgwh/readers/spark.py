"""Spark's reader: read the two JSON exports with Spark and judge every record.

Spark reads both files itself (no DuckDB on this path, so the input can be
bigger than one machine) and judges them with validation.py's rules: the
same reasons, the same timestamp grammar, the same line numbers. The
records stay in the session as cached DataFrames, which the Spark target
stages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .. import validation
from ..config import DaySelection
from .files import BLANK, cannot_be_read, input_layout, not_json_file, not_utf8

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def spark_errors() -> tuple[type[Exception], ...]:
    """The exceptions pyspark raises for what Spark refuses or fails to do."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    return (PySparkException, Py4JJavaError)


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn Spark's errors while reading `path` into one-line InputErrors."""
    try:
        yield
    except spark_errors() as error:
        lines = [line for line in str(error).splitlines() if line.strip()]
        cause = next((line for line in lines if "Exception:" in line), lines[0] if lines else "")
        raise cannot_be_read(path, cause.strip()[:200]) from None


def _spark_path(path: Path, compressed: bool, work: Path, name: str) -> str:
    """A path Spark reads as `path`: a link whose name tells Spark whether to gunzip.

    Spark decides compression by the file name and treats names with
    glob characters or a leading `_` or `.` specially; the link avoids all that.
    """
    link = work / (f"{name}.json.gz" if compressed else f"{name}.json")
    link.unlink(missing_ok=True)
    link.symlink_to(path.resolve())
    return str(link)


def _array_splitter() -> Callable[[str], list[tuple[int, str | None, str | None]]]:
    """A function from a JSON array's text to (position, raw, problem) of each element.

    `raw` is each element's text as read. Text that is not one JSON array
    gives one row, the problem. The function runs on the executors: defined
    here, inside this one, cloudpickle ships the function itself, which needs
    nothing but Python's standard library (not orgwh) where it runs.
    """
    import json
    import re

    blank = re.compile(r"[ \t\n\r]*")

    def split(text: str) -> list[tuple[int, str | None, str | None]]:
        at = blank.match(text).end() + 1  # after the `[` that made it an array

        def refuse(constant: str) -> None:
            raise json.JSONDecodeError(f"not JSON: {constant}", text, at)

        decoder = json.JSONDecoder(parse_constant=refuse)
        elements: list[tuple[int, str | None, str | None]] = []
        try:
            at = blank.match(text, at).end()
            while text[at : at + 1] != "]" or elements:
                _value, end = decoder.raw_decode(text, at)
                elements.append((len(elements) + 1, text[at:end], None))
                at = blank.match(text, end).end()
                if text[at : at + 1] != ",":
                    break
                at = blank.match(text, at + 1).end()
            if text[at : at + 1] != "]":
                raise json.JSONDecodeError("expecting ',' or ']'", text, at)
            if blank.match(text, at + 1).end() != len(text):
                raise json.JSONDecodeError("text after the end of the array", text, at + 1)
        except json.JSONDecodeError as error:
            reason = error.msg[:1].lower() + error.msg[1:]
            return [(0, None, f"malformed JSON at character {error.pos}: {reason}")]
        return elements

    return split


def _array_records(spark: SparkSession, path: Path, source: str) -> DataFrame:
    """(line_number, raw) of each element of a JSON array: its 1-based position, its text.

    The file is one value, read whole (`wholetext`, up to 2 GB) and split on
    an executor, so that `raw` is each element's text as read.
    """
    from pyspark.sql import functions as F

    text = spark.read.text(source, wholetext=True)
    with _reading(path):
        if not text.select(F.min(F.is_valid_utf8("value"))).first()[0]:
            raise not_utf8(path)
    split = _array_splitter()
    elements = spark.createDataFrame(
        text.rdd.flatMap(lambda row: split(row.value)),
        "line_number bigint, raw string, problem string",
    ).cache()
    with _reading(path):
        problem = elements.where("problem is not null").select("problem").first()
    if problem is not None:
        raise not_json_file(path, problem[0])
    return elements.select("line_number", "raw")


def _line_records(spark: SparkSession, path: Path, source: str) -> DataFrame:
    """(line_number, raw) of each non-blank line of a newline-delimited file.

    A line's number is its position in the file: each partition of the text
    file is a contiguous run of lines, in file order, so the number is the
    lines of earlier partitions plus the position within the partition.
    """
    from pyspark.sql import functions as F

    lines = (
        spark.read.text(source, lineSep="\n")
        .select(
            F.spark_partition_id().alias("part"),
            F.monotonically_increasing_id().alias("id"),
            # a line ending \r\n ends before the \r, as DuckDB reads it
            F.regexp_replace("value", "\r\\z", "").alias("raw"),
            F.is_valid_utf8("value").alias("is_utf8"),
        )
        .cache()
    )
    with _reading(path):
        parts = lines.groupBy("part").agg(
            F.count("*").alias("lines"),
            F.min("id").alias("first_id"),
            F.min("is_utf8").alias("is_utf8"),
        )
        summary = sorted(parts.collect())
    if any(row.is_utf8 is False for row in summary):
        raise not_utf8(path)
    offsets, before = [], 0
    for row in summary:
        offsets.append((row.part, before - row.first_id + 1))
        before += row.lines
    offset = spark.createDataFrame(offsets or [(0, 0)], "part int, offset bigint")
    return (
        lines.join(F.broadcast(offset), "part")
        .where(~F.col("raw").rlike(f"^{BLANK}$"))
        .select((F.col("id") + F.col("offset")).alias("line_number"), "raw")
    )


def _records(spark: SparkSession, path: Path, work: Path, name: str) -> DataFrame:
    """Every record of `path` with its line number and raw text."""
    layout = input_layout(path)
    source = _spark_path(path, layout.compressed, work, name)
    if layout.is_array:
        return _array_records(spark, path, source)
    return _line_records(spark, path, source)


# A field of a record parsed into a VARIANT (`document`): schema_of_variant
# says STRING for a string, VOID for JSON null, and null for a missing field.
# Java's `$` also matches before a final line break; (?!(?s:.)) is the very end.
_FIELD_KIND = """case when schema_of_variant(variant_get(document, '$.{name}')) = 'STRING'
    then 'string' when schema_of_variant(variant_get(document, '$.{name}')) <> 'VOID'
    then 'other' end"""
_FIELD_TEXT = "variant_get(document, '$.{name}', 'string')"
_FULL_MATCH = "({text} rlike '^(?:{pattern})(?!(?s:.))')"
# Spark's JSON parsers read the first value of a text and ignore what follows
# it. So each record is parsed once as the first element of an array: it is one
# JSON value when the array holds it, then the 0 put after it, and nothing else.
_PARSED = """
    select
        line_number,
        raw,
        document,
        document is not null as is_json,
        coalesce(schema_of_variant(document) like 'OBJECT%', false) as is_object
    from (
        select
            line_number,
            raw,
            case when variant_get(wrapped, '$[1]', 'int') = 0
                    and variant_get(wrapped, '$[2]') is null
                then variant_get(wrapped, '$[0]') end as document
        from (
            select line_number, raw, try_parse_json(concat('[', raw, ',0]')) as wrapped
            from {records}
        )
    )
"""

_EVENT_BATCH = f"""
with fields as (
    select *, {validation.field_columns(validation.EVENT_FIELDS, _FIELD_KIND, _FIELD_TEXT)}
    from ({_PARSED.replace("{records}", "orgwh_event_records")})
),
instants as (
    select *, {validation.utc_instant("received_at_text", _FULL_MATCH)} as received_at
    from fields
)
select
    line_number,
    raw,
    {validation.event_reason("received_at")} as reason,
    cast(received_at as date) as date
from instants
"""

_ORGANIZATION_BATCH = f"""
select line_number, raw, {validation.organization_reason()} as reason, cast(null as date) as date
from (
    select *, {validation.field_columns(["organization_key"], _FIELD_KIND, _FIELD_TEXT)}
    from ({_PARSED.replace("{records}", "orgwh_organization_records")})
)
"""


def _judged(frame: DataFrame, path: Path) -> list[tuple[str | None, date | None, int]]:
    """(reason, date, records) of a batch, in one Spark job."""
    with _reading(path):
        return [tuple(row) for row in frame.groupBy("reason", "date").count().collect()]


@dataclass(frozen=True)
class SparkBatch:
    """Both files as Spark's reader leaves them: what they held, and the records to stage.

    `events` and `organizations` hold each record's line_number, raw text,
    reason (null when valid) and date, cached in the session until
    `release()`. `staged_days` are the days with a valid event.
    """

    batch: validation.Batch
    events: DataFrame
    organizations: DataFrame
    staged_days: frozenset[date]

    def release(self) -> None:
        """Let go of the cached records."""
        self.events.unpersist()
        self.organizations.unpersist()


def read_inputs(
    spark: SparkSession, events: Path, orgs: Path, selection: DaySelection, work: Path
) -> SparkBatch:
    """Read and judge both files in `spark`; count what they hold.

    `work` is a folder for the links Spark reads the files through. Raises
    InputError, naming the file, when a file is unreadable as a whole.
    """
    _records(spark, events, work, "events").createOrReplaceTempView("orgwh_event_records")
    _records(spark, orgs, work, "organizations").createOrReplaceTempView(
        "orgwh_organization_records"
    )
    judged_events = spark.sql(_EVENT_BATCH).cache()
    judged_organizations = spark.sql(_ORGANIZATION_BATCH).cache()
    event_groups = _judged(judged_events, events)
    batch = validation.judge_batch(
        events, event_groups, orgs, _judged(judged_organizations, orgs), selection
    )
    staged_days = frozenset(day for reason, day, _n in event_groups if reason is None)
    return SparkBatch(batch, judged_events, judged_organizations, staged_days)
