"""The rows of a DuckDB query streamed into a Postgres table with COPY.

The Postgres target reads its input with DuckDB (readers/duckdb.py) and
stages the rows of the reader's temp tables this way: DuckDB writes them
as CSV into a named pipe while Postgres' COPY reads the other end.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path

import duckdb


def copy_query(
    duck: duckdb.DuckDBPyConnection,
    cursor,
    query: str,
    table: str,
    parameters: dict[str, object],
    spill: Path,
) -> None:
    """Stream the rows of DuckDB `query` into Postgres `table` with COPY (CSV) on `cursor`.

    `cursor` is psycopg2's (dbt-postgres' driver, which the run's connection
    uses); `spill` is the folder for the pipe.

    DuckDB writes the CSV into a named pipe from a thread of its own while
    COPY reads the other end, so that the two overlap (both release the GIL);
    through a file they would take turns. An error of either side ends the
    other, and is raised.
    """
    with tempfile.TemporaryDirectory(dir=spill) as directory:
        pipe = Path(directory) / "rows.csv"
        os.mkfifo(pipe)
        writer = _CsvWriter(duck, query, parameters, pipe)
        writer.start()
        try:
            with pipe.open("rb") as csv_file:
                cursor.copy_expert(f"copy {table} from stdin (format csv)", csv_file, 1 << 20)
        finally:
            writer.finish()
        if writer.error is not None:
            raise writer.error
        if cursor.rowcount != writer.rows:  # COPY must have read all DuckDB wrote
            raise RuntimeError(f"COPY into {table} read {cursor.rowcount} of {writer.rows} rows")


class _CsvWriter(threading.Thread):
    """DuckDB writing a query's rows as CSV into a named pipe, in a thread."""

    def __init__(self, duck, query: str, parameters: dict[str, object], pipe: Path) -> None:
        super().__init__(name="duckdb-csv-writer", daemon=True)
        self.duck, self.query, self.parameters, self.pipe = duck, query, parameters, pipe
        self.error: BaseException | None = None
        self.rows = 0

    def run(self) -> None:
        quoted_path = str(self.pipe).replace("'", "''")
        try:
            (self.rows,) = self.duck.execute(
                f"copy ({self.query}) to '{quoted_path}' (format csv, header false)",
                self.parameters,
            ).fetchone()
        except BaseException as error:  # raised by copy_query, in the run's thread
            self.error = error
            # A reader still waiting to open the pipe gets an empty stream.
            _open_and_close(self.pipe, os.O_WRONLY)

    def finish(self) -> None:
        """Wait for the writer; if COPY stopped reading, open the pipe so that it ends."""
        while self.is_alive():
            # A writer waiting to open the pipe, or blocked writing into it,
            # now sees a reader come and go, and fails on a broken pipe.
            _open_and_close(self.pipe, os.O_RDONLY)
            self.join(0.1)


def _open_and_close(pipe: Path, mode: int) -> None:
    """Open a named pipe's end without waiting for the other end, and close it."""
    with contextlib.suppress(OSError):  # no reader: nothing waits for this writer
        os.close(os.open(pipe, mode | os.O_NONBLOCK))
