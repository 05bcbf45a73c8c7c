"""The command line: exit statuses and the exact words a user reads."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb
import pytest
from conftest import event, write_records
from typer.testing import CliRunner

from orgwh.cli import app


@pytest.fixture
def orgwh(duckdb_warehouse, monkeypatch):
    """Run `orgwh ...` against the test's DuckDB warehouse; return the result."""
    monkeypatch.setenv("ORGWH_DUCKDB_PATH", str(duckdb_warehouse.path))
    monkeypatch.setenv("ORGWH_CACHE_DIR", str(duckdb_warehouse.cache_dir))

    def invoke(*arguments: str):
        return CliRunner().invoke(app, list(arguments))

    return invoke


def test_run_builds_the_sample_and_prints_a_summary(orgwh, duckdb_warehouse):
    result = orgwh("run")
    assert result.exit_code == 0, result.output
    assert "dimensional.fac_user" in result.stdout
    assert "events_sample.json: 27 read, 27 staged" in result.stdout
    with duckdb.connect(str(duckdb_warehouse.path), read_only=True) as con:
        assert con.execute("select count(*) from historical.user_event").fetchone() == (25,)


def test_quiet_prints_nothing(orgwh):
    result = orgwh("run", "--date", "2020-12-08", "--quiet")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


# Input files DuckDB's reader refuses as a whole (see also test_rejected.BAD_FILES).
UNREADABLE = [
    ("corrupt.json.gz", b"\x1f\x8bgarbage", "cannot be read (Compressed file ended before the end-of-stream marker was reached)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "message"), UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_a_file_duckdb_cannot_read_is_named(orgwh, tmp_path, name, content, message):
    events = tmp_path / name
    events.write_bytes(content)
    result = orgwh("run", "--events", str(events))
    assert (result.exit_code, result.stderr) == (2, f"Error: {events}: {message}\n")


@pytest.mark.slow
def test_a_write_ahead_log_left_by_a_killed_program_keeps_its_writes(orgwh, duckdb_warehouse):
    assert orgwh("run", "--quiet").exit_code == 0
    script = textwrap.dedent(f"""
        import duckdb
        con = duckdb.connect({str(duckdb_warehouse.path)!r})
        con.execute("set checkpoint_threshold = '1TB'")  # the write stays in the log
        con.execute("create table main.notes as select 42 as answer")
        print("written", flush=True)
        input()
    """)
    writer = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout.readline() == "written\n"
    writer.kill()
    writer.wait()
    assert duckdb_warehouse.path.with_name(duckdb_warehouse.path.name + ".wal").exists()
    result = orgwh("run", "--quiet")
    assert result.exit_code == 0, result.stderr
    with duckdb.connect(str(duckdb_warehouse.path), read_only=True) as con:
        assert con.execute("select answer from main.notes").fetchall() == [(42,)]


def test_a_broken_file_is_named_and_nothing_changes(orgwh, duckdb_warehouse, tmp_path):
    first = orgwh("run", "--quiet")
    assert first.exit_code == 0, first.stderr
    before = duckdb_warehouse.path.read_bytes()
    broken = tmp_path / "events.json"
    broken.write_text('[{"id": "a", "event_type": "User Created"},\n {"id": ')
    result = orgwh("run", "--events", str(broken))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {broken}: not a readable JSON file (malformed JSON")
    assert duckdb_warehouse.path.read_bytes() == before


def test_running_out_of_memory_says_which_setting_to_raise(orgwh, monkeypatch, tmp_path):
    events = write_records(tmp_path / "events.json", [event()])
    monkeypatch.setenv("ORGWH_MEMORY_LIMIT", "20MB")  # less than the reader's buffers
    result = orgwh("run", "--events", str(events))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Error: DuckDB ran out of memory reading {events} (failed to allocate data of size "
    )
    assert result.stderr.endswith(
        "); raise ORGWH_MEMORY_LIMIT (DuckDB spills what it can to ORGWH_TEMP_DIRECTORY)\n"
    )
