"""The `orgwh` command line: parse options, call one function, print the result."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from . import docs as docs_site
from . import targets
from .api import QueryResult
from .api import query as run_query
from .config import DaySelection, Settings
from .errors import OrgwhError
from .pipeline import RunReport
from .pipeline import run as run_pipeline
from .status import WarehouseStatus, read_status

app = typer.Typer(
    help="orgwh: a layered warehouse of organizations and user events (DuckDB, Postgres, Spark).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
)
console = Console()
errors = Console(stderr=True)

_ENGINES = ", ".join(targets.NAMES)
Target = Annotated[str, typer.Option("--target", "-t", help=f"Where to build: {_ENGINES}.")]
ReadTarget = Annotated[
    str, typer.Option("--target", "-t", help=f"Which warehouse to read: {_ENGINES}.")
]
DuckDBPath = Annotated[
    Path | None,
    typer.Option(help="DuckDB warehouse file (env ORGWH_DUCKDB_PATH; default: orgwh.duckdb)."),
]


@app.callback()
def main() -> None:
    """Build and query the orgwh warehouse. Example: orgwh run --date 2020-12-08"""


@contextlib.contextmanager
def _errors_in_one_line() -> Iterator[None]:
    """Report an error as one line on stderr and exit with its status, never a traceback."""
    try:
        yield
    except OrgwhError as error:
        message, exit_code = str(error), error.exit_code
    except Exception as error:  # a bug or an environment problem orgwh did not foresee
        if os.environ.get("ORGWH_DEBUG"):
            raise
        first_line = (str(error).strip().splitlines() or [""])[0]
        message = f"unexpected {type(error).__name__}: {first_line} (ORGWH_DEBUG=1 shows more)"
        exit_code = 1
    else:
        return
    errors.print(f"Error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(exit_code)


def _summary(report: RunReport) -> Table:
    days = (
        f"{report.days[0]} to {report.days[-1]} ({len(report.days)} days)"
        if len(report.days) > 1
        else (str(report.days[0]) if report.days else "none")
    )
    table = Table(title=f"orgwh run on {report.target}: {days}, {report.seconds:.1f} s")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in report.rows.items():
        table.add_row(name, f"{count:,}")
    return table


def _rejections(report: RunReport) -> str:
    lines = []
    for counts in (report.events, report.organizations):
        line = f"{counts.path.name}: {counts.read:,} read, {counts.staged:,} staged"
        if counts.rejected:
            reasons = ", ".join(f"{n} {reason}" for reason, n in counts.rejected.most_common(3))
            line += f", {counts.rejected.total():,} rejected ({reasons})"
        lines.append(line)
    return "\n".join(lines)


@app.command()
def run(
    date: Annotated[
        str | None, typer.Option("--date", help="Load the events of this UTC day (YYYY-MM-DD).")
    ] = None,
    start: Annotated[str | None, typer.Option(help="First day of a range to load.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day of a range to load.")] = None,
    target: Target = "duckdb",
    events: Annotated[
        Path | None, typer.Option(help="User events JSON (env ORGWH_EVENTS; default: sample).")
    ] = None,
    orgs: Annotated[
        Path | None, typer.Option(help="Organizations JSON (env ORGWH_ORGS; default: sample).")
    ] = None,
    duckdb_path: Annotated[
        Path | None,
        typer.Option(help="DuckDB warehouse file (env ORGWH_DUCKDB_PATH; default: orgwh.duckdb)."),
    ] = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild every layer from staging.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
) -> None:
    """Load the JSON exports and build every layer, then run the data tests.

    Without --date, --start or --end every day present in the events file is
    loaded. Exit status: 0 ok, 1 a data test or model failed, 2 bad input or usage.

    Example: orgwh run --date 2020-12-08
    """
    with _errors_in_one_line():
        settings = Settings.from_env(
            target=target, events=events, orgs=orgs, duckdb_path=duckdb_path
        )
        selection = DaySelection.from_options(date, start, end)
        if quiet:
            report = run_pipeline(settings, selection, full_refresh)
        else:
            with console.status("reading the input files") as status:
                report = run_pipeline(
                    settings, selection, full_refresh, lambda message: status.update(message)
                )
    if not quiet:
        console.print(_summary(report))
        console.print(_rejections(report), highlight=False)


@app.command()
def clean(
    target: Target = "duckdb",
    duckdb_path: Annotated[
        Path | None, typer.Option(help="DuckDB warehouse file (env ORGWH_DUCKDB_PATH).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Drop the warehouse's schemas: staging, historical, snapshots, dimensional.

    Example: orgwh clean --target postgres --yes
    """
    with _errors_in_one_line():
        warehouse = targets.get(Settings.from_env(target=target, duckdb_path=duckdb_path))
        if not yes and not typer.confirm(f"Drop every orgwh schema in {warehouse.location}?"):
            console.print("Nothing dropped.")
            return
        warehouse.clean()
    console.print(f"Dropped the orgwh schemas in {warehouse.location}.", highlight=False)


def _status_tables(status: WarehouseStatus) -> list[Table]:
    days = Table(title=f"loaded days on {status.target}")
    days.add_column("from")
    days.add_column("to")
    days.add_column("days", justify="right")
    days.add_column("staged events", justify="right")
    for span in status.day_ranges:
        days.add_row(str(span.first), str(span.last), str(span.days), f"{span.events:,}")
    rows = Table(title="rows per layer")
    rows.add_column("table")
    rows.add_column("rows", justify="right")
    for name, count in status.rows.items():
        rows.add_row(name, f"{count:,}")
    rejected = Table(title="rejected records")
    rejected.add_column("reason")
    rejected.add_column("records", justify="right")
    for reason, count in status.rejected or [("none", 0)]:
        rejected.add_row(reason, f"{count:,}")
    runs = Table(title="last runs")
    for column in ("started (UTC)", "seconds", "days loaded", "read", "staged", "rejected"):
        runs.add_column(column, justify="left" if column == "days loaded" else "right")
    for entry in status.runs:
        loaded = (
            "none"
            if entry.first_day is None
            else f"{entry.first_day} to {entry.last_day} ({entry.days})"
        )
        runs.add_row(
            f"{entry.started_at:%Y-%m-%d %H:%M:%S}",
            f"{(entry.finished_at - entry.started_at).total_seconds():.1f}",
            loaded + (", full refresh" if entry.full_refresh else ""),
            f"{entry.records_read:,}",
            f"{entry.records_staged:,}",
            f"{entry.records_rejected:,}",
        )
    return [days, rows, rejected, runs]


@app.command()
def status(
    target: ReadTarget = "duckdb",
    duckdb_path: DuckDBPath = None,
    runs: Annotated[int, typer.Option(min=1, help="How many of the last runs to list.")] = 5,
) -> None:
    """Show the loaded days, rows per layer, rejected records and the last runs.

    Reads the warehouse read-only; on DuckDB it waits for a run to commit.

    Example: orgwh status --target postgres
    """
    with _errors_in_one_line():
        report = read_status(Settings.from_env(target=target, duckdb_path=duckdb_path), runs)
    for table in _status_tables(report):
        console.print(table)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _result_table(result: QueryResult) -> Table:
    table = Table(caption=f"{len(result):,} rows")
    for column in result.columns:
        table.add_column(column, overflow="fold")
    for row in result.rows:
        table.add_row(*("null" if value is None else str(value) for value in row))
    return table


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="The SQL to run (read-only).")],
    target: ReadTarget = "duckdb",
    duckdb_path: DuckDBPath = None,
    output: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="table for people, csv or json for scripts."),
    ] = OutputFormat.table,
) -> None:
    """Run a read-only SQL query against the warehouse and print its rows.

    Example: orgwh query "select * from dimensional.fac_user" --format csv
    """
    with _errors_in_one_line():
        result = run_query(sql, target, duckdb_path)
    if output is OutputFormat.table:
        console.print(_result_table(result))
    else:
        text = result.to_csv() if output is OutputFormat.csv else result.to_json() + "\n"
        typer.echo(text, nl=False)


@app.command()
def docs(
    target: ReadTarget = "duckdb",
    duckdb_path: DuckDBPath = None,
    serve: Annotated[bool, typer.Option("--serve", help="Serve the site until Ctrl-C.")] = False,
    port: Annotated[int, typer.Option(help="Port for --serve.")] = 8080,
) -> None:
    """Generate dbt's documentation site: every model, its columns and the lineage.

    The site is written under the cache dir (env ORGWH_CACHE_DIR).

    Example: orgwh docs --serve
    """
    with _errors_in_one_line():
        settings = Settings.from_env(target=target, duckdb_path=duckdb_path)
        with console.status("generating the documentation"):
            site = docs_site.generate(settings)
    console.print(f"Documentation: {site / 'static_index.html'}", highlight=False, soft_wrap=True)
    if serve:
        server = docs_site.server(site, port)
        url = f"http://localhost:{server.server_address[1]}/"
        console.print(f"Serving at {url} (Ctrl-C to stop)", highlight=False)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


def entry_point() -> None:
    """The `orgwh` command: the Typer app, minus Python's last garbage collection.

    At exit, Python's final collection walks every object dbt left behind (its
    parsed project, compiled templates), a visible part of a short run (the
    whole-process timings of `python benchmarks/run.py incremental` include
    it). Freezing them first skips the walk; the operating system frees the
    memory all the same.
    """
    try:
        app()
    finally:
        gc.freeze()
