{#- The users whose versions a run can change: those with events on the loaded
    days now, and those who had a version starting on one of them before (a
    re-delivered day may have lost that user's events). An event that started
    no version can be removed without changing any version, so no other user
    needs rebuilding.
    The loaded days' events are a semi-join: Postgres estimates it from the
    statistics of staging.load_day (analyzed after staging) and reads the
    days' events by their index. A version starting on a loaded day also
    starts or ends on or after the earliest one: that comparison, implied by
    the others, is the range of user_snapshot's index on last_change_day()
    (Postgres), which reads the versions of the loaded days on instead of
    every version. Without the index, the plain comparison drops most
    versions before the cast and the lookup (`python benchmarks/run.py
    postgres` profiles a day's run). -#}
{% macro changed_users() -%}
    select user_id from {{ ref('user_event') }}
    where event_date in (select date from {{ source('staging', 'load_day') }})
    union
    select user_id from {{ this }}
    where valid_from >= {{ orgwh.first_loaded_day() }}
        and {{ orgwh.last_change_day() }} >= {{ orgwh.first_loaded_day() }}
        and {{ orgwh.is_loaded_day('cast(valid_from as date)') }}
{%- endmacro %}
