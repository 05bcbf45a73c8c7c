"""The warehouse's schemas and tables (SPEC 4), the same on every target."""

SCHEMAS = ("staging", "historical", "snapshots", "dimensional")

# The tables of SPEC 4, layer by layer, in the order a summary lists them.
TABLES = (
    "staging.event",
    "staging.organization",
    "staging.rejected",
    "historical.user_event",
    "snapshots.user_snapshot",
    "dimensional.dim_organization",
    "dimensional.dim_user",
    "dimensional.fac_user",
)
