"""Lock files that serialise orgwh runs, for the engines whose warehouse sits in local files."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import WarehouseLocked

_POLL_SECONDS = 0.1


def wait_for(take_lock: Callable[[], None], timeout: float, message: str) -> None:
    """Retry `take_lock` while the lock is busy; WarehouseLocked(message) after `timeout` s."""
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
def run_lock(path: Path, timeout: float) -> Iterator[None]:
    """Serialise orgwh runs on the warehouse at `path` (a lock file beside it).

    The lock is the kernel's (flock): it goes with the process that holds it,
    also when that process is killed, so no stale lock survives a crash.
    """
    with open(path.with_name(path.name + ".lock"), "w") as lock_file:
        wait_for(
            lambda: fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB),
            timeout,
            f"{path} is being built by another orgwh run; wait for it to finish "
            f"(waited {timeout:g} s, see ORGWH_LOCK_TIMEOUT)",
        )
        yield
