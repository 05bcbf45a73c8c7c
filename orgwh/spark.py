"""The Spark target: one Spark session per process, and a loader that reads the JSON with Spark.

Spark reads both files itself (no DuckDB on this path) and applies the rules
of load.py: the same reasons, the same timestamp grammar, the same line
numbers. The dbt adapter (dbt-spark, `method: session`) runs in the same
process and picks up the session started here (`getOrCreate`), so the loader
and the models share one session, one warehouse and one metastore.

Layout of the Spark folder (`Settings.spark_directory`):

    warehouse/      the tables, as parquet files (spark.sql.warehouse.dir)
    metastore_db/   the embedded Derby metastore that names them
    tmp/            Spark's scratch space; derby.log and log4j2.properties
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .config import DaySelection
from .errors import InputError, NoWarehouse, QueryFailed, UsageError
from .load import (
    ATTRIBUTES,
    EVENT_TYPES,
    TIMESTAMP_SHAPE,
    Batch,
    FileCounts,
    input_layout,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_LOG4J = """\
rootLogger.level = fatal
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def session_config(spark_dir: Path) -> dict[str, str]:
    """The Spark settings of an orgwh session (profiles.yml repeats them for dbt alone).

    Every file Spark writes goes under `spark_dir`; times are UTC and a
    `timestamp` is a timestamp without time zone, as SPEC 4 wants.
    """
    return {
        "spark.sql.warehouse.dir": str(spark_dir / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={spark_dir / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": (
            f"-Dderby.system.home={spark_dir / 'tmp'}"
            f" -Dlog4j.configurationFile={spark_dir / 'tmp' / 'log4j2.properties'}"
        ),
        "spark.local.dir": str(spark_dir / "tmp"),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.timestampType": "TIMESTAMP_NTZ",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.sql.variant.allowDuplicateKeys": "true",
        "spark.sql.shuffle.partitions": os.environ.get("ORGWH_SPARK_SHUFFLE_PARTITIONS", "4"),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


def environment(spark_dir: Path) -> dict[str, str]:
    """The variables profiles.yml reads for the spark target."""
    return {"ORGWH_SPARK_DIR": str(spark_dir)}


def session(spark_dir: Path) -> SparkSession:
    """The process's Spark session on the warehouse in `spark_dir`, started if needed.

    Master: ORGWH_SPARK_MASTER (default `local[*]`). A process holds one
    session for good, so a second warehouse folder in one process is refused.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError(
            "the spark target needs pyspark and dbt-spark: pip install 'orgwh[spark]'"
        ) from None
    # pyspark logs every failed query's context; orgwh reports errors itself.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    active = SparkSession.getActiveSession()
    if active is not None:
        running = active.conf.get("spark.sql.warehouse.dir").removeprefix("file:")
        if Path(running) != spark_dir / "warehouse":
            raise UsageError(
                f"this process already runs Spark on {running}; "
                f"start a new process to use {spark_dir}"
            )
        return active
    (spark_dir / "tmp").mkdir(parents=True, exist_ok=True)
    (spark_dir / "tmp" / "log4j2.properties").write_text(_LOG4J)
    builder = (
        SparkSession.builder.master(os.environ.get("ORGWH_SPARK_MASTER", "local[*]"))
        .appName("orgwh")
        .enableHiveSupport()
    )
    for key, value in session_config(spark_dir).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


@dataclass
class SparkBatch:
    """The validated records of one run, as cached Spark DataFrames, and their counts.

    Both frames have columns (line_number, raw, reason, date).
    """

    batch: Batch
    events: DataFrame
    organizations: DataFrame
    staged_days: set[date]


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn Spark's errors while reading `path` into one-line InputErrors."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    try:
        yield
    except (PySparkException, Py4JJavaError) as error:
        lines = [line for line in str(error).splitlines() if line.strip()]
        cause = next((line for line in lines if "Exception:" in line), lines[0] if lines else "")
        raise InputError(f"{path}: cannot be read ({cause.strip()[:200]})") from None


def _spark_path(path: Path, compressed: bool, work: Path, name: str) -> str:
    """A path Spark reads as `path`: a link whose name tells Spark whether to gunzip.

    Spark decides compression by the file name and treats names with
    glob characters or a leading `_` or `.` specially; the link avoids all that.
    """
    link = work / (f"{name}.json.gz" if compressed else f"{name}.json")
    link.unlink(missing_ok=True)
    link.symlink_to(path.resolve())
    return str(link)


def _array_records(spark: SparkSession, path: Path, source: str) -> DataFrame:
    """(line_number, raw) of each element of a JSON array: its 1-based position, its JSON.

    The file is one value, read whole (`wholetext`) and split by from_json
    into variants; `raw` is each element written back as compact JSON.
    """
    from pyspark.sql import functions as F

    parsed = (
        spark.read.text(source, wholetext=True)
        .select(
            F.is_valid_utf8("value").alias("is_utf8"),
            F.col("value").rlike(r"\]\s*\z").alias("is_closed"),
            F.from_json("value", "array<variant>").alias("elements"),
        )
        .cache()
    )
    with _reading(path):
        checks = parsed.select("is_utf8", "is_closed", "elements").collect()
    for is_utf8, is_closed, elements in checks:
        if not is_utf8:
            raise InputError(f"{path}: not UTF-8 text")
        if elements is None or not is_closed:
            raise InputError(f"{path}: not readable as JSON: malformed or truncated array")
    parsed.createOrReplaceTempView("orgwh_parsed_array")
    return spark.sql(
        """
        select cast(position + 1 as bigint) as line_number, to_json(element) as raw
        from orgwh_parsed_array
        lateral view posexplode(elements) as position, element
        """
    )


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
            F.col("value").alias("raw"),
        )
        .cache()
    )
    with _reading(path):
        parts = lines.groupBy("part").agg(
            F.count("*").alias("lines"),
            F.min("id").alias("first_id"),
            F.min(F.is_valid_utf8("raw")).alias("is_utf8"),
        )
        summary = sorted(parts.collect())
    if any(row.is_utf8 is False for row in summary):
        raise InputError(f"{path}: not UTF-8 text")
    offsets, before = [], 0
    for row in summary:
        offsets.append((row.part, before - row.first_id + 1))
        before += row.lines
    offset = spark.createDataFrame(offsets or [(0, 0)], "part int, offset bigint")
    return (
        lines.join(F.broadcast(offset), "part")
        .where(~F.col("raw").rlike("^[ \t\r\n\f]*$"))
        .select((F.col("id") + F.col("offset")).alias("line_number"), "raw")
    )


def _records(spark: SparkSession, path: Path, work: Path, name: str) -> DataFrame:
    """Every record of `path` with its line number and raw text, as load.py reads them."""
    layout = input_layout(path)
    source = _spark_path(path, layout.compressed, work, name)
    if layout.is_array:
        return _array_records(spark, path, source)
    return _line_records(spark, path, source)


def _utc_timestamp(text: str) -> str:
    """SPEC 1's grammar in Spark SQL (as load.py's macro): the UTC instant, or null."""
    return f"""
    case when {text} rlike '^(?:{TIMESTAMP_SHAPE})(?!(?s:.))' and substr({text}, 1, 4) <> '0000'
    then timestampadd(
        minute,
        case when {text} rlike '[+-][0-9]{{2}}:[0-9]{{2}}$'
            then (case when substr({text}, -6, 1) = '-' then 1 else -1 end)
                * (cast(substr({text}, -5, 2) as int) * 60 + cast(substr({text}, -2, 2) as int))
            else 0
        end,
        try_to_timestamp(
            concat(substr({text}, 1, 10), ' ', substr({text}, 12, 8), '.',
                   rpad(regexp_extract({text}, '[.]([0-9]+)', 1), 6, '0')),
            'yyyy-MM-dd HH:mm:ss.SSSSSS'))
    end"""


_EVENT_FIELDS = ("id", "event_type", *ATTRIBUTES, "received_at")


def _field_type(name: str) -> str:
    return f"schema_of_variant(variant_get(document, '$.{name}')) as {name}_type"


def _string_field(name: str) -> str:
    return f"""case when schema_of_variant(variant_get(document, '$.{name}')) = 'STRING'
        then variant_get(document, '$.{name}', 'string') end"""


_ATTRIBUTE_TYPE_CHECKS = "\n".join(
    f"when {name}_type not in ('STRING', 'VOID') then 'wrong type: {name}'" for name in ATTRIBUTES
)

# The first reason that applies is the one reported (load.py's _EVENT_BATCH,
# with Spark's type names: STRING for VARCHAR, VOID for a JSON null).
_EVENT_BATCH = f"""
with parsed as (
    select line_number, raw, try_parse_json(raw) as document from orgwh_event_records
),
typed as (
    select
        line_number,
        raw,
        document is not null as is_json,
        coalesce(schema_of_variant(document) like 'OBJECT%', false) as is_object,
        {", ".join(_field_type(name) for name in _EVENT_FIELDS)},
        {_string_field("id")} as user_id,
        {_string_field("event_type")} as event_type,
        {_string_field("received_at")} as received_at_text
    from parsed
),
judged as (
    select
        line_number,
        raw,
        received_at,
        case
            when not is_json then 'not valid JSON'
            when not is_object then 'not a JSON object'
            when id_type is null or id_type = 'VOID' then 'missing or empty id'
            when id_type <> 'STRING' then 'wrong type: id'
            when user_id = '' then 'missing or empty id'
            when event_type_type is distinct from 'STRING' and event_type_type is not null
                and event_type_type <> 'VOID' then 'wrong type: event_type'
            when event_type is null or event_type not in {EVENT_TYPES!r}
                then 'event_type not one of {", ".join(EVENT_TYPES)}'
            {_ATTRIBUTE_TYPE_CHECKS}
            when received_at_type is distinct from 'STRING' or received_at is null
                then 'received_at missing or unparseable'
        end as reason
    from (select *, {_utc_timestamp("received_at_text")} as received_at from typed)
)
select line_number, raw, reason, cast(received_at as date) as date
from judged
"""

_ORGANIZATION_BATCH = """
with parsed as (
    select line_number, raw, try_parse_json(raw) as document from orgwh_organization_records
)
select
    line_number,
    raw,
    case
        when document is null then 'not valid JSON'
        when not coalesce(schema_of_variant(document) like 'OBJECT%', false)
            then 'not a JSON object'
        when schema_of_variant(variant_get(document, '$.organization_key'))
            is distinct from 'STRING' then 'organization_key missing or not a string'
    end as reason,
    cast(null as date) as date
from parsed
"""


def _summary(frame: DataFrame) -> list[tuple[str | None, date | None, int]]:
    """(reason, date, records) for a batch, in one Spark job."""
    return [tuple(row) for row in frame.groupBy("reason", "date").count().collect()]


def _count(summary, path: Path, days: list[date] | None) -> FileCounts:
    """Records read, staged and rejected; with `days`, those of the days and the undated."""
    counts = FileCounts(path=path)
    for reason, day, number in summary:
        if days is not None and day is not None and day not in days:
            continue
        counts.read += number
        if reason is None:
            counts.staged += number
        else:
            counts.rejected[reason] += number
    return counts


def read_inputs(
    spark: SparkSession, events: Path, orgs: Path, selection: DaySelection, work: Path
) -> SparkBatch:
    """Read and validate both files with Spark; count what they hold.

    Raises InputError, naming the file, when a file is unreadable as a whole;
    nothing has been written then. `work` holds links to the files while
    the batch is in use.
    """
    _records(spark, events, work, "events").createOrReplaceTempView("orgwh_event_records")
    _records(spark, orgs, work, "organizations").createOrReplaceTempView(
        "orgwh_organization_records"
    )
    event_batch = spark.sql(_EVENT_BATCH).cache()
    organization_batch = spark.sql(_ORGANIZATION_BATCH).cache()
    with _reading(events):
        event_summary = _summary(event_batch)
    with _reading(orgs):
        organization_summary = _summary(organization_batch)
    present = sorted({day for _reason, day, _number in event_summary if day is not None})
    if selection.is_everything:
        days = present
    else:
        first, last = (present[0], present[-1]) if present else (selection.first, selection.last)
        days = selection.days(first or last, last or first)
    return SparkBatch(
        batch=Batch(
            events=_count(event_summary, events, days),
            organizations=_count(organization_summary, orgs, None),
            days=days,
        ),
        events=event_batch,
        organizations=organization_batch,
        staged_days={day for reason, day, _n in event_summary if reason is None} & set(days),
    )


_STAGING_DDL = (
    "create database if not exists staging",
    # Spark lists partition columns last: the table reads (json_content, date).
    """create table if not exists staging.event (date date, json_content string)
        using parquet partitioned by (date)""",
    """create table if not exists staging.organization (date date, json_content string)
        using parquet""",
    """create table if not exists staging.rejected (
        date date, source_file string, line_number bigint, reason string, raw string)
        using parquet""",
    "create table if not exists staging.load_day (date date) using parquet",
)


def _day_list(days: list[date]) -> str:
    return ", ".join(f"date'{day.isoformat()}'" for day in days) or "cast(null as date)"


def stage(spark: SparkSession, loaded: SparkBatch, loaded_on: date) -> None:
    """Write the batch into staging: the run's days of staging.event (by partition),
    staging.organization in full, the rejected rows this run produces again, and
    the run's days in staging.load_day.

    Spark has no transactions over tables: each table is replaced by one
    statement, and a run that fails later leaves its days in staging.load_day,
    so the next run builds them.
    """
    from pyspark.sql import functions as F

    batch = loaded.batch
    if not spark.catalog.tableExists("staging.load_day"):  # the last table the DDL creates
        for statement in _STAGING_DDL:
            spark.sql(statement)
    days = _day_list(batch.days)
    events_file = str(batch.events.path.resolve())
    orgs_file = str(batch.organizations.path.resolve())

    # staging.event: dynamic partition overwrite replaces the days that have
    # records; a run day left without any loses its partition.
    staged = loaded.events.where(f"reason is null and date in ({days})")
    staged.createOrReplaceTempView("orgwh_staged_events")
    spark.sql(
        "insert overwrite table staging.event partition (date) "
        "select raw, date from orgwh_staged_events"
    )
    existing = {
        date.fromisoformat(row[0].removeprefix("date="))
        for row in spark.sql("show partitions staging.event").collect()
    }
    emptied = sorted((existing & set(batch.days)) - loaded.staged_days)
    if emptied:
        partitions = ", ".join(f"partition (date = date'{day}')" for day in emptied)
        spark.sql(f"alter table staging.event drop if exists {partitions}")

    # staging.organization: one file, in the order of the input file, so that
    # record_position() (the row's place in that file) means "file order".
    (
        loaded.organizations.where("reason is null")
        .repartition(1)
        .sortWithinPartitions("line_number")
        .select(F.lit(loaded_on).alias("date"), F.col("raw").alias("json_content"))
        .write.insertInto("staging.organization", overwrite=True)
    )

    # staging.rejected: without DELETE, the kept rows and the new ones go to a
    # scratch table first (Spark cannot overwrite a table it is reading).
    loaded.events.createOrReplaceTempView("orgwh_event_batch")
    loaded.organizations.createOrReplaceTempView("orgwh_organization_batch")
    spark.sql("drop table if exists staging.rejected__next")
    spark.sql(
        f"""
        create table staging.rejected__next using parquet as
        select * from staging.rejected
        where not (source_file <=> '{_quote(orgs_file)}'
            or (source_file <=> '{_quote(events_file)}'
                and (date is null or date in ({days}))))
        union all
        select date, '{_quote(events_file)}', line_number, reason, raw
        from orgwh_event_batch
        where reason is not null and (date is null or date in ({days}))
        union all
        select date, '{_quote(orgs_file)}', line_number, reason, raw
        from orgwh_organization_batch
        where reason is not null
        """
    )
    spark.sql("insert overwrite table staging.rejected select * from staging.rejected__next")
    spark.sql("drop table staging.rejected__next")

    if batch.days:
        spark.sql(
            f"""insert into staging.load_day
            select explode(array({days})) except select date from staging.load_day"""
        )


def _quote(text: str) -> str:
    """A string for a Spark SQL literal: backslashes and quotes escaped."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


def finish(spark: SparkSession) -> None:
    """Mark the pending days as built."""
    spark.sql("truncate table staging.load_day")


def count_rows(spark: SparkSession, tables: tuple[str, ...]) -> dict[str, int]:
    return {table: spark.table(table).count() for table in tables}


class Connection:
    """The process's Spark session behind what orgwh reads a warehouse with (DB-API style).

    `execute(sql, parameters)` runs one statement (`?` or `:name`
    placeholders) and fetches its rows; `.description` and `.fetchall()`
    then give them. Spark has no read-only session: a statement that
    writes, writes. Closing it leaves the session running for the process.
    """

    def __init__(self, spark: SparkSession) -> None:
        self.session = spark
        self.description: list[tuple] | None = None
        self._rows: list[tuple] = []

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_exception) -> None:
        """Nothing to close: the session serves the process until it ends."""

    def execute(self, sql: str, parameters=None) -> Connection:
        """Run `sql` and fetch its rows; raise QueryFailed with Spark's one-line reason."""
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException

        if parameters is not None:  # pyspark takes a list or a dict
            parameters = dict(parameters) if isinstance(parameters, Mapping) else list(parameters)
        try:
            frame = self.session.sql(sql, args=parameters)
            rows = frame.collect()
        except (PySparkException, Py4JJavaError) as error:
            first = next((line for line in str(error).splitlines() if line.strip()), "")
            raise QueryFailed(f"query failed: {first or type(error).__name__}") from None
        self.description = [(name,) for name in frame.columns] or None
        self._rows = [tuple(row) for row in rows]
        return self

    def fetchall(self) -> list[tuple]:
        return self._rows

    def existing_tables(self, tables: tuple[str, ...]) -> set[str]:
        """Those of `tables` that exist (the session catalog has no information_schema)."""
        return {table for table in tables if self.session.catalog.tableExists(table)}


def has_warehouse(spark_dir: Path) -> bool:
    """Whether a run has ever used `spark_dir`: its metastore exists."""
    return (spark_dir / "metastore_db").is_dir()


def connect(spark_dir: Path) -> Connection:
    """A Connection on the Spark warehouse in `spark_dir`; raise NoWarehouse if there is none.

    Without a metastore there is nothing to read, and no Spark is started.
    """
    if not has_warehouse(spark_dir):
        raise NoWarehouse(
            f"no Spark warehouse in {spark_dir}; build it with `orgwh run --target spark`"
        )
    return Connection(session(spark_dir))
