"""The errors orgwh reports to its users; each carries the CLI's exit status."""


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
