"""orgwh benchmarks: each prints ratios of two things measured in the same run.

    python benchmarks/run.py full          # 1. full build vs a bare DuckDB scan of the file
    python benchmarks/run.py incremental   # 2. a day on 29 loaded days vs on an empty warehouse
    python benchmarks/run.py redeliver     # 3. re-delivering day 10 of 30 vs adding day 30
    python benchmarks/run.py scaling       # 4. full build at 1M, 2M, 4M events
    python benchmarks/run.py snapshot      # 5. daily loads: plain dbt snapshot vs orgwh
    python benchmarks/run.py postgres      # 6. Postgres vs DuckDB: a full build, a day; COPY
    python benchmarks/run.py spark         # 7. Spark: a day on 29 loaded days vs on empty
    python benchmarks/run.py profile       # where the time of a full and a daily run goes
    python benchmarks/run.py scale         # 8. 10M events over 300 days: a full build, a day
    python benchmarks/run.py all --quick --write-results

Options common to all: --events N (default 1,000,000; scale: 10,000,000),
--days D (default 30; scale: 300), --repeat R, --json
(machine-readable figures on stdout), --write-results (update results.json
and regenerate RESULTS.md), --workdir (generated data and warehouses are kept
there and reused; default /tmp/orgwh-bench).

Every orgwh measurement is a whole `orgwh run` process, as a user runs it,
including dbt's import and parse; the warehouse path stays the same so dbt's
partial parse is warm, as on a user's second run. Interleaved A/B repeats,
medians; the load average is recorded because the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import harness
import spark_files
from baseline_snapshot import compare, day_command, write_project
from harness import (
    WARM_UP_RUNS,
    Dataset,
    child_environment,
    dataset,
    day,
    measure,
    median,
    orgwh_command,
    place_warehouse,
    remove_warehouse,
    scan_command,
)

TARGETS = {
    "full": ("build / bare scan", 8.0),
    "incremental": ("day on the days before it / day on empty", 1.3),
    "redeliver": ("re-delivered past day / added last day", 2.0),
    "scaling": ("4M build / 1M build", 4.5),
    "spark": ("day on the days before it / day on empty, on Spark", 1.3),
    "scale": ("day on 299 loaded days / day on empty, the worse target", 1.3),
}
# The scale benchmark's history: a year of a mid-size product, the same daily
# rate as the 1M-event, 30-day default.
SCALE_EVENTS, SCALE_DAYS = 10_000_000, 300


class Bench:
    """The work folder, the child environment and the warm dbt state of one invocation."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workdir: Path = args.workdir.resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.environment = child_environment(self.workdir)
        harness.check_checkout(self.environment, self.workdir)
        self.warehouse = self.workdir / "warehouse" / "warehouse.duckdb"
        self.warehouse.parent.mkdir(exist_ok=True)
        self.saved = self.workdir / "saved"
        self.saved.mkdir(exist_ok=True)
        self._warm = False

    def log(self, message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def data(self, events: int | None = None) -> Dataset:
        events = events or self.args.events or 1_000_000
        self.log(f"dataset of {events:,} events")
        return dataset(self.workdir, events, self.days, self.args.seed)

    @property
    def days(self) -> int:
        return self.args.days or 30

    def orgwh(self, data: Dataset, *options: str, events: Path | None = None, env=None):
        command = orgwh_command(
            "run", "-q", "--events", str(events or data.events), "--orgs", str(data.orgs),
            "--duckdb-path", str(self.warehouse), *options,
        )  # fmt: skip
        return measure(command, {**self.environment, **(env or {})}, self.workdir)

    def warm_up(self) -> None:
        """Runs on the bundled sample, so dbt's partial parse states exist (WARM_UP_RUNS)."""
        if not self._warm:
            self.log("warm-up runs (dbt parses the project once per state)")
            remove_warehouse(self.warehouse)
            for options in WARM_UP_RUNS:
                measure(
                    orgwh_command("run", "-q", "--duckdb-path", str(self.warehouse), *options),
                    self.environment,
                    self.workdir,
                )
            self._warm = True

    def saved_warehouse(self, data: Dataset, name: str, *options: str) -> Path:
        """A warehouse built once with `options` and kept for later runs."""
        saved = self.saved / f"{data.folder.name}-{name}.duckdb"
        if not saved.exists():
            self.warm_up()
            self.log(f"preparing warehouse {saved.name}")
            remove_warehouse(self.warehouse)
            self.orgwh(data, *options)
            shutil.copyfile(self.warehouse, saved)
        return saved

    def ab(self, label_a: str, run_a, label_b: str, run_b) -> dict:
        """Interleave A and B `--repeat` times; medians, the ratio A/B and peak RSS."""
        self.warm_up()
        a, b = [], []
        for repeat in range(self.args.repeat):
            self.log(f"{label_a} ({repeat + 1}/{self.args.repeat})")
            a.append(run_a())
            self.log(f"{label_b} ({repeat + 1}/{self.args.repeat})")
            b.append(run_b())
        return {
            label_a: summarise(a),
            label_b: summarise(b),
            "ratio": round(median([m.seconds for m in a]) / median([m.seconds for m in b]), 2),
            "cpu_ratio": round(
                median([m.cpu_seconds for m in a]) / median([m.cpu_seconds for m in b]), 2
            ),
        }


def summarise(measured: list) -> dict:
    return {
        "median_s": round(median([m.seconds for m in measured]), 2),
        "all_s": [round(m.seconds, 2) for m in measured],
        "median_cpu_s": round(median([m.cpu_seconds for m in measured]), 2),
        "peak_rss_mb": round(max(m.peak_rss_mb for m in measured)),
    }


def _verdict(name: str, ratio: float) -> dict:
    what, target = TARGETS[name]
    return {"ratio_is": what, "target": target, "meets_target": ratio <= target}


def bench_full(bench: Bench) -> dict:
    """1. Full build of the whole file vs `select count(*) from read_json(file)`."""
    data = bench.data()

    def build():
        remove_warehouse(bench.warehouse)
        return bench.orgwh(data)

    result = bench.ab(
        "full build",
        build,
        "bare scan",
        lambda: measure(scan_command(data.events), bench.environment, bench.workdir),
    )
    return {**result, **_verdict("full", result["ratio"]), "input": _input(data)}


def bench_incremental(bench: Bench) -> dict:
    """2. Add day 30 to days 1-29 vs to an empty warehouse (input: all days, then its own)."""
    data = bench.data()
    days = bench.days
    last = day(days)
    history = bench.saved_warehouse(
        data, f"days1-{days - 1}", "--start", day(1), "--end", day(days - 1)
    )

    def on(saved, events=None):
        def run():
            place_warehouse(saved, bench.warehouse)
            return bench.orgwh(data, "--date", last, events=events)

        return run

    whole_file = bench.ab("day on history", on(history), "day on empty", on(None))
    day_file = data.day_file(days)
    own_file = bench.ab("day on history", on(history, day_file), "day on empty", on(None, day_file))
    return {
        "whole 30-day file as input": whole_file,
        "the day's own file as input": own_file,
        "ratio": whole_file["ratio"],
        "cpu_ratio": whole_file["cpu_ratio"],
        **_verdict("incremental", whole_file["ratio"]),
        "input": _input(data),
    }


def bench_redeliver(bench: Bench) -> dict:
    """3. Re-deliver day 10 into the full warehouse vs add day 30 to days 1-29."""
    data = bench.data()
    days = bench.days
    history = bench.saved_warehouse(
        data, f"days1-{days - 1}", "--start", day(1), "--end", day(days - 1)
    )
    everything = bench.saved_warehouse(data, "all")
    past = min(10, days - 1)

    def run(saved, which):
        def go():
            place_warehouse(saved, bench.warehouse)
            return bench.orgwh(data, "--date", day(which))

        return go

    result = bench.ab(
        f"re-deliver day {past}", run(everything, past), f"add day {days}", run(history, days)
    )
    return {**result, **_verdict("redeliver", result["ratio"]), "input": _input(data)}


def bench_scaling(bench: Bench) -> dict:
    """4. Full builds at growing sizes; time per size against input per size."""
    sizes = [int(size) for size in bench.args.sizes.split(",")]
    figures = {}
    for size in sizes:
        data = bench.data(size)
        bench.warm_up()
        builds, scans = [], []
        for repeat in range(bench.args.repeat):
            bench.log(f"full build of {size:,} ({repeat + 1}/{bench.args.repeat})")
            remove_warehouse(bench.warehouse)
            builds.append(bench.orgwh(data))
            scans.append(measure(scan_command(data.events), bench.environment, bench.workdir))
        figures[f"{size:,}"] = {
            "build": summarise(builds),
            "bare scan": summarise(scans),
            "bytes": data.summary["bytes"],
        }
    first, last = figures[f"{sizes[0]:,}"], figures[f"{sizes[-1]:,}"]
    ratio = round(last["build"]["median_s"] / first["build"]["median_s"], 2)
    cpu_ratio = round(last["build"]["median_cpu_s"] / first["build"]["median_cpu_s"], 2)
    result = {
        "sizes": figures,
        "ratio": ratio,
        "cpu_ratio": cpu_ratio,
        "ratio_is": f"{sizes[-1]:,} build / {sizes[0]:,} build",
        "input_ratio": round(last["bytes"] / first["bytes"], 2),
        "scan_ratio": round(last["bare scan"]["median_s"] / first["bare scan"]["median_s"], 2),
    }
    if sizes[-1] == 4 * sizes[0]:
        result.update(target=TARGETS["scaling"][1], meets_target=ratio <= TARGETS["scaling"][1])
    return result


def bench_snapshot(bench: Bench) -> dict:
    """5. Day by day: a plain dbt snapshot (the original construction) vs orgwh."""
    data = bench.data()
    bench.warm_up()
    remove_warehouse(bench.warehouse)
    with tempfile.TemporaryDirectory(dir=bench.workdir, prefix="baseline-") as folder:
        baseline = write_project(Path(folder))
        environment = {**bench.environment, "DO_NOT_TRACK": "1"}
        baseline_days, orgwh_days = [], []
        for n in range(1, bench.days + 1):
            day_file = data.day_file(n)
            bench.log(f"day {n}: plain dbt snapshot")
            baseline_days.append(
                measure(day_command(Path(folder), day_file), environment, bench.workdir)
            )
            bench.log(f"day {n}: orgwh run --date {day(n)}")
            orgwh_days.append(bench.orgwh(data, "--date", day(n), events=day_file))
        differences = compare(baseline, bench.warehouse)
    per_day = {
        "plain dbt snapshot": summarise(baseline_days),
        "orgwh": summarise(orgwh_days),
    }
    per_day["plain dbt snapshot"]["first_day_s"] = round(baseline_days[0].seconds, 2)
    per_day["orgwh"]["first_day_s"] = round(orgwh_days[0].seconds, 2)
    orgwh_day, baseline_day = per_day["orgwh"], per_day["plain dbt snapshot"]
    return {
        "per day": per_day,
        "ratio": round(orgwh_day["median_s"] / baseline_day["median_s"], 2),
        "cpu_ratio": round(orgwh_day["median_cpu_s"] / baseline_day["median_cpu_s"], 2),
        "ratio_is": "orgwh day / plain snapshot day (medians over the days)",
        "snapshot rows": differences,
        "input": _input(data),
    }


def bench_postgres(bench: Bench) -> dict:
    """6. The same build on Postgres vs DuckDB; orgwh's COPY staging vs a bare COPY."""
    import postgres_bench

    data = bench.data()
    bench.warm_up()
    return postgres_bench.run(bench, data)


def bench_spark(bench: Bench) -> dict:
    """7. On Spark: add day 30 to days 1-29 vs to an empty warehouse (ORGWH_SPARK_MASTER).

    Also the rows and bytes of each table's files after the day on history,
    and of those the day wrote (benchmarks/spark_files.py).

    A Spark warehouse is a folder (ORGWH_SPARK_DIR: parquet files and the
    metastore, which records their absolute paths): the history is kept as a
    copy and copied back to the same place before each run.
    """
    data = bench.data()
    days = bench.days
    last = day(days)
    spark_dir = bench.workdir / "spark"
    history = bench.saved / f"{data.folder.name}-days1-{days - 1}.spark"

    def place(saved: Path | None) -> None:
        shutil.rmtree(spark_dir, ignore_errors=True)
        if saved is not None:
            shutil.copytree(saved, spark_dir)

    def on_spark(*options: str):
        command = orgwh_command(
            "run", "-q", "--target", "spark",
            "--events", str(data.events), "--orgs", str(data.orgs), *options,
        )  # fmt: skip
        environment = {**bench.environment, "ORGWH_SPARK_DIR": str(spark_dir)}
        return measure(command, environment, bench.workdir)

    if not history.exists():
        bench.log(f"preparing Spark warehouse {history.name}")
        place(None)
        on_spark("--start", day(1), "--end", day(days - 1))
        shutil.copytree(spark_dir, history)

    rewritten: dict = {}

    def day_on(saved: Path | None):
        def run():
            place(saved)
            measured = on_spark("--date", last)
            if saved is not None:
                rewritten.update(
                    spark_files.rewritten(saved / "warehouse", spark_dir / "warehouse")
                )
            return measured

        return run

    result = bench.ab("day on history", day_on(history), "day on empty", day_on(None))
    return {
        **result,
        **_verdict("spark", result["ratio"]),
        "rewritten by the day on history": rewritten,
        "input": _input(data),
    }


def bench_profile(bench: Bench) -> dict:
    """Where the time goes: phases of a full build and of a daily run, per dbt node."""
    import profile_bench

    data = bench.data()
    bench.warm_up()
    days = bench.days
    history = bench.saved_warehouse(
        data, f"days1-{days - 1}", "--start", day(1), "--end", day(days - 1)
    )
    return profile_bench.run(bench, data, history)


def bench_scale(bench: Bench) -> dict:
    """8. A year of history: the full build, and a day on 299 loaded days vs on empty."""
    import scale_bench

    events, days = bench.args.events or SCALE_EVENTS, bench.args.days or SCALE_DAYS
    bench.log(f"dataset of {events:,} events over {days} days (newline-delimited)")
    data = dataset(bench.workdir, events, days, bench.args.seed, layout="ndjson")
    result = scale_bench.run(bench, data)
    data_input = {**_input(data), "layout": "newline-delimited JSON"}
    return {**result, **_verdict("scale", result["ratio"]), "input": data_input}


def _input(data: Dataset) -> dict:
    keys = ("records", "bytes", "users", "days", "exact_duplicates", "ties", "deleted", "recreated")
    return {key: data.summary[key] for key in keys}


BENCHMARKS = {
    "full": bench_full,
    "incremental": bench_incremental,
    "redeliver": bench_redeliver,
    "scaling": bench_scaling,
    "snapshot": bench_snapshot,
    "postgres": bench_postgres,
    "spark": bench_spark,
    "profile": bench_profile,
    "scale": bench_scale,
}
QUICK = ("full", "incremental", "redeliver", "snapshot", "profile")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("benchmark", choices=[*BENCHMARKS, "all"])
    parser.add_argument("--events", type=int, help="default 1,000,000 (scale: 10,000,000)")
    parser.add_argument("--days", type=int, help="default 30 (scale: 300)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repeats (medians)")
    parser.add_argument("--sizes", default="1000000,2000000,4000000", help="for scaling")
    parser.add_argument("--quick", action="store_true", help="all: skip scaling, postgres, spark")
    parser.add_argument(
        "--targets",
        default="duckdb,postgres",
        help="scale: targets to measure",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--write-results", action="store_true", help="update RESULTS.md")
    parser.add_argument(
        "--label", help="with --write-results: keep the figures beside the unlabelled ones"
    )
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "orgwh-bench")
    args = parser.parse_args(argv)

    bench = Bench(args)
    names = [args.benchmark] if args.benchmark != "all" else (
        QUICK if args.quick else [name for name in BENCHMARKS if name != "scale"]
    )  # fmt: skip
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    figures = {}
    for name in names:
        started = time.monotonic()
        figures[name] = {
            **BENCHMARKS[name](bench),
            "command": command,
            "date": harness.now(),
            "machine": harness.machine(),
            "wall_minutes": round((time.monotonic() - started) / 60, 1),
        }
        print(report_line(name, figures[name]), file=sys.stderr if args.json else sys.stdout)
        if args.write_results:
            results = harness.load_results()
            results[f"{name} ({args.label})" if args.label else name] = figures[name]
            harness.save_results(results)
            import results_md

            results_md.write(results)
    if args.json:
        json.dump(figures, sys.stdout, indent=2)
        print()


def report_line(name: str, figures: dict) -> str:
    if "ratio" not in figures:
        return f"{name}: done"
    line = f"{name}: {figures.get('ratio_is', '')} = {figures.get('ratio')} wall"
    if "cpu_ratio" in figures:
        line += f", {figures['cpu_ratio']} CPU"
    if "target" in figures:
        line += f" (target <= {figures['target']}: {'ok' if figures['meets_target'] else 'MISSED'})"
    return line


if __name__ == "__main__":
    main()
