"""orgwh: a layered DuckDB (or Postgres) warehouse of organizations and user events.

For analysts: `orgwh.query(sql)` returns the rows of one query (with `.df()`),
`orgwh.connect()` a read-only connection; neither ever blocks `orgwh run`.
Importing orgwh is light: dbt is imported only when a run needs it.
"""

from .api import QueryResult, connect, query
from .errors import OrgwhError

__all__ = ["OrgwhError", "QueryResult", "connect", "query"]
