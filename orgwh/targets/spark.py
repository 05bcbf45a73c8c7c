"""The Spark target: one Spark session per process, and a reader that reads the JSON with Spark.

Spark reads both files itself (no DuckDB on this path, so the input can be
bigger than one machine) and judges them with validation.py's rules: the
same reasons, the same timestamp grammar, the same line numbers. The dbt
adapter (dbt-spark, `method: session`) runs in the same process and picks up
the session started here, so the reader and the models share one session,
one warehouse and one metastore.

Layout of the Spark folder (`Settings.spark_directory`):

    warehouse/      the tables, as parquet files (spark.sql.warehouse.dir),
                    unless ORGWH_SPARK_WAREHOUSE puts them elsewhere (hdfs://...)
    warehouse.lock  the run lock
    metastore_db/   the embedded Derby metastore that names them
    tmp/            Spark's scratch space; derby.log and log4j2.properties
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import staging, validation
from ..config import DaySelection, Settings
from ..dialect import Dialect
from ..errors import InputError, NoWarehouse, UsageError
from ..layers import SCHEMAS, TABLES
from ..readers.files import input_layout
from . import Target, Workspace
from .locks import run_lock

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


def session_config(settings: Settings) -> dict[str, str]:
    """The Spark settings of an orgwh session; dbt reuses the session, so they hold for it too.

    Every file Spark writes goes under the Spark folder, but the tables'
    files, which go to the warehouse location; times are UTC and a
    `timestamp` is a timestamp without time zone, as SPEC 4 wants.
    """
    spark_dir = settings.spark_directory
    return {
        "spark.master": settings.spark_master,
        "spark.sql.warehouse.dir": settings.spark_warehouse_location,
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
        "spark.sql.shuffle.partitions": str(settings.spark_shuffle_partitions),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


def session(settings: Settings) -> SparkSession:
    """The process's Spark session on the warehouse in the Spark folder, started if needed.

    A process holds one session for good, so a second warehouse folder in one
    process is refused.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError(
            "the spark target needs pyspark and dbt-spark: pip install 'orgwh[spark]'"
        ) from None
    spark_dir = settings.spark_directory
    # pyspark logs every failed query's context; orgwh reports errors itself.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    active = SparkSession.getActiveSession()
    if active is not None:
        running = active.conf.get("spark.sql.warehouse.dir")
        wanted = settings.spark_warehouse_location
        if _local_form(running) != _local_form(wanted):
            raise UsageError(
                f"this process already runs Spark on {running}; start a new process to use {wanted}"
            )
        return active
    (spark_dir / "tmp").mkdir(parents=True, exist_ok=True)
    (spark_dir / "tmp" / "log4j2.properties").write_text(_LOG4J)
    builder = SparkSession.builder.appName("orgwh").enableHiveSupport()
    for key, value in session_config(settings).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _local_form(location: str) -> str:
    """A warehouse location as Spark reports it back (`file:/x/` for `/x` or `file:///x`)."""
    if location.startswith("file:"):
        location = "/" + location.removeprefix("file:").lstrip("/")
    return location.rstrip("/")


def _remove_unused_folders(spark: SparkSession, warehouse: str) -> None:
    """Delete the folders in the layers' databases that no table uses.

    A run leaves three kinds, by design or by dying: the files a table was
    pointed away from (macros/spark_table_materialization.sql keeps them
    until the next run, for the queries still reading them), the new
    rows that a killed run was writing (a folder without a table, over which
    Spark refuses to create one), and in a partitioned table's folder the
    `.spark-staging-*` folder where a killed `insert overwrite` was writing
    its partitions before moving them in place (readers skip hidden folders).
    Hadoop's FileSystem reaches the warehouse wherever it is (file:, hdfs:, s3a:).
    """
    hadoop_fs = spark._jvm.org.apache.hadoop.fs  # type: ignore[union-attr]
    filesystem = hadoop_fs.Path(warehouse).getFileSystem(spark._jsc.hadoopConfiguration())  # type: ignore[union-attr]

    def qualified(location: str) -> str:
        return filesystem.makeQualified(hadoop_fs.Path(location)).toString()

    for database in SCHEMAS:
        folder = hadoop_fs.Path(f"{warehouse.rstrip('/')}/{database}.db")
        if not spark.catalog.databaseExists(database) or not filesystem.exists(folder):
            continue
        used = {
            qualified(row.data_type)
            for table in spark.catalog.listTables(database)
            if table.tableType in ("MANAGED", "EXTERNAL")
            for row in spark.sql(f"describe table extended {database}.{table.name}").collect()
            if row.col_name == "Location"
        }
        for child in filesystem.listStatus(folder):
            if child.isDirectory() and qualified(child.getPath().toString()) not in used:
                filesystem.delete(child.getPath(), True)
        for location in used:
            staging = filesystem.globStatus(hadoop_fs.Path(f"{location}/.spark-staging-*")) or []
            for child in staging:
                filesystem.delete(child.getPath(), True)


def _remote_metastore() -> bool:
    """Whether Spark is configured with a metastore service (`hive.metastore.uris`).

    Read where Spark reads it, without starting Spark: `--conf` in
    PYSPARK_SUBMIT_ARGS, spark-defaults.conf (`spark.hadoop.hive.metastore.uris`)
    and hive-site.xml in Spark's configuration folder (SPARK_CONF_DIR, else
    pyspark's conf/).
    """
    import xml.etree.ElementTree as ElementTree

    if "spark.hadoop.hive.metastore.uris=" in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        return True
    try:
        import pyspark
    except ImportError:
        return False
    conf = Path(os.environ.get("SPARK_CONF_DIR") or Path(pyspark.__file__).parent / "conf")
    defaults = conf / "spark-defaults.conf"
    if defaults.is_file() and any(
        line.split(maxsplit=1)[:1] == ["spark.hadoop.hive.metastore.uris"]
        for line in defaults.read_text().splitlines()
    ):
        return True
    hive_site = conf / "hive-site.xml"
    return hive_site.is_file() and any(
        prop.findtext("name") == "hive.metastore.uris" and (prop.findtext("value") or "").strip()
        for prop in ElementTree.parse(hive_site).getroot().iter("property")
    )


def _spark_errors() -> tuple[type[Exception], ...]:
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    return (PySparkException, Py4JJavaError)


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn Spark's errors while reading `path` into one-line InputErrors."""
    try:
        yield
    except _spark_errors() as error:
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
            raise InputError(f"{path}: not UTF-8 text")
    split = _array_splitter()
    elements = spark.createDataFrame(
        text.rdd.flatMap(lambda row: split(row.value)),
        "line_number bigint, raw string, problem string",
    ).cache()
    with _reading(path):
        problem = elements.where("problem is not null").select("problem").first()
    if problem is not None:
        raise InputError(f"{path}: not a readable JSON file ({problem[0]})")
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


class SparkWorkspace(Workspace):
    """A run in the process's Spark session; `work` holds links to the input files."""

    target: SparkTarget

    def __init__(self, target: SparkTarget, spark: SparkSession, work: Path) -> None:
        super().__init__(target)
        self.spark = spark
        self.work = work
        self._events: DataFrame | None = None
        self._organizations: DataFrame | None = None
        self._staged_days: set[date] = set()

    def read(self, events: Path, orgs: Path, selection: DaySelection) -> validation.Batch:
        spark = self.spark
        _records(spark, events, self.work, "events").createOrReplaceTempView("orgwh_event_records")
        _records(spark, orgs, self.work, "organizations").createOrReplaceTempView(
            "orgwh_organization_records"
        )
        self._events = spark.sql(_EVENT_BATCH).cache()
        self._organizations = spark.sql(_ORGANIZATION_BATCH).cache()
        judged_events = _judged(self._events, events)
        self._staged_days = {day for reason, day, _n in judged_events if reason is None}
        return validation.judge_batch(
            events, judged_events, orgs, _judged(self._organizations, orgs), selection
        )

    def stage(self, batch: validation.Batch, loaded_on: date) -> None:
        """Each staging table is replaced by one statement: Spark has no transactions over tables.

        A run that fails later leaves its days in staging.load_day, so the
        next run builds them, and, since a table may be left partly written,
        every other staged day too.
        """
        from pyspark.sql import functions as F

        assert self._events is not None and self._organizations is not None, "read() first"
        spark = self.spark
        if not spark.catalog.tableExists("staging.load_day"):
            for statement in staging.create_statements(self.target.dialect):
                spark.sql(statement)
        # Days still pending: an earlier run failed, perhaps between two of
        # the partition moves of an insert overwrite, leaving user_snapshot
        # partly new. Its rebuild starts from the versions current when the
        # earliest pending day began, which that run may have lost: this run
        # rebuilds every staged day instead.
        after_a_failed_run = bool(self.execute("select 1 from staging.load_day limit 1"))
        days = staging.day_literals(batch)

        # staging.event: dynamic partition overwrite replaces the days that have
        # records; a run day left without any loses its partition.
        self._events.where(f"reason is null and date in ({days})").createOrReplaceTempView(
            "orgwh_staged_events"
        )
        spark.sql(
            "insert overwrite table staging.event partition (date) "
            "select raw, date from orgwh_staged_events"
        )
        existing = {
            date.fromisoformat(row[0].removeprefix("date="))
            for row in spark.sql("show partitions staging.event").collect()
        }
        emptied = sorted((existing & set(batch.days)) - self._staged_days)
        if emptied:
            partitions = ", ".join(f"partition (date = date'{day}')" for day in emptied)
            spark.sql(f"alter table staging.event drop if exists {partitions}")

        # staging.organization: one file, in the order of the input file, so that
        # record_position() (the row's place in that file) means "file order".
        (
            self._organizations.where("reason is null")
            .repartition(1)
            .sortWithinPartitions("line_number")
            .select(F.lit(loaded_on).alias("date"), F.col("raw").alias("json_content"))
            .write.insertInto("staging.organization", overwrite=True)
        )

        # staging.rejected: without DELETE, the kept rows and the new ones go to a
        # scratch table first (Spark cannot overwrite a table it is reading).
        self._events.createOrReplaceTempView("orgwh_event_batch")
        self._organizations.createOrReplaceTempView("orgwh_organization_batch")
        dialect = self.target.dialect
        events_file = dialect.quote(staging.source_file(batch.events.path))
        orgs_file = dialect.quote(staging.source_file(batch.organizations.path))
        spark.sql("drop table if exists staging.rejected__next")
        spark.sql(
            f"""
            create table staging.rejected__next using parquet as
            select * from staging.rejected
            where not ({staging.replaced_rejections(dialect, batch)})
            union all
            select date, {events_file}, line_number, reason, raw from orgwh_event_batch
            where reason is not null and (date is null or date in ({days}))
            union all
            select date, {orgs_file}, line_number, reason, raw from orgwh_organization_batch
            where reason is not null
            """
        )
        spark.sql("insert overwrite table staging.rejected select * from staging.rejected__next")
        spark.sql("drop table staging.rejected__next")
        if batch.days:
            spark.sql(staging.add_pending_days(batch))
        if after_a_failed_run:
            self.mark_every_day_pending()

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple]:
        return [tuple(row) for row in self.spark.sql(sql, args=list(parameters)).collect()]

    def dbt_environment(self) -> dict[str, str]:
        return {}  # dbt-spark's session method picks up the session this run started

    def finish(self, run_log_row: Mapping[str, Any]) -> None:
        super().finish(run_log_row)
        self._events.unpersist()
        self._organizations.unpersist()


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
        """Run `sql` and fetch its rows."""
        if parameters is not None:  # pyspark takes a list or a dict
            parameters = dict(parameters) if isinstance(parameters, Mapping) else list(parameters)
        frame = self.session.sql(sql, args=parameters)
        self._rows = [tuple(row) for row in frame.collect()]
        self.description = [(name,) for name in frame.columns] or None
        return self

    def fetchall(self) -> list[tuple]:
        return self._rows


class SparkTarget(Target):
    """A warehouse of parquet tables named by a metastore, built by Spark."""

    name = "spark"
    dialect = Dialect(
        type_names={"text": "string", "json": "string"},
        backslash_escapes=True,
        file_format="parquet",
        deletes_rows=False,
    )

    @property
    def directory(self) -> Path:
        return self.settings.spark_directory

    @property
    def location(self) -> str:
        return str(self.directory)

    @contextlib.contextmanager
    def begin_run(self) -> Iterator[SparkWorkspace]:
        """The run lock is a file in the Spark folder, so it serialises the runs of one machine.

        Runs from other machines on the same warehouse (a shared metastore and
        warehouse URI) are not serialised by it (docs/targets/spark.md, "Locking and reading").
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        with run_lock(self.directory / "warehouse", self.settings.lock_timeout):
            spark = session(self.settings)
            _remove_unused_folders(spark, self.settings.spark_warehouse_location)
            with tempfile.TemporaryDirectory(dir=self.directory / "tmp") as work:
                yield SparkWorkspace(self, spark, Path(work))

    def has_warehouse(self) -> bool:
        """Whether the catalog holds one of the layers' databases, asked without creating any.

        Spark's catalog creates the embedded Derby metastore it is configured
        with (metastore_db/ in the Spark folder) and a `default` database when
        first asked: without that folder and without a remote metastore
        (`hive.metastore.uris`, README "Spark") there is nothing to ask, and
        no Spark is started. A remote metastore needs the session to ask it.
        """
        if not (self.directory / "metastore_db").is_dir() and not _remote_metastore():
            return False
        catalog = session(self.settings).catalog
        return any(catalog.databaseExists(database) for database in SCHEMAS)

    def connect(self) -> Connection:
        """A Connection on the process's Spark session; without a warehouse, NoWarehouse."""
        if not self.has_warehouse():
            raise NoWarehouse(
                f"no Spark warehouse in {self.directory}; build it with `orgwh run --target spark`"
            )
        return Connection(session(self.settings))

    @property
    def query_errors(self) -> tuple[type[Exception], ...]:
        return _spark_errors()

    def documentation_environment(self, scratch: Path) -> dict[str, str]:
        self.connect()  # NoWarehouse, or the session dbt's docs then use
        return {}

    def existing_tables(self, connection: Connection) -> set[str]:
        """Spark's session catalog has no information_schema: ask the catalog."""
        return {
            table
            for table in (*TABLES, "staging.run_log")
            if connection.session.catalog.tableExists(table)
        }
