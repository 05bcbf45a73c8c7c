"""orgwh query (table, csv, json) and orgwh docs (dbt's site, served locally)."""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.request
from pathlib import Path

from typer.testing import CliRunner

from orgwh import docs
from orgwh.cli import app
from orgwh.config import Settings

ORGANIZATIONS = (
    "select organization_name, created_at from dimensional.dim_organization "
    "where organization_name in ('Globex', 'Initech') order by 1"
)
# Independently from data/orgs_sample.json: its created_at values in UTC.
ORGANIZATIONS_CSV = (
    "organization_name,created_at\nGlobex,2019-07-01 12:00:00\nInitech,2020-01-20 07:15:00\n"
)
MODELS = ("dim_organization", "dim_user", "fac_user", "user_event", "user_snapshot")


def invoke(*arguments: str):
    return CliRunner().invoke(app, list(arguments))


def test_query_csv_and_json(sample_warehouse: Path):
    path = ["--duckdb-path", str(sample_warehouse)]
    as_csv = invoke("query", ORGANIZATIONS, *path, "--format", "csv")
    assert (as_csv.exit_code, as_csv.stdout) == (0, ORGANIZATIONS_CSV)
    as_json = invoke("query", ORGANIZATIONS, *path, "--format", "json")
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == [
        {"organization_name": "Globex", "created_at": "2019-07-01 12:00:00"},
        {"organization_name": "Initech", "created_at": "2020-01-20 07:15:00"},
    ]


def test_query_table(sample_warehouse: Path):
    result = invoke("query", ORGANIZATIONS, "--duckdb-path", str(sample_warehouse))
    assert result.exit_code == 0
    assert "│ Globex            │ 2019-07-01 12:00:00 │" in result.stdout
    assert "2 rows" in result.stdout


def test_query_error(sample_warehouse: Path):
    result = invoke("query", "select * from nowhere", "--duckdb-path", str(sample_warehouse))
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: query failed: Catalog Error: Table with name nowhere does not exist!\n"
    )


def ancestors(parents: dict[str, list[str]], node: str) -> set[str]:
    """Every node the lineage graph leads back to from `node`."""
    found: set[str] = set()
    waiting = list(parents[node])
    while waiting:
        parent = waiting.pop()
        if parent not in found:
            found.add(parent)
            waiting.extend(parents.get(parent, []))
    return found


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_docs_document_every_layer_without_touching_the_warehouse(
    sample_warehouse: Path, cache_dir: Path
):
    before = _digest(sample_warehouse)
    site = docs.generate(Settings.from_env(duckdb_path=sample_warehouse, cache_dir=cache_dir))
    assert _digest(sample_warehouse) == before
    assert site == cache_dir / "docs" / "duckdb"
    catalog = json.loads((site / "catalog.json").read_text())
    assert sorted(catalog["nodes"]) == [f"model.orgwh.{model}" for model in MODELS]
    assert "user_sk" in catalog["nodes"]["model.orgwh.dim_user"]["columns"]
    assert "source.orgwh.staging.run_log" in catalog["sources"]
    parents = json.loads((site / "manifest.json").read_text())["parent_map"]
    assert {
        "model.orgwh.user_event",
        "model.orgwh.user_snapshot",
        "model.orgwh.dim_organization",
        "source.orgwh.staging.event",
        "source.orgwh.staging.organization",
    } <= ancestors(parents, "model.orgwh.fac_user")

    server = docs.server(site, port=0)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/catalog.json"
        with urllib.request.urlopen(url) as response:
            assert json.loads(response.read()) == catalog
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_docs_command(sample_warehouse: Path, cache_dir: Path, monkeypatch):
    monkeypatch.setenv("ORGWH_CACHE_DIR", str(cache_dir))
    result = invoke("docs", "--duckdb-path", str(sample_warehouse))
    assert result.exit_code == 0, result.output
    assert result.stdout.replace("\n", "").endswith(
        f"Documentation: {cache_dir / 'docs' / 'duckdb' / 'static_index.html'}"
    )


def test_docs_without_a_warehouse(tmp_path: Path):
    result = invoke("docs", "--duckdb-path", str(tmp_path / "none.duckdb"))
    assert result.exit_code == 2
    missing = tmp_path / "none.duckdb"
    assert result.stderr == f"Error: no DuckDB warehouse at {missing}; build it with `orgwh run`\n"
