"""The `orgwh` command line: parse options, call one function, print the result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .config import DaySelection, Settings
from .errors import OrgwhError
from .pipeline import RunReport
from .pipeline import run as run_pipeline

app = typer.Typer(
    help="orgwh: a layered warehouse of organizations and user events (DuckDB, Postgres, Spark).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
)
console = Console()
errors = Console(stderr=True)

Target = Annotated[
    str, typer.Option("--target", "-t", help="Where to build: duckdb, postgres or spark.")
]


@app.callback()
def main() -> None:
    """Build and query the orgwh warehouse. Example: orgwh run --date 2020-12-08"""


def _fail(error: OrgwhError) -> None:
    errors.print(f"Error: {error}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(error.exit_code)


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
    try:
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
    except OrgwhError as error:
        _fail(error)
    if not quiet:
        console.print(_summary(report))
        console.print(_rejections(report), highlight=False)
