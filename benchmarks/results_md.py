"""Render benchmarks/results.json as RESULTS.md (written by `run.py --write-results`)."""

from __future__ import annotations

from harness import RESULTS_MD

_TITLES = {
    "full": "1. Full build vs a bare DuckDB scan of the same file",
    "incremental": "2. One day on 29 loaded days vs the same day on an empty warehouse",
    "redeliver": "3. Re-delivering a past day vs adding the last day",
    "scaling": "4. Scaling: full build at growing sizes",
    "snapshot": "5. The original construction: a plain dbt snapshot, day by day, vs orgwh",
    "postgres": "6. Postgres vs DuckDB (a full build, a day), COPY staging vs a bare COPY",
    "spark": "7. Spark: one day on 29 loaded days vs the same day on an empty warehouse",
    "profile": "Profile: where the time of a run goes",
    "scale": "8. A year of history: 10M events over 300 days, a full build and a day",
}


def _seconds(figures: dict) -> str:
    runs = ", ".join(f"{s:.1f}" for s in figures["all_s"])
    return (
        f"{figures['median_s']:.1f} s (runs: {runs}) | {figures['median_cpu_s']:.1f} s | "
        f"{figures['peak_rss_mb']:,} MB"
    )


def _ab_table(result: dict) -> list[str]:
    lines = [
        "| measured | wall, median (all runs) | CPU, median | peak RSS |",
        "|---|---|---|---|",
    ]
    for label, figures in result.items():
        if isinstance(figures, dict) and "median_s" in figures:
            lines.append(f"| {label} | {_seconds(figures)} |")
    return lines


def _header(name: str, label: str, result: dict) -> list[str]:
    machine = result["machine"]
    lines = [f"## {_TITLES[name]}{label}", ""]
    if "ratio" in result:
        line = f"**{result.get('ratio_is', 'ratio')} = {result['ratio']}** (wall)"
        if "cpu_ratio" in result:
            line += f", **{result['cpu_ratio']}** (CPU time)"
        if "target" in result:
            verdict = "meets" if result["meets_target"] else "**misses**"
            line += f" (target ≤ {result['target']}: {verdict} it)"
        lines += [line, ""]
    lines += [
        f"`{result['command']}` — {result['date']}, {result['wall_minutes']} min; "
        f"load average at the end {machine['load_average']}",
        "",
    ]
    if "input" in result:
        data = result["input"]
        lines += [
            f"Input: {data['records']:,} records, {data['bytes'] / 1e6:,.0f} MB "
            f"{data.get('layout', 'pretty JSON array')}"
            + (f", {data['users']:,} users over {data['days']} days" if "users" in data else "")
            + ".",
            "",
        ]
    return lines


def _full(result: dict) -> list[str]:
    return _ab_table(result)


def _incremental(result: dict) -> list[str]:
    lines = []
    for variant in ("whole 30-day file as input", "the day's own file as input"):
        figures = result[variant]
        lines += [f"*{variant}*: {figures['ratio']} wall, {figures['cpu_ratio']} CPU", ""]
        lines += _ab_table(result[variant]) + [""]
    return lines


def _scaling(result: dict) -> list[str]:
    lines = [
        f"Input grows {result['input_ratio']}x; the bare scan {result['scan_ratio']}x.",
        "",
        f"CPU time grows {result['cpu_ratio']}x.",
        "",
        "| events | input MB | build wall (runs) | build CPU | peak RSS | bare scan | build/scan |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, figures in result["sizes"].items():
        build, scan = figures["build"], figures["bare scan"]
        lines.append(
            f"| {size} | {figures['bytes'] / 1e6:,.0f} | {_seconds(build)} | "
            f"{scan['median_s']:.1f} s | {build['median_s'] / scan['median_s']:.1f} |"
        )
    return lines


def _snapshot(result: dict) -> list[str]:
    lines = ["Seconds per daily run (each day's own file), medians over the days:", ""]
    lines += [
        "| construction | median day, wall (day 1 to N) | median day, CPU | peak RSS | day 1 |",
        "|---|---|---|---|---|",
    ]
    for label, figures in result["per day"].items():
        runs = ", ".join(f"{s:.0f}" for s in figures["all_s"])
        lines.append(
            f"| {label} | {figures['median_s']:.1f} s ({runs}) | {figures['median_cpu_s']:.1f} s | "
            f"{figures['peak_rss_mb']:,} MB | {figures['first_day_s']:.1f} s |"
        )
    rows = result["snapshot rows"]
    lines += [
        "",
        "Snapshot rows after all days, compared with orgwh's `snapshots.user_snapshot` "
        "(which the tests prove equals SPEC 4):",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    lines += [f"| {key.replace('_', ' ')} | {value:,} |" for key, value in rows.items()]
    wrong = rows["rows_only_in_baseline"] + rows["rows_only_in_orgwh"]
    lines += [
        "",
        f"The plain snapshot is wrong for {rows['users_with_wrong_rows']:,} of "
        f"{rows['users']:,} users ({100 * rows['users_with_wrong_rows'] / rows['users']:.1f}%); "
        f"{wrong:,} rows differ. It never sees the {rows['orgwh_versions_within_one_day']:,} "
        f"versions that start and end within one day ({rows['users_changing_twice_in_a_day']:,} "
        "users change twice in a day), so the version before them ends at the wrong time; and "
        f"it starts {rows['baseline_versions_repeating_a_state']:,} versions that repeat the "
        "previous state (an update that changed nothing).",
    ]
    return lines


def _postgres_day(result: dict) -> list[str]:
    lines = []
    for name, what in (
        ("day vs DuckDB", "day on 29 loaded days, Postgres / DuckDB"),
        ("day vs empty", "day on 29 loaded days / the same day on an empty warehouse, Postgres"),
    ):
        if name not in result:
            continue
        figures = result[name]
        verdict = "meets it" if figures["ratio"] <= figures["target"] else "misses it"
        lines += [
            "",
            f"**{what} = {figures['ratio']}** (wall), {figures['cpu_ratio']} (CPU time of the "
            f"orgwh process; the server's is not in it) (target ≤ {figures['target']}: "
            f"**{verdict}**)",
            "",
            *_ab_table(figures),
        ]
    if "day profile" in result:
        profile = result["day profile"]
        lines += [
            "",
            f"Where a day's time goes on Postgres (one run, {profile['total_s']:.1f} s: the time "
            "from each progress message to the next; dbt's nodes run in build order):",
            "",
            "| step | seconds |",
            "|---|---|",
            *(f"| {step['step']} | {step['seconds']:.2f} |" for step in profile["steps"]),
        ]
    return lines


def _postgres(result: dict) -> list[str]:
    copy = result["copy"]
    return (
        _ab_table(result["builds"])
        + _postgres_day(result)
        + [
            "",
            f"Staging {copy['rows']:,} event rows ({copy['csv_mb']:,} MB of CSV): "
            f"`stage_into_postgres` {copy['stage_into_postgres_s']:.1f} s "
            f"({copy['stage_rows_per_s']:,} rows/s) vs a bare `COPY FROM STDIN` of the same rows "
            f"into a json column {copy['bare_copy_json_s']:.1f} s "
            f"({copy['bare_copy_rows_per_s']:,} rows/s), into a text column "
            f"{copy['bare_copy_text_s']:.1f} s: ratio **{copy['stage / bare COPY']}**.",
            "",
            f"({result['note']}.)",
        ]
    )


def _profile_run(title: str, run: dict) -> list[str]:
    lines = [
        f"### {title}",
        "",
        f"Wall {run['child_wall_seconds']:.1f} s, peak RSS {run['peak_rss_mb']:,} MB.",
        "",
        "| phase | seconds |",
        "|---|---|",
        f"| python start and exit | {run['process_start_and_exit_seconds']:.1f} |",
    ]
    lines += [f"| {phase} | {seconds:.1f} |" for phase, seconds in run["phase_totals"].items()]
    lines += ["", "Slowest dbt nodes:", "", "| node | seconds |", "|---|---|"]
    lines += [f"| `{node['node']}` | {node['seconds']:.2f} |" for node in run["nodes"][:8]]
    if "models_explained" in run:
        lines += ["", "DuckDB profiler on each model's compiled select (top operators):", ""]
        for model, figures in run["models_explained"].items():
            operators = "; ".join(
                f"{op['operator']} {op['seconds']:.2f} s ({op['rows']:,} rows)"
                for op in figures["top_operators"][:4]
            )
            lines.append(
                f"* `{model}` {figures['latency_s']:.2f} s wall, {figures['cpu_s']:.2f} s CPU, "
                f"peak buffer {figures['peak_buffer_mb']:,} MB: {operators}"
            )
    return lines + [""]


def _spark(result: dict) -> list[str]:
    lines = _ab_table(result)
    tables = result.get("rewritten by the day on history")
    if not tables:
        return lines
    lines += [
        "",
        "What the day on history rewrote: each table after it, and the files it wrote "
        "(the others are the files the table had before, untouched):",
        "",
        "| table | rows | MB | rows written | MB written | share of the bytes written |",
        "|---|---|---|---|---|---|",
    ]
    for table, figures in tables.items():
        share = figures["bytes_written"] / figures["bytes"] if figures["bytes"] else 0
        lines.append(
            f"| {table} | {figures['rows']:,} | {figures['bytes'] / 1e6:,.2f} | "
            f"{figures['rows_written']:,} | {figures['bytes_written'] / 1e6:,.2f} | {share:.0%} |"
        )
    return lines


def _profile(result: dict) -> list[str]:
    lines = []
    for title, run in result.items():
        if isinstance(run, dict) and "phases" in run:
            lines += _profile_run(title, run)
    return lines


def _scale(result: dict) -> list[str]:
    lines = ["Days 1-299 are read from one file, the last day from its own.", ""]
    for target in ("duckdb", "postgres"):
        if target not in result:
            continue
        figures = result[target]
        build = figures["full build"]
        lines += [
            f"### {target} ({figures['date']}, commit {figures['commit']})",
            "",
            f"**day on 299 loaded days / day on empty = {figures['ratio']}** (wall), "
            f"{figures['cpu_ratio']} (CPU time of the orgwh process)",
            "",
            f"Full build of days 1-299 with the default settings: {build['seconds']:.0f} s wall, "
            f"{build['cpu_seconds']:.0f} s CPU, peak RSS {build['peak_rss_mb']:,} MB, "
            f"warehouse {build['bytes'] / 1e9:.2f} GB.",
            "",
            *_ab_table(figures),
        ]
        if "file growth by the day" in figures:
            growth = figures["file growth by the day"]
            lines += [
                "",
                f"The day grows the file from {growth['bytes_before'] / 1e9:.3f} GB to "
                f"{growth['bytes_after'] / 1e9:.3f} GB ({100 * growth['growth']:+.1f}%).",
            ]
        if "write-ahead log of the day" in figures:
            logged = figures["write-ahead log of the day"]
            lines += [
                "",
                f"The day writes {logged['loaded_bytes'] / 1e6:,.0f} MB of write-ahead log on "
                f"the loaded days, {logged['empty_bytes'] / 1e6:,.0f} MB on empty.",
            ]
        lines += [""] + _profile_run(
            f"Profile of the day on the loaded days ({target})", figures["profile of the day"]
        )
    return lines


_RENDER = {
    "full": _full,
    "incremental": _incremental,
    "redeliver": _full,
    "scaling": _scaling,
    "snapshot": _snapshot,
    "postgres": _postgres,
    "spark": _spark,
    "profile": _profile,
    "scale": _scale,
}


def render(results: dict) -> str:
    lines = [
        "# orgwh benchmark results",
        "",
        "Generated by `benchmarks/run.py --write-results` from `benchmarks/results.json`; "
        "do not edit by hand. Every figure is a whole `orgwh run` process (dbt's import "
        "and parse included), repeated and interleaved with its baseline; ratios of "
        "medians measured in the same run. Peak RSS is the child process's own.",
        "",
    ]
    machines = {
        ", ".join(
            f"{key} {value}" for key, value in result["machine"].items() if key != "load_average"
        )
        for result in results.values()
    }
    for machine in sorted(machines):
        lines += [f"Machine: {machine}.", ""]
    for name in _TITLES:
        # `run.py --label L` keeps figures as "name (L)" beside those of `name`
        for key in sorted(key for key in results if key.split(" (")[0] == name):
            label = key.removeprefix(name)
            lines += _header(name, label, results[key]) + _RENDER[name](results[key]) + [""]
    return "\n".join(lines).rstrip() + "\n"


def write(results: dict) -> None:
    RESULTS_MD.write_text(render(results))


if __name__ == "__main__":
    # Re-render RESULTS.md from results.json (after a change to this layout).
    from harness import load_results

    write(load_results())
