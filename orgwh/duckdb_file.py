"""Atomic runs on a DuckDB warehouse file: build on a private copy, then swap.

A run never writes the warehouse file in place. It copies the file, loads and
builds on the copy, and on success renames the copy over the original, which
is atomic on POSIX: a failed or killed run leaves the file exactly as before.
Readers that opened the file read-only keep reading the old contents until
they reconnect, so a notebook never blocks a run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from .errors import WarehouseLocked

_POLL_SECONDS = 0.1


def _wait_for(take_lock, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            take_lock()
            return
        except OSError as error:
            if error.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLocked(message) from None
            time.sleep(_POLL_SECONDS)


@contextlib.contextmanager
def _run_lock(path: Path, timeout: float) -> Iterator[None]:
    """Serialise orgwh runs on one warehouse (a lock file beside it)."""
    with open(path.with_name(path.name + ".lock"), "w") as lock_file:
        _wait_for(
            lambda: fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB),
            timeout,
            f"{path} is being built by another orgwh run; wait for it to finish "
            f"(waited {timeout:g} s, see ORGWH_LOCK_TIMEOUT)",
        )
        yield


@contextlib.contextmanager
def _no_writer(path: Path, timeout: float) -> Iterator[int | None]:
    """Hold a shared lock on the warehouse file, as a DuckDB reader does.

    DuckDB locks the file exclusively for a read-write connection, so this
    waits while another process writes it, and keeps others from starting to
    write it during the run. Yields the locked descriptor (None: no file yet).
    """
    if not path.exists():
        yield None
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        _wait_for(
            lambda: fcntl.lockf(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB),
            timeout,
            f"{path} is open for writing in another process; close that connection "
            f"(notebooks should use orgwh.connect(), which is read-only) and run again",
        )
        yield descriptor
    finally:
        # Closing the descriptor releases the lock (POSIX record locks).
        os.close(descriptor)


def _copy(source_descriptor: int, destination: Path) -> None:
    size = os.fstat(source_descriptor).st_size
    with open(destination, "wb") as target:
        copied = 0
        while copied < size:
            copied += os.copy_file_range(
                source_descriptor, target.fileno(), size - copied, copied, copied
            )


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def building_copy(path: Path, lock_timeout: float) -> Iterator[Path]:
    """Yield a private copy of the warehouse at `path` to build on.

    When the block ends without an exception, the copy replaces the warehouse
    atomically; otherwise it is thrown away and the warehouse is untouched.
    Raises WarehouseLocked when another process holds the file for longer
    than `lock_timeout` seconds.
    """
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    work = path.with_name(path.name + ".building")
    with _run_lock(path, lock_timeout), _no_writer(path, lock_timeout) as locked:
        _remove(work, Path(f"{work}.wal"))
        if locked is not None:
            if Path(f"{path}.wal").exists():
                raise WarehouseLocked(
                    f"{path} has an unfinished write-ahead log from another program; "
                    "open it once with DuckDB to finish it, then run again"
                )
            _copy(locked, work)
        try:
            yield work
            # Fold DuckDB's write-ahead log into the copy before it goes live.
            with duckdb.connect(str(work)) as con:
                con.execute("checkpoint")
            os.replace(work, path)
        finally:
            _remove(work, Path(f"{work}.wal"))
