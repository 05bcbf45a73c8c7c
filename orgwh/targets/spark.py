"""The Spark target: one Spark session per process, for the reader, the models and queries.

Spark reads both files itself (readers/spark.py). The dbt adapter
(dbt-spark, `method: session`) runs in the same process and picks up the
session started here, so the reader and the models share one session, one
warehouse and one metastore.

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
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import internals, staging
from ..config import DaySelection, Settings
from ..dialect import Dialect
from ..errors import NoWarehouse, UsageError
from ..layers import SCHEMAS, TABLES
from ..readers import spark as reader
from ..validation import Batch
from . import Target, Workspace
from .locks import run_lock

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

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
    filesystem, hadoop_path = internals.hadoop_filesystem(spark, warehouse)

    def qualified(location: str) -> str:
        return filesystem.makeQualified(hadoop_path(location)).toString()

    for database in SCHEMAS:
        folder = hadoop_path(f"{warehouse.rstrip('/')}/{database}.db")
        if not spark.catalog.databaseExists(database) or not filesystem.exists(folder):
            continue
        # one statement per database, not one per table: each costs Spark a job
        used = {
            qualified(line.removeprefix("Location: "))
            for row in spark.sql(f"show table extended in {database} like '*'").collect()
            if not row.isTemporary
            for line in row.information.splitlines()
            if line.startswith("Location: ")
        }
        for child in filesystem.listStatus(folder):
            if child.isDirectory() and qualified(child.getPath().toString()) not in used:
                filesystem.delete(child.getPath(), True)
        for location in used:
            staging = filesystem.globStatus(hadoop_path(f"{location}/.spark-staging-*")) or []
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


class SparkWorkspace(Workspace):
    """A run in the process's Spark session; `work` holds links to the input files."""

    target: SparkTarget

    def __init__(self, target: SparkTarget, spark: SparkSession, work: Path) -> None:
        super().__init__(target)
        self.spark = spark
        self.work = work
        self._input: reader.SparkBatch | None = None

    def read(self, events: Path, orgs: Path, selection: DaySelection) -> Batch:
        self._input = reader.read_inputs(self.spark, events, orgs, selection, self.work)
        return self._input.batch

    def stage(self, batch: Batch, loaded_on: date) -> None:
        """Each staging table is replaced by one statement: Spark has no transactions over tables.

        A run that fails later leaves its days in staging.load_day, so the
        next run builds them, and, since a table may be left partly written,
        every other staged day too.
        """
        from pyspark.sql import functions as F

        assert self._input is not None, "read() first"
        judged = self._input
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
        judged.events.where(f"reason is null and date in ({days})").createOrReplaceTempView(
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
        emptied = sorted((existing & set(batch.days)) - judged.staged_days)
        if emptied:
            partitions = ", ".join(f"partition (date = date'{day}')" for day in emptied)
            spark.sql(f"alter table staging.event drop if exists {partitions}")

        # staging.organization: one file, in the order of the input file, so that
        # record_position() (the row's place in that file) means "file order".
        (
            judged.organizations.where("reason is null")
            .repartition(1)
            .sortWithinPartitions("line_number")
            .select(F.lit(loaded_on).alias("date"), F.col("raw").alias("json_content"))
            .write.insertInto("staging.organization", overwrite=True)
        )

        # staging.rejected: without DELETE, the kept rows and the new ones go to a
        # scratch table first (Spark cannot overwrite a table it is reading).
        judged.events.createOrReplaceTempView("orgwh_event_batch")
        judged.organizations.createOrReplaceTempView("orgwh_organization_batch")
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
        self._input.release()


class RefusedStatement(Exception):
    """A statement that the Spark read path does not run: not one query."""


ONLY_QUERIES = (
    "the Spark read path only runs queries (SELECT, VALUES, DESCRIBE or SHOW), "
    "one statement at a time"
)


def refuse_unless_query(sql: str) -> None:
    """Raise RefusedStatement unless `sql` is one statement that only reads.

    Spark has no read-only session, so the read path judges the statement
    before Spark sees it, parsed with sqlglot's Spark dialect. It runs one
    statement (a final `;` allowed): a query (SELECT, WITH, UNION, INTERSECT,
    EXCEPT, VALUES) with no INSERT, CREATE or other writing statement
    anywhere inside, a DESCRIBE, or a SHOW. Everything else is refused,
    including what sqlglot cannot parse.
    """
    import sqlglot
    from sqlglot import exp

    # sqlglot warns on stderr of each statement it keeps as an opaque command (SHOW)
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    try:
        statements = [parsed for parsed in sqlglot.parse(sql, read="spark") if parsed is not None]
    except sqlglot.errors.SqlglotError as error:
        reason = str(error).strip().splitlines()[0]
        raise RefusedStatement(f"{ONLY_QUERIES}; this does not parse as one ({reason})") from None
    if len(statements) == 1:
        (statement,) = statements
        reads = isinstance(statement, exp.Query | exp.Values | exp.Describe) or (
            isinstance(statement, exp.Command) and statement.this.upper() == "SHOW"
        )
        if reads and not statement.find(exp.DML, exp.DDL):
            return
    raise RefusedStatement(ONLY_QUERIES)


class Connection:
    """The process's Spark session behind what orgwh reads a warehouse with (DB-API style).

    `execute(sql, parameters)` runs one query (`?` or `:name` placeholders)
    and fetches its rows; `.description` and `.fetchall()` then give them.
    Spark has no read-only session: any other statement is refused before
    Spark runs it (refuse_unless_query). Closing it leaves the session
    running for the process.
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
        """Run `sql` and fetch its rows; RefusedStatement unless it is one query."""
        refuse_unless_query(sql)
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
        return (*reader.spark_errors(), RefusedStatement)

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
