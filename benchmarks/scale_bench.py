"""Benchmark 8: a year of history (10M events over 300 days) on DuckDB and Postgres.

For each target, with orgwh's default settings:

* the full build of days 1-299 from one newline-delimited file: wall and CPU
  time, the peak RSS of orgwh's process, the size of the warehouse;
* the last day from its own file, on those 299 loaded days against the same
  day on an empty warehouse (`--repeat` times, interleaved), and how much the
  day grows the warehouse;
* a profile of that day on the 299 loaded days (profile_child.py: orgwh's
  phases and every dbt node).

The input is generated once into `--workdir` (about 2.8 GB). Postgres is an
embedded server there (postgres_bench.py); its history is kept as a template
database, vacuumed as autovacuum would be between two daily runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import harness
import postgres_bench
from harness import Dataset, day, measure, orgwh_command, place_warehouse, remove_warehouse
from profile_bench import profiled_child


def _build(measured, size: int) -> dict:
    return {
        "seconds": round(measured.seconds, 1),
        "cpu_seconds": round(measured.cpu_seconds, 1),
        "peak_rss_mb": round(measured.peak_rss_mb),
        "bytes": size,
    }


def _growth(before: int, after: int) -> dict:
    return {"bytes_before": before, "bytes_after": after, "growth": round(after / before - 1, 4)}


def _duckdb(bench, data: Dataset, last: int) -> dict:
    warehouse, saved = bench.warehouse, bench.saved / f"{data.folder.name}-scale.duckdb"
    day_options = ("--date", day(last), "--events", str(data.day_file(last)))

    def orgwh(*options: str):
        command = orgwh_command(
            "run", "-q", "--orgs", str(data.orgs), "--duckdb-path", str(warehouse), *options
        )
        return measure(command, bench.environment, bench.workdir)

    bench.warm_up()
    bench.log(f"DuckDB: full build of days 1-{last - 1}")
    remove_warehouse(warehouse)
    build = orgwh("--events", str(data.events), "--end", day(last - 1))
    shutil.copyfile(warehouse, saved)
    built_bytes = saved.stat().st_size

    grown: list[int] = []

    def on(history: Path | None):
        def run():
            place_warehouse(history, warehouse)
            measured = orgwh(*day_options)
            if history is not None:
                grown.append(warehouse.stat().st_size)
            return measured

        return run

    days = bench.ab("day on 299 loaded days", on(saved), "day on empty", on(None))
    bench.log("DuckDB: profile of the day on the loaded days")
    place_warehouse(saved, warehouse)
    profile = profiled_child(
        bench, bench.environment, "--duckdb-path", str(warehouse), "--orgs", str(data.orgs),
        *day_options,
    )  # fmt: skip
    return {
        "full build": _build(build, built_bytes),
        **days,
        "file growth by the day": _growth(built_bytes, max(grown)),
        "profile of the day": profile,
    }


def _postgres(bench, data: Dataset, last: int) -> dict:
    server = postgres_bench.server_environment(bench.workdir / "pgdata")
    environment = {**bench.environment, **server}
    day_options = ("--date", day(last), "--events", str(data.day_file(last)))

    def orgwh(*options: str):
        command = orgwh_command("run", "-q", "--target", "postgres", "--orgs", str(data.orgs))
        return measure([*command, *options], environment, bench.workdir)

    bench.log(f"Postgres: full build of days 1-{last - 1}")
    postgres_bench.fresh_database(server)
    build = orgwh("--events", str(data.events), "--end", day(last - 1))
    built_bytes = postgres_bench.database_bytes(server)
    postgres_bench.keep_as_history(server)

    # The write-ahead log shows what a day on the loaded days does more: the
    # first change of a page after a checkpoint logs the whole page, and the
    # rebuilt users' versions lie on pages all over the history's table and
    # index (docs/benchmarks.md).
    logged: dict[str | None, list[int]] = {postgres_bench.HISTORY: [], None: []}

    def on(history: str | None):
        def run():
            postgres_bench.fresh_database(server, history)
            start = postgres_bench.wal_position(server)
            measured = orgwh(*day_options)
            logged[history].append(postgres_bench.wal_position(server) - start)
            return measured

        return run

    days = bench.ab("day on 299 loaded days", on(postgres_bench.HISTORY), "day on empty", on(None))
    bench.log("Postgres: profile of the day on the loaded days")
    postgres_bench.fresh_database(server, postgres_bench.HISTORY)
    profile = profiled_child(
        bench, environment, "--target", "postgres", "--orgs", str(data.orgs), *day_options
    )
    return {
        "full build": _build(build, built_bytes),
        **days,
        "write-ahead log of the day": {
            "loaded_bytes": round(harness.median(logged[postgres_bench.HISTORY])),
            "empty_bytes": round(harness.median(logged[None])),
        },
        "profile of the day": profile,
    }


MEASURES = {"duckdb": _duckdb, "postgres": _postgres}


def run(bench, data: Dataset) -> dict:
    """Each target of `--targets` measured now; the others as an earlier run measured them."""
    last = data.summary["days"]
    figures = {
        target: measured
        for target, measured in harness.load_results().get("scale", {}).items()
        if target in MEASURES
    }
    for target in bench.args.targets.split(","):
        figures[target] = {
            **MEASURES[target](bench, data, last),
            "date": harness.now(),
            "commit": harness.machine()["commit"],
        }
    return {
        **figures,
        "ratio": max(figures[target]["ratio"] for target in figures),
        "cpu_ratio": max(figures[target]["cpu_ratio"] for target in figures),
    }
