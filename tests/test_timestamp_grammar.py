"""SPEC 1's timestamp grammar, one table for both implementations of it.

The loader judges received_at with validation.utc_instant (SQL that DuckDB
runs for every target); the models parse created_at with the
parse_utc_timestamp macro, and the loader's accepted received_at with
validated_utc_timestamp, on each engine. Every string of the table must
give the same instant, or the same rejection, through all of them. The
expectations are written from SPEC 1, not from either implementation.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from orgwh import targets, transform
from orgwh.readers.duckdb import FULL_MATCH
from orgwh.validation import utc_instant


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


# (string, its UTC instant or None for unparseable)
GRAMMAR = [
    ("2020-12-05 10:00:00", utc("2020-12-05 10:00:00")),
    ("2020-12-05T10:00:00", utc("2020-12-05 10:00:00")),
    ("2020-12-05t10:00:00", None),
    ("2020-12-05 10:00:00Z", utc("2020-12-05 10:00:00")),
    ("2020-12-05 10:00:00z", None),
    ("2020-12-05T10:00:00+05:30", utc("2020-12-05 04:30:00")),
    ("2020-12-05 10:00:00-00:00", utc("2020-12-05 10:00:00")),
    ("2020-12-05 10:00:00+23:59", utc("2020-12-04 10:01:00")),
    ("2020-12-05 10:00:00-23:59", utc("2020-12-06 09:59:00")),
    ("2020-12-31 23:30:00-01:00", utc("2021-01-01 00:30:00")),
    ("2020-12-05 10:00:00+24:00", None),
    ("2020-12-05 10:00:00+05:60", None),
    ("2020-12-05 10:00:00+0530", None),
    ("2020-12-05 10:00:00.1", utc("2020-12-05 10:00:00.100000")),
    ("2020-12-05 10:00:00.12", utc("2020-12-05 10:00:00.120000")),
    ("2020-12-05 10:00:00.123", utc("2020-12-05 10:00:00.123000")),
    ("2020-12-05 10:00:00.1234", utc("2020-12-05 10:00:00.123400")),
    ("2020-12-05 10:00:00.12345", utc("2020-12-05 10:00:00.123450")),
    ("2020-12-05 10:00:00.123456", utc("2020-12-05 10:00:00.123456")),
    ("2020-12-05 10:00:00.000001Z", utc("2020-12-05 10:00:00.000001")),
    ("2020-12-05 10:00:00.5+01:00", utc("2020-12-05 09:00:00.500000")),
    ("2020-12-05 10:00:00.1234567", None),
    ("2020-12-05 10:00:00.", None),
    ("2020-02-29 12:00:00", utc("2020-02-29 12:00:00")),
    ("2021-02-29 12:00:00", None),
    ("2000-02-29 12:00:00", utc("2000-02-29 12:00:00")),
    ("1900-02-29 12:00:00", None),
    ("2021-02-30 10:00:00", None),
    ("2021-04-31 10:00:00", None),
    ("2021-13-01 10:00:00", None),
    ("2020-12-05 24:00:00", None),
    ("2020-12-05 10:60:00", None),
    ("2020-12-05 10:00:60", None),
    ("2020-12-05 10:00", None),
    (" 2020-12-05 10:00:00", None),
    ("2020-12-05 10:00:00 ", None),
    ("2020-12-05", None),
    ("", None),
    # SPEC 1's calendar has no year 0 (0001-01-01 is the first day)
    ("0000-01-01 00:00:00", None),
    ("0001-01-01 00:00:00", utc("0001-01-01 00:00:00")),
]
ACCEPTED = [text for text, instant in GRAMMAR if instant is not None]


def _values(texts: list[str]) -> str:
    rows = ", ".join("('" + text.replace("'", "''") + "')" for text in texts)
    return f"(values {rows}) as strings(t)"


def _instants(rows) -> dict[str, datetime | None]:
    return {text: None if instant is None else utc(str(instant)) for text, instant in rows}


def test_the_loader_follows_spec_1():
    with duckdb.connect() as con:
        rows = con.execute(
            f"select t, {utc_instant('t', FULL_MATCH)} from {_values([t for t, _ in GRAMMAR])}"
        ).fetchall()
    assert _instants(rows) == dict(GRAMMAR)


def _through_macro(target, environment, macro: str, texts: list[str]) -> dict:
    """What `macro` of the dbt project gives for each text, run by dbt on the target."""
    sql = (
        f"select t, {{{{ orgwh.timestamp_text(orgwh.{macro}('t')) }}}} as instant "
        f"from {_values(texts)}"
    )
    result = transform.invoke_dbt(
        ["show", "--inline", sql, "--limit", str(len(texts))], target.dbt_target, environment
    )
    (shown,) = result.result.results
    return _instants(shown.agate_table.rows)


def _models_follow_spec_1(target, environment) -> None:
    assert _through_macro(target, environment, "parse_utc_timestamp", [t for t, _ in GRAMMAR]) == (
        dict(GRAMMAR)
    )
    accepted = _through_macro(target, environment, "validated_utc_timestamp", ACCEPTED)
    assert accepted == {text: instant for text, instant in GRAMMAR if instant is not None}


def test_the_models_follow_spec_1_on_duckdb(duckdb_warehouse):
    target = targets.get(duckdb_warehouse.settings(None, None))
    _models_follow_spec_1(target, duckdb_warehouse.dbt_environment())


def test_the_models_follow_spec_1_on_postgres(postgres_warehouse):
    postgres_warehouse.create()
    target = targets.get(postgres_warehouse.settings(None, None))
    _models_follow_spec_1(target, postgres_warehouse.dbt_environment())
