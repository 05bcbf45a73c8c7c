"""How the SQL that orgwh writes itself (staging.py's tables, a run's bookkeeping) is spelled.

A Dialect is a value: each engine's Target holds one (`Target.dialect`),
and staging.py builds its statements from a Dialect alone, without knowing
about runs or connections. Every way the engines spell that SQL differently
is a field here; the defaults are DuckDB's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Dialect:
    """An engine's spelling of parameters, column types, string literals and table DDL."""

    placeholder: str = "?"
    type_names: Mapping[str, str] = field(
        default_factory=lambda: {"text": "varchar", "json": "json"}
    )
    # Spark's string literals treat a backslash as an escape, too.
    backslash_escapes: bool = False
    # Engines that store tables as files name the format (`using parquet`),
    # and partition the tables that runs replace by partition.
    file_format: str | None = None
    # Spark's parquet tables have no DELETE: they are emptied with TRUNCATE.
    deletes_rows: bool = True

    def empty_table(self, table: str) -> str:
        """The statement that deletes every row of `table`."""
        return f"delete from {table}" if self.deletes_rows else f"truncate table {table}"

    def quote(self, text: str) -> str:
        """`text` as a SQL string literal."""
        if self.backslash_escapes:
            return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return "'" + text.replace("'", "''") + "'"

    def create_table(
        self, table: str, columns: Mapping[str, str], partitioned_by: str | None = None
    ) -> str:
        """`create table if not exists` with staging.py's column types in this engine's names.

        `partitioned_by` names the column of a table that runs replace by
        partition on engines that store tables as partitioned files.
        """
        definitions = ", ".join(
            f"{column} {self.type_names.get(kind, kind)}" for column, kind in columns.items()
        )
        statement = f"create table if not exists {table} ({definitions})"
        if self.file_format is None:
            return statement
        partitioning = f" partitioned by ({partitioned_by})" if partitioned_by else ""
        return f"{statement} using {self.file_format}{partitioning}"
