"""Lock files that serialise orgwh runs, for the engines whose warehouse sits in local files."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from ..errors import WarehouseLocked

_POLL_SECONDS = 0.1

T = TypeVar("T")


def _lock_is_busy(error: Exception) -> bool:
    return isinstance(error, OSError) and error.errno in (errno.EACCES, errno.EAGAIN)


def wait_for(
    attempt: Callable[[], T],
    timeout: float,
    message: Callable[[Exception], str],
    busy: Callable[[Exception], bool] = _lock_is_busy,
) -> T:
    """Retry `attempt` while it fails with an error `busy` accepts; return what it returns.

    After `timeout` seconds, raises WarehouseLocked with `message(last error)`.
    The default `busy` accepts the errors of a non-blocking file lock.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return attempt()
        except Exception as error:
            if not busy(error):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLocked(message(error)) from None
            time.sleep(_POLL_SECONDS)


@contextlib.contextmanager
def run_lock(path: Path, timeout: float) -> Iterator[None]:
    """Serialise orgwh runs on the warehouse at `path` (a lock file beside it).

    The lock is the kernel's (flock): it goes with the process that holds it,
    also when that process is killed, so no stale lock survives a crash.
    """
    with open(_lock_path(path), "w") as lock_file:
        wait_for(
            lambda: fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB),
            timeout,
            lambda _error: (
                f"{path} is being built by another orgwh run; wait for it to finish "
                f"(waited {timeout:g} s, see ORGWH_LOCK_TIMEOUT)"
            ),
        )
        yield


@contextlib.contextmanager
def no_run_starting(path: Path, timeout: float) -> Iterator[None]:
    """Wait for a run in progress on `path`, and keep new ones from starting, for the block.

    A reader takes the lock file's shared lock while it opens the warehouse,
    so that readers arriving one after another cannot starve a run waiting
    for the file. Creates nothing: without a lock file no run ever started.
    """
    lock_path = _lock_path(path)
    if not lock_path.exists():
        yield
        return
    with open(lock_path) as lock_file:
        wait_for(
            lambda: fcntl.flock(lock_file, fcntl.LOCK_SH | fcntl.LOCK_NB),
            timeout,
            lambda _error: (
                f"{path} is being built by an orgwh run; waited {timeout:g} s "
                "for it to finish (see ORGWH_LOCK_TIMEOUT)"
            ),
        )
        yield


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")
