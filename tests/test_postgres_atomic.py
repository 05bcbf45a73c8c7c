"""A Postgres run is one transaction (SPEC 3): killed, failed, lost or concurrent runs."""

from __future__ import annotations

import signal
import threading
import time

import psycopg
import pytest
from conftest import read_tables
from test_atomic import DAY, MOMENTS, paused_run, two_deliveries

from orgwh.errors import ConnectionFailed, DataTestFailed
from orgwh.pipeline import run
from orgwh.project import SAMPLE_EVENTS, SAMPLE_ORGS

# Every table a run writes, staging first: a reader locks them in this order,
# and the run's first exclusive lock is on staging (truncate staging.organization).
WAREHOUSE_TABLES = (
    "staging.organization",
    "staging.event",
    "staging.rejected",
    "staging.load_day",
    "staging.run_log",
    "historical.user_event",
    "snapshots.user_snapshot",
    "dimensional.dim_organization",
    "dimensional.dim_user",
    "dimensional.fac_user",
)

# One statement, so one snapshot: md5 of each table's rows in a fixed order.
FINGERPRINT = "select " + ", ".join(
    f"(select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from {table} t)"
    for table in WAREHOUSE_TABLES
)


def every_table(warehouse) -> dict[str, list[tuple]]:
    """Every row of every table a run writes, staging included, in a fixed order."""
    with warehouse._connect(warehouse.server["PGDATABASE"]) as connection:
        return {
            table: sorted(connection.execute(f"select * from {table}").fetchall(), key=repr)
            for table in WAREHOUSE_TABLES
        }


def fingerprint(connection: psycopg.Connection) -> tuple:
    return connection.execute(FINGERPRINT).fetchone()


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_run_killed_at_any_moment_leaves_the_warehouse_as_before(
    postgres_warehouse, tmp_path, moment
):
    first, second, orgs, expected = two_deliveries(tmp_path)
    run(postgres_warehouse.settings(first, orgs))
    before = every_table(postgres_warehouse)

    changed = postgres_warehouse.settings(second, orgs)
    victim = paused_run(changed, moment)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    # the server notices the closed connection and discards the transaction
    assert every_table(postgres_warehouse) == before

    run(changed)
    assert postgres_warehouse.tables() == expected


def test_a_reader_sees_the_warehouse_before_then_after_never_a_mix(postgres_warehouse, tmp_path):
    first, second, orgs, _ = two_deliveries(tmp_path)
    run(postgres_warehouse.settings(first, orgs))
    seen: list[tuple] = []
    running = threading.Event()
    running.set()

    def poll() -> None:
        with postgres_warehouse._connect(postgres_warehouse.server["PGDATABASE"]) as reader:
            while running.is_set():
                seen.append(fingerprint(reader))
                time.sleep(0.05)

    with postgres_warehouse._connect(postgres_warehouse.server["PGDATABASE"]) as connection:
        before = fingerprint(connection)
        reader = threading.Thread(target=poll)
        reader.start()
        try:
            run(postgres_warehouse.settings(second, orgs))
        finally:
            running.clear()
            reader.join()
        after = fingerprint(connection)
    assert before != after
    assert set(seen) <= {before, after}
    assert seen[0] == before


def test_a_reader_of_the_layers_never_waits_for_a_run(postgres_warehouse, tmp_path):
    """The modelled tables change row by row and dim_user's view is left as it is:
    a run takes no lock that makes their readers wait for its commit."""
    first, second, orgs, expected = two_deliveries(tmp_path)
    run(postgres_warehouse.settings(first, orgs))
    before = postgres_warehouse.tables()

    victim = paused_run(postgres_warehouse.settings(second, orgs), "committing")
    try:
        with postgres_warehouse._connect(postgres_warehouse.server["PGDATABASE"]) as reader:
            # waiting on a lock the run holds fails this read instead of blocking it
            reader.execute("set lock_timeout = '2s'")
            assert read_tables(reader) == before
    finally:
        victim.communicate("go on\n")
    assert victim.returncode == 0
    assert postgres_warehouse.tables() == expected


def test_a_failed_data_test_changes_nothing_on_postgres(postgres_warehouse):
    settings = postgres_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS)
    run(settings)
    with postgres_warehouse._connect(postgres_warehouse.server["PGDATABASE"]) as connection:
        # someone edits staging by hand
        connection.execute("insert into staging.event values ('2020-12-05', '{}')")
    before = every_table(postgres_warehouse)
    with pytest.raises(DataTestFailed) as failure:
        run(settings, DAY, full_refresh=True)
    assert str(failure.value) == (
        "data test failed: not_null_user_event_event_type, not_null_user_event_received_at, "
        "not_null_user_event_user_id"
    )
    assert every_table(postgres_warehouse) == before


def test_two_concurrent_runs_serialise_and_both_end_right(postgres_warehouse, tmp_path):
    first, second, orgs, expected = two_deliveries(tmp_path)
    earlier = paused_run(postgres_warehouse.settings(first, orgs), "building user_event")
    results: list[object] = []
    later = threading.Thread(
        target=lambda: results.append(
            run(postgres_warehouse.settings(second, orgs, lock_timeout=300))
        )
    )
    later.start()
    later.join(2)
    assert later.is_alive()  # waiting for the run lock
    earlier.communicate("go\n")
    later.join()
    assert earlier.returncode == 0
    assert len(results) == 1
    assert postgres_warehouse.tables() == expected
    assert len(every_table(postgres_warehouse)["staging.run_log"]) == 2


def test_a_lost_connection_leaves_the_warehouse_as_before(postgres_warehouse, tmp_path):
    first, second, orgs, _ = two_deliveries(tmp_path)
    run(postgres_warehouse.settings(first, orgs))
    before = every_table(postgres_warehouse)
    database = postgres_warehouse.server["PGDATABASE"]

    def lose_the_connection(message: str) -> None:
        if message == "building user_snapshot":
            with postgres_warehouse._connect(database) as admin:
                admin.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity "
                    "where application_name = 'orgwh run'"
                )

    with pytest.raises(ConnectionFailed) as failure:
        run(postgres_warehouse.settings(second, orgs), on_progress=lose_the_connection)
    server = postgres_warehouse.server
    assert str(failure.value) == (
        f"lost the connection to Postgres at {server['PGHOST']}:{server['PGPORT']} "
        "during the run; the warehouse is as before the run"
    )
    assert every_table(postgres_warehouse) == before
