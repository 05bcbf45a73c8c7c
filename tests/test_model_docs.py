"""Every column of every model and source table has a description in the .yml beside it.

The columns that exist are read from a built warehouse (the tables and views
of the four schemas, and the ephemeral models' compiled SQL); the descriptions
from dbt's manifest. A column added without a description, or a description
left behind for a column that is gone, fails the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orgwh import docs
from orgwh.config import Settings
from orgwh.layers import SCHEMAS


@pytest.fixture(scope="module")
def documented(sample_warehouse: Path, cache_dir: Path) -> dict[str, dict]:
    """The models and sources of dbt's manifest, by unique id."""
    site = docs.generate(Settings.from_env(duckdb_path=sample_warehouse, cache_dir=cache_dir))
    manifest = json.loads((site / "manifest.json").read_text())
    models = {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
    }
    return {**models, **manifest["sources"]}


def _relation(node: dict) -> tuple[str, str] | None:
    """(schema, table) of a model or source in the warehouse; None for an ephemeral model."""
    if node["resource_type"] == "source":
        return node["schema"], node["identifier"]
    if node["config"]["materialized"] == "ephemeral":
        return None
    return node["schema"], node["alias"]


@pytest.fixture(scope="module")
def built(sample_warehouse: Path, documented: dict[str, dict]) -> dict[str, list[str]]:
    """The columns each relation of the warehouse has, by the unique id of its node.

    A relation that no model or source declares is keyed by its name.
    """
    by_relation = {_relation(node): unique_id for unique_id, node in documented.items()}
    columns: dict[str, list[str]] = {}
    with duckdb.connect(str(sample_warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            f"where table_schema in ({', '.join('?' * len(SCHEMAS))}) "
            "order by table_schema, table_name, ordinal_position",
            list(SCHEMAS),
        ).fetchall()
        for schema, table, column in rows:
            key = by_relation.get((schema, table), f"{schema}.{table}")
            columns.setdefault(key, []).append(column)
        # An ephemeral model has no relation: its compiled SQL tells its columns.
        for unique_id, node in documented.items():
            if _relation(node) is None:
                described = connection.execute(f"describe {node['compiled_code']}").fetchall()
                columns[unique_id] = [row[0] for row in described]
    return columns


def test_every_relation_is_a_documented_model_or_source(built, documented):
    undeclared = sorted(set(built) - set(documented))
    assert not undeclared, f"tables no model or source declares: {undeclared}"
    missing = sorted(set(documented) - set(built))
    assert not missing, f"declared but not in the warehouse: {missing}"
    undescribed = sorted(key for key, node in documented.items() if not node["description"].strip())
    assert not undescribed, f"without a description: {undescribed}"


def test_every_column_is_described_and_every_description_has_a_column(built, documented):
    problems = []
    for unique_id, columns in sorted(built.items()):
        described = documented.get(unique_id, {"columns": {}})["columns"]
        problems += [
            f"{unique_id}.{column}: no description"
            for column in columns
            if not described.get(column, {}).get("description", "").strip()
        ]
        problems += [
            f"{unique_id}.{column}: described, but the warehouse has no such column"
            for column in described
            if column not in columns
        ]
    assert not problems, "\n".join(problems)
