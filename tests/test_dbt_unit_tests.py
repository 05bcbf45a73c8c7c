"""The dbt unit tests declared beside the models pass.

They cover the SCD2 versions, the fact's day boundaries, and what an
incremental run (`is_incremental: true`) selects again.
"""

from __future__ import annotations

from orgwh import targets, transform
from orgwh.pipeline import run
from orgwh.project import SAMPLE_EVENTS, SAMPLE_ORGS


def test_the_models_unit_tests_pass(duckdb_warehouse):
    settings = duckdb_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS)
    run(settings)  # unit tests read the column types of the models' inputs
    result = transform.invoke_dbt(
        ["test", "--select", "test_type:unit"],
        targets.get(settings).dbt_target,
        duckdb_warehouse.dbt_environment(),
    )
    outcomes = {r.node.name: str(r.status) for r in result.result.results}
    assert outcomes == {
        "user_event_rebuilds_only_the_loaded_days": "pass",
        "user_snapshot_versions_follow_spec_4": "pass",
        "user_snapshot_rebuilds_the_users_a_loaded_day_can_change": "pass",
        "fac_user_day_boundaries_and_deletions": "pass",
        "fac_user_rebuilds_from_the_day_after_its_last_day_and_re_keys_older_rows": "pass",
        "fac_user_rebuilds_from_the_earliest_loaded_day": "pass",
        "fac_user_ends_at_the_new_last_event_day": "pass",
    }
