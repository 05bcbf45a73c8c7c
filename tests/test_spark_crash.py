"""SPEC 3 on Spark: a run killed while it writes user_snapshot, and the next run.

Its own module and xdist group: the test starts Spark processes of its own
and needs only the cluster, so it runs beside the Spark session's tests.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import MODELLED_TABLES, SparkWarehouse, write_records
from reference import expected_tables
from streams import ORGANIZATION_RECORDS
from test_spark import three_days_of_two_users

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark-crash")]


# Each in a process of its own (a process holds one Spark session and
# metastore, and the test's own holds the session's warehouse).
_BUILD_THEN_LOAD_THE_LAST_DAY = """
import sys
from datetime import date
from pathlib import Path
from conftest import SparkWarehouse
from orgwh.config import DaySelection
from orgwh.pipeline import run

directory, cache_dir, master, events, orgs = sys.argv[1:]
settings = SparkWarehouse(Path(directory), Path(cache_dir), master).settings(Path(events), Path(orgs))
run(settings, DaySelection(date(2020, 12, 5), date(2020, 12, 6)))
print("built", flush=True)
run(settings, DaySelection(date(2020, 12, 7), date(2020, 12, 7)))
"""
# Read every table after the crash, the pending days, run again, read again.
_AFTER_THE_CRASH = """
import pickle, sys
from pathlib import Path
from conftest import SparkWarehouse
from orgwh.pipeline import run

directory, cache_dir, master, events, orgs, out = sys.argv[1:]
warehouse = SparkWarehouse(Path(directory), Path(cache_dir), master)
after_the_crash = warehouse.tables()
pending = sorted(row[0] for row in warehouse.session.table("staging.load_day").collect())
run(warehouse.settings(Path(events), Path(orgs)))
Path(out).write_bytes(pickle.dumps((after_the_crash, pending, warehouse.tables())))
"""


def test_a_run_killed_while_it_writes_user_snapshot_leaves_the_old_table_and_its_days_pending(
    spark_cluster, cache_dir, tmp_path
):
    stream = three_days_of_two_users()
    events = write_records(tmp_path / "events.json", stream)
    orgs = write_records(tmp_path / "orgs.json", ORGANIZATION_RECORDS)
    directory = tmp_path / "spark"
    arguments = [str(directory), str(cache_dir), spark_cluster, str(events), str(orgs)]
    here = Path(__file__).parent

    # Build two days, then kill the run of the last day (its Spark driver
    # too) while dbt writes user_snapshot's partitions (after user_event's
    # partitions of the day were replaced): Spark's insert overwrite writes
    # them in a hidden folder of the table's, then moves each in place.
    victim = subprocess.Popen(
        [sys.executable, "-c", _BUILD_THEN_LOAD_THE_LAST_DAY, *arguments],
        cwd=here,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert victim.stdout.readline().strip() == "built"
    tables_folder = SparkWarehouse.tables_folder_of(directory)
    partitioned = tables_folder / "snapshots.db" / "user_snapshot__by_valid_to_date"
    while not (half_written := list(partitioned.glob(".spark-staging-*"))):
        assert victim.poll() is None, "the run ended before dbt wrote user_snapshot"
        time.sleep(0.05)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()

    out = tmp_path / "after.pickle"
    after_the_crash = [sys.executable, "-c", _AFTER_THE_CRASH, *arguments, str(out)]
    subprocess.run(after_the_crash, cwd=here, check=True)
    tables_after_the_crash, pending, tables = pickle.loads(out.read_bytes())
    before = expected_tables(stream[:2], ORGANIZATION_RECORDS)
    assert sorted(tables_after_the_crash) == sorted(MODELLED_TABLES)
    assert tables_after_the_crash["snapshots.user_snapshot"] == before["snapshots.user_snapshot"]
    assert pending == [date(2020, 12, 7)]
    assert tables == expected_tables(stream, ORGANIZATION_RECORDS)
    assert not any(folder.exists() for folder in half_written)  # removed by the next run
