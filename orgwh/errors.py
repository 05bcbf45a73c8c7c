"""The errors orgwh reports to its users; each carries the CLI's exit status."""

from __future__ import annotations


class OrgwhError(Exception):
    """Base class: a problem orgwh explains in one line."""

    exit_code = 2


class InputError(OrgwhError):
    """An input file cannot be read as a whole; nothing was changed."""


class UsageError(OrgwhError):
    """Options that make no sense together, or a date that is not a date."""


class WarehouseLocked(OrgwhError):
    """Another process holds the warehouse and did not let go in time."""


class ConnectionFailed(OrgwhError):
    """The target database cannot be reached."""


class OutOfMemory(OrgwhError):
    """DuckDB needed more memory than ORGWH_MEMORY_LIMIT allows; nothing was changed."""

    # how DuckDB's messages begin when memory ran out
    DUCKDB_PREFIX = "Out of Memory Error: "

    @classmethod
    def during(cls, doing: str, duckdb_message: str) -> OutOfMemory:
        """The error for DuckDB's out-of-memory `duckdb_message` while `doing` something."""
        detail = duckdb_message.strip().splitlines()[0].split(cls.DUCKDB_PREFIX)[-1]
        return cls(
            f"DuckDB ran out of memory {doing} ({detail}); raise ORGWH_MEMORY_LIMIT "
            "(DuckDB spills what it can to ORGWH_TEMP_DIRECTORY)"
        )


class DataTestFailed(OrgwhError):
    """An error-severity data test failed; the warehouse was left as it was."""

    exit_code = 1


class BuildFailed(OrgwhError):
    """dbt could not build a model; the warehouse was left as it was."""

    exit_code = 1


class NoWarehouse(OrgwhError):
    """There is no warehouse to read yet: build it with `orgwh run` first."""


class QueryFailed(OrgwhError):
    """The database refused a query (a syntax error, an unknown table, a write)."""
