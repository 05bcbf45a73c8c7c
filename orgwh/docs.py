"""dbt's documentation site for the warehouse: models, columns and lineage of every layer."""

from __future__ import annotations

import functools
import shutil
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import targets
from .config import Settings
from .progress import Progress
from .transform import dbt_state_dir, invoke_dbt

# What `dbt docs generate --static` writes: index.html needs the two JSON files
# beside it (and a web server); static_index.html has them inlined.
SITE_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")


def generate(settings: Settings, on_progress: Progress | None = None) -> Path:
    """Generate the documentation site of the target's warehouse; return its folder.

    The site lives under the cache dir (`<cache>/docs/<target>/`): open
    `static_index.html` in a browser, or serve the folder (see `server`).
    dbt reads the warehouse's catalog without changing it. Raises
    NoWarehouse when there is no warehouse yet.
    """
    target = targets.get(settings)
    site = settings.cache_dir / "docs" / target.name
    scratch = settings.cache_dir / "docs" / "scratch"
    for folder in (site, scratch):
        folder.mkdir(parents=True, exist_ok=True)
    environment = target.documentation_environment(scratch)
    invoke_dbt(["docs", "generate", "--static"], target.dbt_target, environment, on_progress)
    artifacts = dbt_state_dir(settings.cache_dir, target.name, environment)
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
