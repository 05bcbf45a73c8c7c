"""The data tests that orgwh writes itself fail exactly the rows they describe.

A hand edit or an odd input puts such rows in a built warehouse; the test is
then run alone over every row (the var every_day_pending), as a full build
would run it, and its failures are counted.
"""

from __future__ import annotations

from conftest import event, write_records

from orgwh import targets, transform
from orgwh.pipeline import run
from orgwh.project import SAMPLE_EVENTS, SAMPLE_ORGS


def failures(warehouse, settings, selector: str) -> tuple[str, int]:
    """Run the one data test `selector` picks over every row: its status and failures."""
    result = transform.invoke_dbt(
        ["test", "--select", selector],
        targets.get(settings).dbt_target,
        warehouse.dbt_environment(),
        variables={"every_day_pending": True},
    )
    (test,) = result.result.results
    return str(test.status), test.failures


def test_ids_that_are_not_32_lowercase_hex_digits_are_flagged(warehouse, tmp_path):
    ids = ["0123456789abcdef" * 2, "A" * 32, "a" * 31, "a" * 33, "g" + "a" * 31, "a b" + "a" * 29]
    events = write_records(tmp_path / "events.json", [event(id=user_id) for user_id in ids])
    settings = warehouse.settings(events, SAMPLE_ORGS)
    run(settings)
    assert failures(warehouse, settings, "test_name:lowercase_hex") == ("warn", 5)


def test_a_key_that_repeats_or_is_null_fails_the_primary_key_test(warehouse):
    settings = warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS)
    run(settings)
    columns = (
        "user_id, event_type, username, user_email, user_type, organization_name, "
        "plan_name, received_at, event_date"
    )
    warehouse.execute(  # someone edits the table by hand: one key twice, one row without
        "insert into historical.user_event select * from historical.user_event limit 1",
        f"insert into historical.user_event select null, {columns} from historical.user_event limit 1",
    )
    assert failures(warehouse, settings, "primary_key_user_event") == ("fail", 2)


def test_versions_out_of_sequence_fail_the_sequence_test(warehouse):
    settings = warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS)
    run(settings)
    versions = warehouse.tables(["snapshots.user_snapshot"])["snapshots.user_snapshot"]
    starts: dict[str, list] = {}
    for user_id, *_, valid_from, _valid_to, _is_current in versions:
        starts.setdefault(user_id, []).append(valid_from)
    repeated, zero_length, two_open, gap = sorted(u for u, s in starts.items() if len(s) > 1)[:4]

    def first_version_of(user_id: str) -> str:
        return f"user_id = '{user_id}' and valid_from = '{min(starts[user_id])}'"

    warehouse.execute(  # one hand edit per user, each breaking one version of it
        "insert into snapshots.user_snapshot select * from snapshots.user_snapshot "
        f"where {first_version_of(repeated)}",
        f"update snapshots.user_snapshot set valid_to = valid_from where {first_version_of(zero_length)}",
        "update snapshots.user_snapshot set valid_to = null, is_current = true "
        f"where {first_version_of(two_open)}",
        "update snapshots.user_snapshot set valid_to = valid_to - interval '1 second' "
        f"where {first_version_of(gap)}",
        "insert into snapshots.user_snapshot select null, username, user_email, user_type, "
        "organization_name, plan_name, is_deleted, valid_from, valid_to, is_current "
        "from snapshots.user_snapshot where is_current limit 1",
    )
    assert failures(warehouse, settings, "test_name:versions_in_sequence") == ("fail", 5)
