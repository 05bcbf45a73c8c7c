"""`orgwh run` with a stopwatch on each phase; writes the phases as JSON.

Usage: python benchmarks/profile_child.py OUT.json [--date D] [--events F] [--orgs F]
                                          [--duckdb-path P] [--target T]

It calls orgwh.pipeline.run as the command line does, with a progress
callback: each message orgwh reports ("reading the input files", "staging",
"starting dbt", "building <node>", "recording the run", "committing")
starts a phase that lasts until the next one. The profile run is separate
from the timed runs, which use the plain command.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

STARTED = time.monotonic()

from orgwh import targets  # noqa: E402
from orgwh.config import DaySelection, Settings  # noqa: E402
from orgwh.pipeline import run  # noqa: E402

IMPORTED = time.monotonic()
BUILDING = "building "


def _options(arguments: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    for option in ("--date", "--start", "--end", "--events", "--orgs", "--duckdb-path"):
        parser.add_argument(option)
    parser.add_argument("--target", default="duckdb", choices=targets.NAMES)
    return parser.parse_args(arguments)


def _summary(marks: list[tuple[str, float]], ended: float) -> dict:
    """Phases (from each mark to the next), and the dbt nodes among them, slowest first."""
    phases = [
        {"phase": label, "start": round(at - STARTED, 3), "seconds": round(until - at, 3)}
        for (label, at), until in zip(marks, [at for _, at in marks[1:]] + [ended], strict=True)
    ]
    totals: dict[str, float] = {"import orgwh": round(IMPORTED - STARTED, 3)}
    for phase in phases:
        name = "dbt models and tests" if phase["phase"].startswith(BUILDING) else phase["phase"]
        totals[name] = round(totals.get(name, 0.0) + phase["seconds"], 3)
    nodes = [
        {"node": phase["phase"].removeprefix(BUILDING), "seconds": phase["seconds"]}
        for phase in phases
        if phase["phase"].startswith(BUILDING)
    ]
    return {
        "in_process_seconds": round(ended - STARTED, 3),
        "phases": phases,
        "phase_totals": totals,
        "nodes": sorted(nodes, key=lambda node: -node["seconds"]),
    }


def main(out: str, arguments: list[str]) -> None:
    options = _options(arguments)
    settings = Settings.from_env(
        target=options.target, events=options.events, orgs=options.orgs,
        duckdb_path=options.duckdb_path,
    )  # fmt: skip
    marks: list[tuple[str, float]] = []
    run(
        settings,
        DaySelection.from_options(options.date, options.start, options.end),
        on_progress=lambda message: marks.append((message, time.monotonic())),
    )
    with open(out, "w") as file:
        json.dump(_summary(marks, time.monotonic()), file, indent=2)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
