"""The `orgwh` command line: parse options, call one function, print the result."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .config import DaySelection, Settings
from .errors import OrgwhError
from .pipeline import RunReport, describe_location
from .pipeline import clean as clean_warehouse
from .pipeline import run as run_pipeline

app = typer.Typer(
    help="orgwh: a layered DuckDB (or Postgres) warehouse of organizations and user events.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
)
console = Console()
errors = Console(stderr=True)

Target = Annotated[str, typer.Option("--target", "-t", help="Where to build: duckdb or postgres.")]


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
        Path | None, typer.Option(help="User events JSON [env ORGWH_EVENTS; default: sample].")
    ] = None,
    orgs: Annotated[
        Path | None, typer.Option(help="Organizations JSON [env ORGWH_ORGS; default: sample].")
    ] = None,
    duckdb_path: Annotated[
        Path | None,
        typer.Option(help="DuckDB warehouse file [env ORGWH_DUCKDB_PATH; default: orgwh.duckdb]."),
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
        Path | None, typer.Option(help="DuckDB warehouse file [env ORGWH_DUCKDB_PATH].")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Drop the warehouse's schemas: staging, historical, snapshots, dimensional.

    Example: orgwh clean --target postgres --yes
    """
    with _errors_in_one_line():
        settings = Settings.from_env(target=target, duckdb_path=duckdb_path)
        location = describe_location(settings)
        if not yes and not typer.confirm(f"Drop every orgwh schema in {location}?"):
            console.print("Nothing dropped.")
            return
        clean_warehouse(settings)
    console.print(f"Dropped the orgwh schemas in {location}.", highlight=False)
