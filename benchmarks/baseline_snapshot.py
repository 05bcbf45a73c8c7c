"""The original construction, for comparison: daily loads through a plain dbt snapshot.

The original luigi + dbt warehouse loaded each day's export into a staging
table and ran `dbt snapshot` (timestamp strategy, `unique_key` the user id,
`updated_at` received_at) over it. A dbt snapshot needs its key to be unique
in the source, so the source keeps each user's last event of the day
(ties on received_at broken in SPEC 4's order, the most charitable choice).
That construction cannot see a version that starts and ends within one day,
and it starts a version at every event, also one that changes nothing.

`write_project(folder)` writes that tiny dbt project into a folder of its
own (never into orgwh's project); `python baseline_snapshot.py day FOLDER
FILE` loads one day's file into it and runs `dbt build` (the view, then the
snapshot), in one process, as a daily job would.
"""

from __future__ import annotations

import sys
from pathlib import Path

_DBT_PROJECT = """\
name: baseline
version: "1.0.0"
config-version: 2
profile: baseline
model-paths: ["models"]
snapshot-paths: ["snapshots"]
"""

_PROFILES = """\
baseline:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "{path}"
      threads: 1
      settings:
        TimeZone: UTC
"""

_SOURCES = """\
version: 2
sources:
  - name: raw
    schema: raw
    tables:
      - name: event
"""

# The day's batch, one row per user: the user's last event of the day.
_STG_USER = """\
{{ config(materialized='view') }}

with events as (
    select
        id as user_id,
        event_type,
        username,
        user_email,
        user_type,
        organization_name,
        plan_name,
        cast(timezone('UTC', cast(received_at as timestamptz)) as timestamp) as received_at
    from {{ source('raw', 'event') }}
)

select
    user_id, username, user_email, user_type, organization_name, plan_name,
    event_type = 'User Deleted' as is_deleted,
    received_at
from events
qualify row_number() over (
    partition by user_id
    order by received_at desc,
        case event_type when 'User Created' then 1 when 'User Updated' then 2 else 3 end desc,
        username desc nulls last, user_email desc nulls last, user_type desc nulls last,
        organization_name desc nulls last, plan_name desc nulls last
) = 1
"""

_SNAPSHOT = """\
{% snapshot user_snapshot %}
{{ config(target_schema='snapshots', unique_key='user_id',
          strategy='timestamp', updated_at='received_at') }}
select * from {{ ref('stg_user') }}
{% endsnapshot %}
"""

WAREHOUSE = "baseline.duckdb"


def write_project(folder: Path) -> Path:
    """Write the baseline dbt project into `folder`; return its DuckDB file path."""
    warehouse = folder / WAREHOUSE
    files = {
        "dbt_project.yml": _DBT_PROJECT,
        "profiles.yml": _PROFILES.format(path=warehouse),
        "models/sources.yml": _SOURCES,
        "models/stg_user.sql": _STG_USER,
        "snapshots/user_snapshot.sql": _SNAPSHOT,
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return warehouse


def day_command(folder: Path, day_file: Path) -> list[str]:
    """The child process that loads one day into the baseline warehouse."""
    return [sys.executable, __file__, "day", str(folder), str(day_file)]


def load_day(folder: Path, day_file: Path) -> None:
    """Stage one day's export into raw.event, then `dbt build` (view and snapshot)."""
    import duckdb

    with duckdb.connect(str(folder / WAREHOUSE)) as con:
        con.execute("create schema if not exists raw")
        con.execute(
            """create or replace table raw.event as
            select * from read_json(?, columns = {
                'id': 'varchar', 'event_type': 'varchar', 'username': 'varchar',
                'user_email': 'varchar', 'user_type': 'varchar',
                'organization_name': 'varchar', 'plan_name': 'varchar',
                'received_at': 'varchar'})""",
            [str(day_file)],
        )
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        ["build", "--project-dir", str(folder), "--profiles-dir", str(folder),
         "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"),
         "--log-level", "none", "--log-level-file", "info"]
    )  # fmt: skip
    if not result.success:
        raise SystemExit(f"dbt build failed, see {folder}/logs/dbt.log")


# The snapshot rows against orgwh's, both as SPEC 4 columns (no is_current).
_COMPARE = """
with baseline as (
    select user_id, username, user_email, user_type, organization_name, plan_name,
        is_deleted, dbt_valid_from as valid_from, dbt_valid_to as valid_to
    from snapshots.user_snapshot
),
orgwh as (
    select user_id, username, user_email, user_type, organization_name, plan_name,
        is_deleted, valid_from, valid_to
    from orgwh.snapshots.user_snapshot
),
only_baseline as (select * from baseline except all select * from orgwh),
only_orgwh as (select * from orgwh except all select * from baseline),
-- Versions that start and end within one UTC day: a daily snapshot never sees them.
intraday as (
    select * from orgwh
    where valid_to is not null and cast(valid_from as date) = cast(valid_to as date)
),
-- Baseline versions that repeat the previous version's state: an event that
-- changed nothing still started a version.
baseline_ordered as (
    select *,
        lag(username) over w as p_username, lag(user_email) over w as p_user_email,
        lag(user_type) over w as p_user_type,
        lag(organization_name) over w as p_organization_name,
        lag(plan_name) over w as p_plan_name, lag(is_deleted) over w as p_is_deleted,
        row_number() over w as n
    from baseline
    window w as (partition by user_id order by valid_from)
),
repeated as (
    select * from baseline_ordered
    where n > 1
        and username is not distinct from p_username
        and user_email is not distinct from p_user_email
        and user_type is not distinct from p_user_type
        and organization_name is not distinct from p_organization_name
        and plan_name is not distinct from p_plan_name
        and is_deleted is not distinct from p_is_deleted
)
select
    (select count(*) from baseline) as baseline_rows,
    (select count(*) from orgwh) as orgwh_rows,
    (select count(*) from only_baseline) as rows_only_in_baseline,
    (select count(*) from only_orgwh) as rows_only_in_orgwh,
    (select count(distinct user_id) from
        (select user_id from only_baseline union all select user_id from only_orgwh))
        as users_with_wrong_rows,
    (select count(distinct user_id) from orgwh) as users,
    (select count(*) from intraday) as orgwh_versions_within_one_day,
    (select count(distinct user_id) from intraday) as users_changing_twice_in_a_day,
    (select count(*) from repeated) as baseline_versions_repeating_a_state
"""


def compare(baseline: Path, orgwh_warehouse: Path) -> dict[str, int]:
    """How the baseline's snapshot rows differ from orgwh's (SPEC 4)."""
    import duckdb

    with duckdb.connect(str(baseline), read_only=True) as con:
        con.execute(f"attach '{orgwh_warehouse}' as orgwh (read_only)")
        cursor = con.execute(_COMPARE)
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "day":
        raise SystemExit("usage: baseline_snapshot.py day FOLDER DAY_FILE")
    load_day(Path(sys.argv[2]), Path(sys.argv[3]))
