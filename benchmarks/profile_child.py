"""`orgwh run` with a stopwatch on each phase; writes the phases as JSON.

Usage: python benchmarks/profile_child.py OUT.json run --date 2021-03-30 ...

It wraps orgwh's own functions (reading the files, validating, staging, the
dbt build, the copy of the warehouse file) and listens to dbt's events, then
runs the ordinary command line. The profile run is separate from the timed
runs, which use the plain command.
"""

from __future__ import annotations

import functools
import json
import sys
import time

STARTED = time.monotonic()

from orgwh import duckdb_file, load, pipeline, staging, transform  # noqa: E402
from orgwh.cli import app  # noqa: E402

phases: list[tuple[str, float, float]] = []
dbt_events: list[tuple[float, str, str]] = []


def _timed(module, name: str, label: str) -> None:
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        begun = time.monotonic()
        try:
            return original(*args, **kwargs)
        finally:
            phases.append((label, begun - STARTED, time.monotonic() - begun))

    setattr(module, name, wrapper)


def _recording_callback(on_progress):
    def callback(event) -> None:
        name = event.info.name
        node = ""
        node_info = getattr(event.data, "node_info", None)
        if node_info is not None and node_info.unique_id:
            node = node_info.unique_id
        dbt_events.append((time.monotonic() - STARTED, name, node))
        if on_progress is not None and name == "NodeStart":
            on_progress(f"building {node}")

    return callback


def _first(name: str, default: float) -> float:
    return next((at for at, event, _ in dbt_events if event == name), default)


def _dbt_phases(began: float, ended: float, starts: dict, nodes: list) -> dict:
    """dbt's time split at its own milestones (the events it logs at info level)."""
    first_event = dbt_events[0][0]
    registered = _first("AdapterRegistered", first_event)
    found = _first("FoundStats", registered)
    first_node = min(starts.values(), default=found)
    last_event = dbt_events[-1][0]
    in_nodes = sum(n["seconds"] for n in nodes)
    tests = sum(n["seconds"] for n in nodes if n["node"].startswith("test."))
    return {
        "import dbt (to its first event)": round(first_event - began, 3),
        "load profile, register adapter": round(registered - first_event, 3),
        "parse (partial) and manifest": round(found - registered, 3),
        "open connection, cache schemas": round(first_node - found, 3),
        "models": round(in_nodes - tests, 3),
        "data tests": round(tests, 3),
        "between nodes": round((last_event - first_node) - in_nodes, 3),
        "after the last event": round(ended - last_event, 3),
    }


def _summarise(total: float) -> dict:
    starts = {}
    nodes = []
    for at, name, node in dbt_events:
        if name == "NodeStart":
            starts[node] = at
        elif name == "NodeFinished" and node in starts:
            nodes.append({"node": node, "seconds": round(at - starts[node], 3)})
    build = next((p for p in phases if p[0] == "dbt build (all)"), None)
    summary: dict = {
        "in_process_seconds": round(total, 3),
        "import_orgwh_seconds": round(IMPORTED - STARTED, 3),
        "phases": [
            {"phase": p, "start": round(s, 3), "seconds": round(d, 3)} for p, s, d in phases
        ],
        "nodes": nodes,
    }
    if build is not None and dbt_events:
        summary["dbt"] = _dbt_phases(build[1], build[1] + build[2], starts, nodes)
    return summary


IMPORTED = time.monotonic()
_timed(load, "_read_records", "read file (DuckDB read_json)")
_timed(load, "read_inputs", "read + validate (all)")
_timed(staging, "stage_into_duckdb", "stage into DuckDB")
_timed(staging, "stage_into_postgres", "stage into Postgres")
_timed(duckdb_file, "_copy", "copy warehouse file")
_timed(transform, "build", "dbt build (all)")
_timed(pipeline, "_count_rows", "count rows")
transform._progress_callback = _recording_callback

if __name__ == "__main__":
    out = sys.argv[1]
    sys.argv = ["orgwh", *sys.argv[2:]]
    try:
        app()
    except SystemExit as exit_:
        if exit_.code:
            raise
    finally:
        with open(out, "w") as file:
            json.dump(_summarise(time.monotonic() - STARTED), file, indent=2)
