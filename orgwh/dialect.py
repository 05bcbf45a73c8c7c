"""How the SQL that orgwh writes itself (staging.py's tables, a run's bookkeeping) is spelled.

Each engine's Target inherits these defaults and overrides what its SQL
spells otherwise; staging.py builds its statements from a Dialect alone,
without knowing about runs or connections.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class Dialect:
    """An engine's spelling of parameters, column types, string literals and table DDL."""

    placeholder: ClassVar[str] = "?"
    type_names: ClassVar[Mapping[str, str]] = {"text": "varchar", "json": "json"}

    def empty_table(self, table: str) -> str:
        """The statement that deletes every row of `table`."""
        return f"delete from {table}"

    def quote(self, text: str) -> str:
        """`text` as a SQL string literal."""
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
        return f"create table if not exists {table} ({definitions})"
