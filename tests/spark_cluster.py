"""A Spark standalone cluster on 127.0.0.1: a master and a worker, each its own JVM.

Both come from pyspark's own `bin/spark-class`, as a team's cluster would run
them, so the Spark tests run their jobs on executors that the worker
launches rather than inside the test process (`local[*]`).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyspark

_SPARK_HOME = Path(pyspark.__file__).parent
_HOST = "127.0.0.1"
_PR_SET_PDEATHSIG = 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((_HOST, 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """Linux: the JVM gets SIGKILL when pytest ends, even when pytest itself is killed."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _start(main_class: str, arguments: list[str], log: Path) -> subprocess.Popen:
    environment = {
        **os.environ,
        "SPARK_HOME": str(_SPARK_HOME),
        "SPARK_LOCAL_IP": _HOST,
        "PYSPARK_PYTHON": sys.executable,
        # the master's REST submission server is not needed and takes a fixed port
        "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false",
    }
    with log.open("w") as output:
        return subprocess.Popen(
            [str(_SPARK_HOME / "bin" / "spark-class"), main_class, *arguments],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )


def _wait_until_alive(web_ui: str, processes: list[subprocess.Popen], logs: Path) -> None:
    """Poll the master's `/json` until it is ALIVE with a worker registered (2 minutes at most)."""
    deadline = time.monotonic() + 120
    state: dict = {}
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a Spark daemon exited ({process.returncode}); see {logs}")
        with contextlib.suppress(OSError, ValueError):
            with urllib.request.urlopen(f"{web_ui}/json", timeout=5) as response:
                state = json.load(response)
            if state.get("status") == "ALIVE" and state.get("aliveworkers", 0) >= 1:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the Spark cluster did not come up: {state}; see {logs}")


@contextlib.contextmanager
def standalone_cluster(logs: Path, cores: int = 2, memory: str = "4g") -> Iterator[str]:
    """A running master and worker; yields the master's `spark://` URL and stops both after."""
    port, master_ui, worker_ui = _free_port(), _free_port(), _free_port()
    url = f"spark://{_HOST}:{port}"
    processes: list[subprocess.Popen] = []
    try:
        processes.append(
            _start(
                "org.apache.spark.deploy.master.Master",
                ["--host", _HOST, "--port", str(port), "--webui-port", str(master_ui)],
                logs / "master.log",
            )
        )
        worker = ["--host", _HOST, "--webui-port", str(worker_ui), "--cores", str(cores)]
        worker += ["--memory", memory, "--work-dir", str(logs / "work")]
        processes.append(
            _start("org.apache.spark.deploy.worker.Worker", [url, *worker], logs / "worker.log")
        )
        _wait_until_alive(f"http://{_HOST}:{master_ui}", processes, logs)
        yield url
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
