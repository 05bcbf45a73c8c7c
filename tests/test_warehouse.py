"""Every modelled table equals the reference model, whatever the order of runs."""

from __future__ import annotations

from datetime import date

from conftest import write_records
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import expected_tables, utc_day
from streams import ORGANIZATION_RECORDS, event_streams

from orgwh.config import DaySelection
from orgwh.pipeline import run


def builds(examples: int) -> settings:
    """Hypothesis settings for tests that build a warehouse (seconds per example).

    At most `examples`, or fewer when the profile says so (conftest.py's "quick").
    """
    return settings(
        max_examples=min(examples, settings.default.max_examples),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def staged_records(loads: list[tuple[list, object]]) -> list:
    """What staging holds after loading (records, day) pairs in order; day None = all days."""
    staged: dict = {}
    for records, day in loads:
        days = {utc_day(record) for record in records} - {None} if day is None else {day}
        for each in days:
            staged[each] = [record for record in records if utc_day(record) == each]
    return [record for records in staged.values() for record in records]


def build(warehouse, tmp_path, loads, layout="array"):
    """Run each (records, day) load on an empty warehouse; return its tables."""
    warehouse.reset()
    orgs = write_records(tmp_path / "orgs.json", ORGANIZATION_RECORDS)
    for number, (records, day) in enumerate(loads):
        events = write_records(tmp_path / f"events-{number}.json", records, layout)
        run(warehouse.settings(events, orgs), DaySelection(day, day))
    return warehouse.tables()


# Each property of SPEC 3 and 4 is written once and checked on every engine:
# here on DuckDB and Postgres, in test_spark.py with fewer examples.


def a_full_load_equals_the_reference_model(warehouse, tmp_path, stream, layout):
    tables = build(warehouse, tmp_path, [(stream, None)], layout)
    assert tables == expected_tables(stream, ORGANIZATION_RECORDS)


def days_in_any_order_and_reruns_equal_the_reference_model(
    warehouse, tmp_path, stream, data, reruns: int = 2
):
    """Every day of `stream` loaded alone, in any order, and at most `reruns` days again."""
    days = sorted({utc_day(record) for record in stream})
    order = data.draw(
        st.permutations(days + data.draw(st.lists(st.sampled_from(days), max_size=reruns)))
    )
    tables = build(warehouse, tmp_path, [(stream, day) for day in order])
    assert tables == expected_tables(stream, ORGANIZATION_RECORDS)


def a_redelivered_day_replaces_what_that_day_held(
    warehouse, tmp_path, first, second, data, redeliveries: int = 2
):
    """`first` loaded whole, then 1 to `redeliveries` of its days delivered again from `second`."""
    days = sorted({utc_day(record) for record in first + second})
    redelivered = data.draw(
        st.lists(st.sampled_from(days), min_size=1, max_size=redeliveries, unique=True)
    )
    loads = [(first, None)] + [(second, day) for day in redelivered]
    tables = build(warehouse, tmp_path, loads)
    assert tables == expected_tables(staged_records(loads), ORGANIZATION_RECORDS)


@builds(examples=6)
@given(stream=event_streams(), layout=st.sampled_from(["array", "ndjson"]))
def test_a_full_load_equals_the_reference_model(warehouse, tmp_path, stream, layout):
    a_full_load_equals_the_reference_model(warehouse, tmp_path, stream, layout)


@builds(examples=3)
@given(stream=event_streams(), data=st.data())
def test_days_in_any_order_and_reruns_equal_the_reference_model(warehouse, tmp_path, stream, data):
    days_in_any_order_and_reruns_equal_the_reference_model(warehouse, tmp_path, stream, data)


@builds(examples=3)
@given(first=event_streams(), second=event_streams(), data=st.data())
def test_a_redelivered_day_replaces_what_that_day_held(warehouse, tmp_path, first, second, data):
    a_redelivered_day_replaces_what_that_day_held(warehouse, tmp_path, first, second, data)


def user_event(event_type: str, received_at: str, organization: str, user: str = "u1") -> dict:
    """An event of a user with fixed attributes: only type, time and organization vary."""
    return {
        "id": user, "event_type": event_type, "received_at": received_at,
        "username": "u", "user_email": "u@example.com", "user_type": "Admin",
        "organization_name": organization, "plan_name": "Pro",
    }  # fmt: skip


def test_emptying_the_last_days_removes_every_fact_row_after_the_new_last_day(warehouse, tmp_path):
    # Emptying day 6, then day 7: the second run loads only day 7, yet the
    # fact rows of day 6 (written while day 7 still had events) must go too.
    stream = [
        user_event("User Created", "2020-12-05 09:00:00", "Acme"),
        user_event("User Updated", "2020-12-06 09:00:00", "Globex"),
        user_event("User Updated", "2020-12-07 09:00:00", "Acme"),
    ]
    loads = [(stream, None), ([], date(2020, 12, 6)), ([], date(2020, 12, 7))]
    tables = build(warehouse, tmp_path, loads)
    assert [row[0] for row in tables["dimensional.fac_user"]] == [date(2020, 12, 5)]
    assert tables == expected_tables(stream[:1], ORGANIZATION_RECORDS)


def test_a_day_after_a_gap_fills_the_days_between_with_active_users(warehouse, tmp_path):
    # Day 6 has no events: loading day 7 after day 5 must still give day 6 its
    # active user, though neither run loads day 6.
    stream = [
        user_event("User Created", "2020-12-05 09:00:00", "Acme"),
        user_event("User Deleted", "2020-12-07 09:00:00", "Acme"),
    ]
    tables = build(warehouse, tmp_path, [(stream, date(2020, 12, 5)), (stream, date(2020, 12, 7))])
    assert [row[0] for row in tables["dimensional.fac_user"]] == [
        date(2020, 12, 5), date(2020, 12, 6), date(2020, 12, 7),
    ]  # fmt: skip
    assert tables == expected_tables(stream, ORGANIZATION_RECORDS)


def test_a_new_organizations_file_rekeys_versions_and_facts_of_days_not_loaded(warehouse, tmp_path):
    # The second run loads only day 7, but Acme's key changed, Initech is gone
    # and Globex has one key left: every version and fact row must follow.
    stream = [
        user_event("User Created", "2020-12-05 09:00:00", "Acme", user="u1"),
        user_event("User Created", "2020-12-05 10:00:00", "Globex", user="u2"),
        user_event("User Created", "2020-12-06 09:00:00", "Initech", user="u3"),
        user_event("User Updated", "2020-12-07 09:00:00", "Hooli", user="u3"),
    ]
    new_organizations = [
        {"organization_key": "e" * 32, "organization_name": "Acme", "created_at": None},
        {"organization_key": "b" * 32, "organization_name": "Globex", "created_at": None},
        {"organization_key": "f" * 32, "organization_name": "Hooli", "created_at": None},
    ]
    warehouse.reset()
    events = write_records(tmp_path / "events.json", stream)
    run(warehouse.settings(events, write_records(tmp_path / "orgs.json", ORGANIZATION_RECORDS)))
    new_orgs = write_records(tmp_path / "new-orgs.json", new_organizations)
    run(warehouse.settings(events, new_orgs), DaySelection(date(2020, 12, 7), date(2020, 12, 7)))
    assert warehouse.tables() == expected_tables(stream, new_organizations)
