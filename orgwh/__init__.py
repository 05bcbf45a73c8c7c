"""orgwh: a layered warehouse of organizations and user events, on DuckDB, Postgres or Spark.

For analysts: `orgwh.run()` builds the warehouse as `orgwh run` does,
`orgwh.query(sql)` returns the rows of one query (with `.df()`), and
`orgwh.connect()` a read-only connection (close it before a run: on
DuckDB a run waits for open readers). Importing orgwh is light: dbt is
imported only when a run needs it.
"""

from .api import QueryResult, connect, query, run
from .errors import OrgwhError

__all__ = ["OrgwhError", "QueryResult", "connect", "query", "run"]
