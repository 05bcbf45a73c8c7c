"""What every benchmark shares: timed child processes, datasets, the machine, results.

A measurement is a whole child process, as a user runs it: wall seconds from
start to exit and the child's own peak RSS (os.wait4 reports it per child).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RESULTS_JSON = BENCH_DIR / "results.json"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
FIRST_DAY = date(2021, 3, 1)
# Runs on the bundled sample before any measured one: its full build, then one
# of its days. dbt keeps a parse state for runs that build every staged day
# and one for the others (orgwh.transform.dbt_state_dir); both are warm after.
WARM_UP_RUNS = ((), ("--date", "2020-12-08"))

sys.path.insert(0, str(BENCH_DIR))
from generate import generate  # noqa: E402


@dataclass
class Measured:
    """One child process: wall seconds, CPU seconds (user + system) and peak memory.

    On a shared machine the wall time swings with the other processes' load;
    the CPU time is what the run itself spent, and is the steadier figure.
    """

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float


class ChildFailed(RuntimeError):
    """A measured child process exited with a non-zero status."""


def child_environment(workdir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured child: this checkout's orgwh, a stable dbt cache."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO_DIR), os.environ.get("PYTHONPATH")])
    )
    environment.setdefault("ORGWH_CACHE_DIR", str(workdir / "cache"))
    environment["DO_NOT_TRACK"] = "1"
    environment.update(extra or {})
    return environment


def check_checkout(environment: dict[str, str], cwd: Path) -> None:
    """Fail unless a child imports the orgwh (and dbt project) of this checkout.

    An editable install of another checkout wins over PYTHONPATH when this
    checkout's orgwh is not a regular package; the benchmark would then
    silently measure the other code.
    """
    probe = "import orgwh.project as p; print(p.PROJECT_DIR)"
    found = subprocess.run(
        [sys.executable, "-c", probe], env=environment, cwd=cwd, capture_output=True, text=True
    )
    if Path(found.stdout.strip() or "?").resolve() != REPO_DIR:
        raise SystemExit(
            f"children import orgwh from {found.stdout.strip() or found.stderr.strip()}, "
            f"not from {REPO_DIR}: the figures would not be this checkout's"
        )


def measure(command: list[str], environment: dict[str, str], cwd: Path) -> Measured:
    """Run `command` to completion; its wall time and its own peak RSS."""
    with tempfile.TemporaryFile() as output:
        started = time.monotonic()
        process = subprocess.Popen(
            command, env=environment, cwd=cwd, stdout=output, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            tail = output.read().decode(errors="replace")[-3000:]
            raise ChildFailed(f"{' '.join(command)} exited {process.returncode}:\n{tail}")
    return Measured(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def orgwh_command(*arguments: str) -> list[str]:
    """`orgwh <arguments>` as a user runs it, through this checkout's package."""
    return [sys.executable, "-c", "from orgwh.cli import entry_point; entry_point()", *arguments]


def scan_command(path: Path) -> list[str]:
    """A bare DuckDB count over the events file: the floor of reading it at all."""
    script = (
        "import duckdb, sys; "
        "print(duckdb.connect().execute('select count(*) from read_json(?)', [sys.argv[1]])"
        ".fetchall())"
    )
    return [sys.executable, "-c", script, str(path)]


def median(values: list[float]) -> float:
    return statistics.median(values)


def day(n: int) -> str:
    """The n-th day (1-based) of a generated dataset."""
    return str(FIRST_DAY + timedelta(days=n - 1))


@dataclass
class Dataset:
    """Generated inputs, kept in the work folder and reused by later runs."""

    folder: Path
    events: Path
    orgs: Path
    summary: dict

    def day_file(self, n: int) -> Path:
        return self.folder / "days" / f"{day(n)}.json"


def dataset(
    workdir: Path, events: int, days: int = 30, seed: int = 42, layout: str = "array"
) -> Dataset:
    """The dataset of that size (and one file per day), made once.

    `layout` is "array" (a pretty-printed JSON array) or "ndjson".
    """
    folder = workdir / f"data-{events}-{days}d-seed{seed}" / ("" if layout == "array" else layout)
    events_file = folder / ("events.json" if layout == "array" else "events.ndjson")
    stamp = folder / "summary.json"
    if not stamp.exists():
        shutil.rmtree(folder, ignore_errors=True)
        summary = generate(
            events_file,
            folder / "orgs.json",
            events=events,
            days=days,
            seed=seed,
            layout=layout,
            split_dir=folder / "days",
        )
        stamp.write_text(json.dumps(summary, indent=2))
    summary = json.loads(stamp.read_text())
    return Dataset(folder, events_file, folder / "orgs.json", summary)


def remove_warehouse(path: Path) -> None:
    for leftover in path.parent.glob(path.name + "*"):
        leftover.unlink()


def place_warehouse(saved: Path | None, path: Path) -> None:
    """Make `path` hold a copy of `saved` (None: no warehouse at all), written to disk.

    The copy is flushed before the measured run starts: the run's commit
    syncs the file, and would otherwise also write out every page of a copy
    made a moment before, which a user's warehouse, on disk since its last
    run, does not have.
    """
    remove_warehouse(path)
    if saved is not None:
        shutil.copyfile(saved, path)
        with path.open("rb") as copy:
            os.fsync(copy.fileno())


def machine() -> dict[str, object]:
    """The facts a reader needs to weigh the figures."""
    memory_kb = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    cpu = platform.processor()
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_DIR, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(memory_kb / 1024 / 1024, 1),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "python": platform.python_version(),
        "duckdb": metadata.version("duckdb"),
        "dbt-core": metadata.version("dbt-core"),
        "dbt-duckdb": metadata.version("dbt-duckdb"),
        "dbt-postgres": metadata.version("dbt-postgres"),
        "commit": commit,
    }


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def load_results() -> dict:
    if RESULTS_JSON.exists():
        return json.loads(RESULTS_JSON.read_text())
    return {}


def save_results(results: dict) -> None:
    RESULTS_JSON.write_text(json.dumps(results, indent=2) + "\n")
