"""Nothing half-written: failed, killed and concurrent runs (SPEC 3, atomic runs)."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest
from conftest import write_records
from reference import expected_tables
from streams import ORGANIZATION_RECORDS

from orgwh import targets
from orgwh.config import DaySelection
from orgwh.errors import BuildFailed, DataTestFailed, WarehouseLocked
from orgwh.pipeline import run
from orgwh.project import SAMPLE_EVENTS, SAMPLE_ORGS

DAY = DaySelection.from_options("2020-12-08")


def hold_duckdb_file(path, read_only: bool, seconds: float = 600) -> subprocess.Popen:
    """Another process (a notebook, say) holding the warehouse open for `seconds`."""
    script = textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r}, read_only={read_only})
        print("open", flush=True)
        time.sleep({seconds})
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "open"
    return holder


def lock_path(warehouse):
    """The lock file a run holds while it works."""
    return warehouse.path.with_name(warehouse.path.name + ".lock")


def test_a_failed_data_test_leaves_the_duckdb_file_as_it_was(duckdb_warehouse):
    settings = duckdb_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS)
    run(settings)
    with duckdb.connect(str(duckdb_warehouse.path)) as con:  # someone edits staging by hand
        con.execute("insert into staging.event values ('2020-12-05', '{}')")
    before = duckdb_warehouse.path.read_bytes()
    with pytest.raises(DataTestFailed) as failure:
        run(settings, DAY, full_refresh=True)
    assert str(failure.value) == (
        "data test failed: not_null_user_event_event_type, not_null_user_event_received_at, "
        "not_null_user_event_user_id"
    )
    assert duckdb_warehouse.path.read_bytes() == before


def test_a_model_that_fails_is_named_and_leaves_the_file_as_it_was(duckdb_warehouse):
    settings = duckdb_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS)
    run(settings)
    with duckdb.connect(str(duckdb_warehouse.path)) as con:  # a record the loader never stages
        con.execute(
            """insert into staging.event values ('2020-12-05', '{"id": "u", "event_type":
            "User Created", "received_at": "the fifth of December"}')"""
        )
    before = duckdb_warehouse.path.read_bytes()
    with pytest.raises(BuildFailed) as failure:
        run(settings, DAY, full_refresh=True)
    assert str(failure.value) == (
        "dbt could not build user_event (Runtime Error in model user_event "
        "(models/historical/user_event.sql) Conversion Error: invalid timestamp field format: "
        '"the fifth of December", expected format is '
        "(YYYY-MM-DD HH:MM[:SS[.US]][±HH[:MM[:SS]]| ZONE]))"
    )
    assert duckdb_warehouse.path.read_bytes() == before


@pytest.mark.parametrize("read_only", [True, False])
def test_a_process_holding_the_file_delays_a_run_at_most_the_timeout(duckdb_warehouse, read_only):
    settings = duckdb_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS, lock_timeout=1)
    run(settings)
    holder = hold_duckdb_file(duckdb_warehouse.path, read_only=read_only)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseLocked) as failure:
            run(settings, DAY)
        assert time.monotonic() - started < 10
    finally:
        holder.kill()
    assert str(failure.value) == (
        f"{duckdb_warehouse.path} is open in {os.path.realpath(sys.executable)} "
        f"(PID {holder.pid}); close that connection and run again "
        "(waited 1 s, see ORGWH_LOCK_TIMEOUT)"
    )


def test_a_run_waits_for_a_reader_that_closes_in_time(duckdb_warehouse):
    settings = duckdb_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS)
    run(settings, DAY)
    holder = hold_duckdb_file(duckdb_warehouse.path, read_only=True, seconds=1)
    try:
        report = run(settings)
    finally:
        holder.kill()
    assert len(report.days) == 7


def test_a_reader_waits_for_a_run_then_fails_clearly(duckdb_warehouse):
    settings = duckdb_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS, lock_timeout=0.5)
    run(settings)
    with open(lock_path(duckdb_warehouse), "w") as lock:  # what a run holds while it works
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(WarehouseLocked) as failure:
            targets.get(settings).connect()
    assert str(failure.value) == (
        f"{duckdb_warehouse.path} is being built by an orgwh run; waited 0.5 s for it to "
        "finish (see ORGWH_LOCK_TIMEOUT)"
    )


def test_a_reader_waits_for_another_writer_then_fails_clearly(duckdb_warehouse):
    settings = duckdb_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS, lock_timeout=0.5)
    run(settings)
    writer = hold_duckdb_file(duckdb_warehouse.path, read_only=False)  # the duckdb CLI, say
    try:
        with pytest.raises(WarehouseLocked) as failure:
            targets.get(settings).connect()
    finally:
        writer.kill()
    assert str(failure.value) == (
        f"{duckdb_warehouse.path} is being written by {os.path.realpath(sys.executable)} "
        f"(PID {writer.pid}); waited 0.5 s for it to finish (see ORGWH_LOCK_TIMEOUT)"
    )


@pytest.mark.slow
def test_a_reader_during_a_run_sees_the_state_before_or_after_it(duckdb_warehouse, tmp_path):
    """Readers poll every layer in one connection while a run works: never a mix."""
    first, second, orgs, expected = two_deliveries(tmp_path)
    run(duckdb_warehouse.settings(first, orgs))
    before = duckdb_warehouse.tables()
    changed = duckdb_warehouse.settings(second, orgs, lock_timeout=60)
    victim = run_in_subprocess(changed)
    seen = []
    while victim.poll() is None:
        seen.append(duckdb_warehouse.tables(lock_timeout=60))
    assert victim.wait() == 0
    assert seen and all(state in (before, expected) for state in seen)
    assert duckdb_warehouse.tables() == expected


def test_a_second_run_waits_for_the_first_then_fails_clearly(duckdb_warehouse):
    settings = duckdb_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS, lock_timeout=0.5)
    with open(lock_path(duckdb_warehouse), "w") as lock:  # what a first run holds while it works
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(WarehouseLocked, match="being built by another orgwh run"):
            run(settings, DAY)


def run_in_subprocess(settings) -> subprocess.Popen:
    environment = {
        **os.environ,
        "ORGWH_DUCKDB_PATH": str(settings.duckdb_path),
        "ORGWH_CACHE_DIR": str(settings.cache_dir),
        "ORGWH_EVENTS": str(settings.events),
        "ORGWH_ORGS": str(settings.orgs),
    }
    command = [
        sys.executable,
        "-c",
        "from orgwh.cli import entry_point; entry_point()",
        "run",
        "-q",
    ]
    return subprocess.Popen([*command, "--target", settings.target], env=environment)


def two_deliveries(tmp_path):
    """Four days of one user, then the same days re-delivered with another name."""
    first = [
        {"id": "a" * 32, "event_type": "User Created", "received_at": f"2020-12-0{d} 10:00:00",
         "username": f"v{d}", "organization_name": "Acme"}
        for d in range(5, 9)
    ]  # fmt: skip
    second = [dict(record, username="changed") for record in first]
    orgs = write_records(tmp_path / "orgs.json", ORGANIZATION_RECORDS)
    return (
        write_records(tmp_path / "first.json", first),
        write_records(tmp_path / "second.json", second),
        orgs,
        expected_tables(second, ORGANIZATION_RECORDS),
    )


def paused_run(settings, moment: str) -> subprocess.Popen:
    """A run in another process that pauses at its first progress message starting `moment`.

    It prints "paused" there, holding whatever the run holds at that moment,
    and goes on when it reads a line.
    """
    script = textwrap.dedent(f"""
        import sys
        from orgwh.config import Settings
        from orgwh.pipeline import run

        def progress(message):
            if message.startswith({moment!r}):
                print("paused", flush=True)
                sys.stdin.readline()

        run(Settings.from_env(target={settings.target!r}), on_progress=progress)
    """)
    environment = {
        **os.environ,
        "ORGWH_DUCKDB_PATH": str(settings.duckdb_path),
        "ORGWH_CACHE_DIR": str(settings.cache_dir),
        "ORGWH_EVENTS": str(settings.events),
        "ORGWH_ORGS": str(settings.orgs),
    }
    victim = subprocess.Popen(
        [sys.executable, "-c", script],
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert victim.stdout.readline().strip() == "paused"
    return victim


# Moments of a run (its progress messages), each with what it has done by then.
MOMENTS = [
    "starting dbt",  # staged, nothing built
    "building user_snapshot",  # user_event rebuilt
    "building not_null_",  # every model built, the data tests running
    "committing",  # the run recorded, right before the commit
]


# The fast loop kills a run mid-build; the whole suite kills one at every moment.
@pytest.mark.parametrize(
    "moment",
    [m if "user_snapshot" in m else pytest.param(m, marks=pytest.mark.slow) for m in MOMENTS],
)
def test_a_run_killed_at_any_moment_leaves_the_last_good_state(duckdb_warehouse, tmp_path, moment):
    first, second, orgs, expected = two_deliveries(tmp_path)
    run(duckdb_warehouse.settings(first, orgs))
    before = duckdb_warehouse.tables()

    changed = duckdb_warehouse.settings(second, orgs)
    victim = paused_run(changed, moment)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert duckdb_warehouse.tables() == before
    run(changed)
    assert duckdb_warehouse.tables() == expected
    assert not list(duckdb_warehouse.path.parent.glob("*.building"))
