"""dbt's documentation site for the warehouse: models, columns and lineage of every layer."""

from __future__ import annotations

import functools
import shutil
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb

from . import postgres
from .config import Settings
from .errors import NoWarehouse
from .pipeline import duckdb_config
from .transform import Progress, dbt_state_dir, invoke_dbt

# What `dbt docs generate --static` writes: index.html needs the two JSON files
# beside it (and a web server); static_index.html has them inlined.
SITE_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _empty_copy(warehouse: Path, copy: Path) -> None:
    """Every table and view of the warehouse, with its columns and types but no rows.

    dbt documents a database it opens read-write; this copy lets it read the
    catalog without ever opening (or blocking) the warehouse itself.
    """
    copy.unlink(missing_ok=True)
    with duckdb.connect(str(copy)) as con:
        con.execute(f"attach {_quote(str(warehouse))} as warehouse (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'warehouse'"
        ).fetchall()
        for schema, table in tables:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(
                f'create table "{schema}"."{table}" as '
                f'select * from warehouse."{schema}"."{table}" limit 0'
            )
        # A view's text names schemas, not the database: it binds to the copy.
        views = con.execute(
            "select sql from duckdb_views() "
            "where database_name = 'warehouse' and not internal order by view_oid"
        ).fetchall()
        con.execute("detach warehouse")
        for (view,) in views:
            con.execute(view)


def generate(settings: Settings, on_progress: Progress | None = None) -> Path:
    """Generate the documentation site of the target's warehouse; return its folder.

    The site lives under the cache dir (`<cache>/docs/<target>/`): open
    `static_index.html` in a browser, or serve the folder (see `server`).
    Raises NoWarehouse when there is no DuckDB warehouse yet.
    """
    site = settings.cache_dir / "docs" / settings.target
    site.mkdir(parents=True, exist_ok=True)
    if settings.target == "duckdb":
        warehouse = settings.duckdb_path.resolve()
        if not warehouse.is_file():
            raise NoWarehouse(f"no DuckDB warehouse at {warehouse}; build it with `orgwh run`")
        catalog = settings.cache_dir / "docs" / "catalogs" / warehouse.name
        catalog.parent.mkdir(parents=True, exist_ok=True)
        _empty_copy(warehouse, catalog)
        config = duckdb_config(settings)
        environment = {
            "ORGWH_DBT_DUCKDB_PATH": str(catalog),
            "ORGWH_MEMORY_LIMIT": config["memory_limit"],
            "ORGWH_TEMP_DIRECTORY": config["temp_directory"],
        }
    else:
        postgres.connect().close()  # a clear error when the server is unreachable
        environment = postgres.environment()
    invoke_dbt(
        ["docs", "generate", "--static"], settings.target, environment, settings.cache_dir,
        on_progress,
    )  # fmt: skip
    artifacts = dbt_state_dir(settings.cache_dir, settings.target, environment)
    for name in SITE_FILES:
        shutil.copyfile(artifacts / name, site / name)
    return site


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        """Serve without writing a line per request to stderr."""


def server(site: Path, port: int = 8080, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """An HTTP server for the site folder; call `serve_forever()` on it, `shutdown()` to stop.

    Port 0 picks a free port (see `server_address`).
    """
    handler = functools.partial(_QuietHandler, directory=str(site))
    return ThreadingHTTPServer((host, port), handler)
