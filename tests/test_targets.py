"""Every command on every target: the same warehouse, the same answers, the same words.

One scenario per engine, through the command line as a user types it: build
the sample, then status, query, docs and clean, each with `--target`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest
from conftest import sample_records
from reference import expected_tables, utc_day
from test_query_docs import MODELS, ORGANIZATIONS, ORGANIZATIONS_CSV
from test_status import expected_rows
from typer.testing import CliRunner

from orgwh import targets
from orgwh.cli import app
from orgwh.config import Settings
from orgwh.errors import UsageError
from orgwh.project import SAMPLE_EVENTS, SAMPLE_ORGS
from orgwh.status import read_status

ACTIVE_USERS_PER_DAY = (
    "select date_calendar, sum(active_users) as active_users "
    "from dimensional.fac_user group by date_calendar order by date_calendar"
)


def test_an_unknown_target_is_refused_with_the_names_of_the_known_ones():
    with pytest.raises(UsageError) as failure:
        targets.get(Settings(target="oracle"))
    assert str(failure.value) == "unknown target 'oracle' (choose from duckdb, postgres, spark)"


def test_every_command_works_on_every_target(any_warehouse, monkeypatch):
    settings = any_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS)
    for name, value in any_warehouse.environment().items():
        monkeypatch.setenv(name, value)
    location = targets.get(settings).location
    events, organizations = sample_records()

    def orgwh(*arguments: str):
        return CliRunner().invoke(app, [*arguments, "--target", any_warehouse.target])

    built = orgwh("run")
    assert built.exit_code == 0, built.output
    assert f"orgwh run on {any_warehouse.target}" in built.stdout
    assert any_warehouse.tables() == expected_tables(events, organizations)

    status = read_status(settings)
    per_day = Counter(utc_day(record) for record in events)
    assert status.events_per_day == sorted(per_day.items())
    assert status.rows == expected_rows(events, organizations)
    assert [(run.target, run.days, run.records_read) for run in status.runs] == [
        (any_warehouse.target, len(per_day), len(events) + len(organizations))
    ]
    shown = orgwh("status")
    assert shown.exit_code == 0, shown.output
    assert f"loaded days on {any_warehouse.target}" in shown.stdout

    as_csv = orgwh("query", ORGANIZATIONS, "--format", "csv")
    assert (as_csv.exit_code, as_csv.stdout) == (0, ORGANIZATIONS_CSV)
    active_users: dict = defaultdict(int)  # SPEC 4: the original's users per day
    for day, *_organization, active in expected_tables(events, organizations)[
        "dimensional.fac_user"
    ]:
        active_users[day] += active
    as_json = orgwh("query", ACTIVE_USERS_PER_DAY, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == [
        {"date_calendar": str(day), "active_users": users}
        for day, users in sorted(active_users.items())
    ]
    refused = orgwh("query", "select * from nowhere")
    assert refused.exit_code == 2
    assert refused.stderr.startswith("Error: query failed: ")

    documented = orgwh("docs")
    assert documented.exit_code == 0, documented.output
    site = settings.cache_dir / "docs" / any_warehouse.target
    catalog = json.loads((site / "catalog.json").read_text())
    assert sorted(catalog["nodes"]) == [f"model.orgwh.{model}" for model in MODELS]
    assert (site / "static_index.html").is_file()

    cleaned = orgwh("clean", "--yes")
    assert cleaned.exit_code == 0, cleaned.output
    assert cleaned.stdout.replace("\n", "") == f"Dropped the orgwh schemas in {location}."
    emptied = orgwh("status")
    assert emptied.exit_code == 2
    # Spark's catalog holds no warehouse once the layers' databases are dropped
    nothing = {
        "spark": f"no Spark warehouse in {location}; build it with `orgwh run --target spark`"
    }.get(any_warehouse.target, f"nothing loaded in {location} yet; build it with `orgwh run`")
    assert emptied.stderr == f"Error: {nothing}\n"
