"""Run the dbt project in-process (dbtRunner) and turn its result into errors."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildFailed, DataTestFailed, OutOfMemory
from .progress import Progress
from .project import PROJECT_DIR


@dataclass(frozen=True)
class DbtTarget:
    """What dbt needs to know of a target: the output of profiles.yml it is, where
    its state goes, and what to let go of after each dbt command."""

    name: str
    cache_dir: Path
    release: Callable[[], None]


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for dbt's `env_var()` for the duration of a call."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dbt_state_dir(
    cache_dir: Path,
    target: str,
    environment: Mapping[str, str],
    variables: Mapping[str, object] | None = None,
) -> Path:
    """dbt's target folder, one per target, connection and set of dbt variables.

    dbt keeps its partial-parse state there, and discards it when the
    connection or the variables change; one folder for each keeps it valid
    between runs.
    """
    connection = "\0".join(f"{key}={value}" for key, value in sorted(environment.items()))
    if variables:
        connection += "\0" + json.dumps(variables, sort_keys=True)
    digest = hashlib.sha256(connection.encode()).hexdigest()[:12]
    return cache_dir / "dbt" / f"{target}-{digest}"


def _progress_callback(on_progress: Progress | None):
    def callback(event) -> None:
        if on_progress is not None and event.info.name == "NodeStart":
            on_progress(f"building {event.data.node_info.node_name}")

    return callback


def _one_line(message: str) -> str:
    """A database's error message on one line, without the SQL it quotes after `LINE n:`."""
    lines = []
    for line in message.strip().splitlines():
        if line.strip().startswith("LINE "):
            break
        lines.append(line.strip())
    return " ".join(line for line in lines if line)


def start_importing_dbt() -> None:
    """Import dbt in a background thread, while the run reads its input.

    Importing dbt is seconds of pure Python, and DuckDB releases the GIL
    while it reads and stages, so the two overlap. invoke_dbt's own import
    then waits for this one (Python's import lock), or raises if it failed.
    """
    threading.Thread(target=_import_dbt, name="import-dbt", daemon=True).start()


def _import_dbt() -> None:
    with contextlib.suppress(Exception):  # invoke_dbt's import reports it
        import dbt.cli.main  # noqa: F401


def invoke_dbt(
    command: list[str],
    target: DbtTarget,
    environment: Mapping[str, str],
    on_progress: Progress | None = None,
    variables: Mapping[str, object] | None = None,
):
    """Run one dbt command against the bundled project on `target`; return dbt's result.

    `environment` holds the connection settings that profiles.yml reads;
    `variables` are the project's `var()`s. Raises BuildFailed when dbt
    itself fails (not for failed tests).
    """
    from dbt.cli.main import dbtRunner  # dbt takes seconds to import: only when needed

    state_dir = dbt_state_dir(target.cache_dir, target.name, environment, variables)
    if variables:
        command = [*command, "--vars", json.dumps(variables)]
    arguments = [
        *command,
        "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(PROJECT_DIR),
        "--target", target.name,
        "--target-path", str(state_dir),
        "--log-path", str(state_dir / "logs"),
        "--log-level", "none",
        "--log-level-file", "info",
    ]  # fmt: skip
    with _environment({"DO_NOT_TRACK": "1", **environment}):
        try:
            result = dbtRunner(callbacks=[_progress_callback(on_progress)]).invoke(arguments)
        finally:
            target.release()
    if result.exception is not None:
        raise BuildFailed(f"dbt failed: {_one_line(str(result.exception))}")
    return result


def build(
    target: DbtTarget,
    environment: Mapping[str, str],
    full_refresh: bool = False,
    on_progress: Progress | None = None,
    every_day_pending: bool = False,
) -> None:
    """Build every model and run every data test (`dbt build`).

    dbt unit tests (the `unit_tests:` beside the models) check the models'
    logic on fixed rows, not the data; the test suite runs them, runs do not.
    `every_day_pending` says that every staged day is in staging.load_day:
    the build then rewrites every row, and the data tests check whole tables
    instead of the rows of the pending days (macros/in_scope.sql).

    Raises DataTestFailed naming the failed error-severity tests, or
    BuildFailed naming the first model that could not be built.
    """
    command = ["build", "--exclude", "test_type:unit", "--no-write-json"]
    if full_refresh:
        command.append("--full-refresh")
    variables = {"every_day_pending": True} if every_day_pending else None
    result = invoke_dbt(command, target, environment, on_progress, variables)
    if result.success:
        return
    failed = [
        node_result
        for node_result in result.result.results
        if str(node_result.status) in ("error", "fail")
    ]
    models = [node_result for node_result in failed if node_result.node.resource_type != "test"]
    if models:
        # The first failure is the cause: on DuckDB it aborts the run's
        # transaction, and every later statement fails for that reason alone.
        name, message = models[0].node.name, _one_line(models[0].message or "")
        if OutOfMemory.DUCKDB_PREFIX in message:
            detail = message[message.index(OutOfMemory.DUCKDB_PREFIX) :]
            raise OutOfMemory.during(f"building {name}", detail)
        raise BuildFailed(f"dbt could not build {name} ({message})")
    raise DataTestFailed(
        "data test failed: " + ", ".join(node_result.node.name for node_result in failed)
    )
