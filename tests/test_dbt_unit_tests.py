"""The dbt unit tests declared beside the models pass (SCD2 versions, fact day boundaries)."""

from __future__ import annotations

from orgwh import targets, transform
from orgwh.pipeline import run
from orgwh.project import SAMPLE_EVENTS, SAMPLE_ORGS


def test_the_models_unit_tests_pass(duckdb_warehouse):
    settings = duckdb_warehouse.settings(SAMPLE_EVENTS, SAMPLE_ORGS)
    run(settings)  # unit tests read the column types of the models' inputs
    duckdb = targets.get(settings)
    result = transform.invoke_dbt(
        ["test", "--select", "test_type:unit"], duckdb, duckdb.dbt_environment(duckdb.path)
    )
    outcomes = {r.node.name: str(r.status) for r in result.result.results}
    assert outcomes == {
        "user_snapshot_versions_follow_spec_4": "pass",
        "fac_user_day_boundaries_and_deletions": "pass",
    }
