"""Where the time of an `orgwh run` goes: process start, loading, dbt, each model's SQL.

Two runs go through profile_child.py (orgwh's run with a stopwatch on the
phases it reports, dbt's nodes among them): a full build of the
dataset, and adding the last day to a warehouse holding the days before it.
After each, the compiled SQL of the heavy models is run again under DuckDB's
profiler on a copy of the warehouse, and its most expensive operators listed.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb
from harness import Dataset, day, measure, place_warehouse, remove_warehouse

PROFILED_MODELS = (
    "historical/user_event",
    "snapshots/user_snapshot",
    "dimensional/fac_user",
    "dimensional/dim_organization",
)
CHILD = Path(__file__).resolve().parent / "profile_child.py"


def profiled_child(bench, environment: dict[str, str], *options: str) -> dict:
    """profile_child.py's phases and dbt nodes of one run with `options`."""
    with tempfile.NamedTemporaryFile(suffix=".json", dir=bench.workdir) as out:
        command = [sys.executable, str(CHILD), out.name, *options]
        measured = measure(command, environment, bench.workdir)
        profile = json.loads(Path(out.name).read_text())
    profile["child_wall_seconds"] = round(measured.seconds, 2)
    profile["peak_rss_mb"] = round(measured.peak_rss_mb)
    profile["process_start_and_exit_seconds"] = round(
        measured.seconds - profile["in_process_seconds"], 2
    )
    return profile


def _profiled_run(bench, data: Dataset, *options: str) -> dict:
    return profiled_child(
        bench, bench.environment,
        "--events", str(data.events), "--orgs", str(data.orgs),
        "--duckdb-path", str(bench.warehouse), *options,
    )  # fmt: skip


def _state_dir(bench) -> Path:
    """dbt's target folder of the fixed warehouse path (the newest compiled one)."""
    cache = Path(bench.environment["ORGWH_CACHE_DIR"]) / "dbt"
    marker = "compiled/orgwh/models/historical/user_event.sql"
    candidates = [path for path in cache.glob("duckdb-*") if (path / marker).exists()]
    return max(candidates, key=lambda path: (path / marker).stat().st_mtime)


def _operators(node: dict, found: list) -> None:
    """Every operator of DuckDB's JSON profile tree (name, own seconds, rows out)."""
    if node.get("name"):
        info = node.get("extra_info", {})
        detail = info.get("Function") or info.get("Projections") or info.get("Aggregates") or ""
        if isinstance(detail, list):
            detail = ", ".join(detail)
        detail = detail if len(detail) <= 70 else detail[:67] + "..."
        found.append(
            {
                "operator": f"{node['name']} [{detail}]" if detail else node["name"],
                "seconds": round(node.get("timing", 0.0), 3),
                "rows": node.get("intermediate_rows", 0),
            }
        )
    for child in node.get("children", []):
        _operators(child, found)


def explain_models(bench, warehouse: Path, load_days: list[str]) -> dict:
    """Each heavy model's compiled select under DuckDB's profiler, on a copy of `warehouse`."""
    compiled = _state_dir(bench) / "compiled" / "orgwh" / "models"
    alias = bench.warehouse.name.split(".")[0]
    figures = {}
    with tempfile.TemporaryDirectory(dir=bench.workdir) as folder:
        copy = Path(folder) / bench.warehouse.name
        shutil.copyfile(warehouse, copy)
        profile_path = Path(folder) / "profile.json"
        con = duckdb.connect(config={"memory_limit": "2GB"})
        con.execute(f"attach '{copy}' as {alias}")
        con.execute(f"use {alias}")
        con.execute("delete from staging.load_day")
        for load_day in load_days:
            con.execute("insert into staging.load_day values (?)", [load_day])
        for model in PROFILED_MODELS:
            sql = (compiled / f"{model}.sql").read_text()
            con.execute("pragma enable_profiling = 'json'")
            con.execute(f"pragma profiling_output = '{profile_path}'")
            con.execute(f"create or replace temp table profiled as {sql}")
            con.execute("pragma disable_profiling")
            profile = json.loads(profile_path.read_text())
            found: list = []
            for root in profile.get("operator", []):
                _operators(root, found)
            found.sort(key=lambda operator: -operator["seconds"])
            query = profile.get("query", {})
            figures[model] = {
                "latency_s": round(query.get("total_time", 0.0), 3),
                "cpu_s": round(query.get("cpu_time", 0.0), 3),
                "peak_buffer_mb": round(
                    profile.get("system", {}).get("peak_buffer_memory", 0) / 1e6
                ),
                "spilled_mb": round(profile.get("system", {}).get("total_bytes_spilled", 0) / 1e6),
                "top_operators": found[:6],
            }
        con.close()
    return figures


def run(bench, data: Dataset, history: Path) -> dict:
    """Profile a full build and a daily run (the last day on the days before it)."""
    last = day(bench.days)
    bench.log("profile: full build")
    remove_warehouse(bench.warehouse)
    full = _profiled_run(bench, data)
    bench.log("profile: explain the full build's models")
    full["models_explained"] = explain_models(bench, bench.warehouse, [])

    bench.log(f"profile: adding {last} to the days before it")
    place_warehouse(history, bench.warehouse)
    daily = _profiled_run(bench, data, "--date", last)
    bench.log("profile: explain the daily run's models")
    daily["models_explained"] = explain_models(bench, bench.warehouse, [last])

    bench.log(f"profile: adding {last} from its own file")
    place_warehouse(history, bench.warehouse)
    own_file = _profiled_run(
        bench, Dataset(data.folder, data.day_file(bench.days), data.orgs, data.summary),
        "--date", last,
    )  # fmt: skip
    return {
        "full build": full,
        "last day on the days before it (whole file as input)": daily,
        "last day on the days before it (its own file as input)": own_file,
        "input": {"records": data.summary["records"], "bytes": data.summary["bytes"]},
        "cpu_count": os.cpu_count(),
    }
