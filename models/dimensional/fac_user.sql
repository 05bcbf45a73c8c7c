{{ config(
    rebuild_where="date_calendar >= {{ orgwh.fac_user_first_rebuilt_day() }}
        or {{ orgwh.is_in('date_calendar', orgwh.days_with_a_new_key()) }}",
) }}

-- Daily users per organization: one row per (date_calendar, organization_name)
-- from the first to the last loaded event day, where any measure is non-zero.
-- Loading a day can change the days from it on (active users carry over), so
-- an incremental run rebuilds the days from the earliest loaded one, or from
-- earlier when the table's range grows or shrinks (see
-- macros/fac_user_first_rebuilt_day.sql).
with loaded_days as (
    select
        {% if is_incremental() %}
        {{ orgwh.fac_user_first_rebuilt_day() }} as first_day,
        {% else %}
        min(event_date) as first_day,
        {% endif %}
        max(event_date) as last_day
    from {{ ref('user_event') }}
),

-- The rebuilt days' events are read twice, by kind, rather than through one
-- shared CTE: Postgres would materialize every column of every event for it.
-- Every distinct event counts, also one that changed nothing: a user counts
-- once per day, organization and event type. Distinct first, then a plain
-- count: Postgres sorts every event for a count(distinct) per group.
creating_and_updating_users as (
    select distinct event_date, organization_name, event_type, user_id
    from {{ ref('user_event') }}
    where event_date >= (select first_day from loaded_days)
        and event_type in ('User Created', 'User Updated')
),

created_and_updated as (
    select
        event_date as date_calendar,
        organization_name,
        count(case when event_type = 'User Created' then 1 end) as users_created,
        count(case when event_type = 'User Updated' then 1 end) as users_updated
    from creating_and_updating_users
    group by event_date, organization_name
),

deletion_events as (
    select * from {{ ref('user_event') }}
    where event_date >= (select first_day from loaded_days)
        and event_type = 'User Deleted'
),

-- A deletion counts for the organization of the user's last non-deleted
-- version that started strictly before it, else for the event's own.
deletions as (
    select
        deletion.user_id,
        deletion.event_date,
        case
            when version.valid_from is null then deletion.organization_name
            else version.organization_name
        end as organization_name,
        row_number() over (
            partition by deletion.event_key
            order by version.valid_from desc
        ) as recency
    from deletion_events as deletion
    -- only the deleting users' versions: Postgres would hash every version
    -- to look up a day's few deletions
    left join (
        select * from {{ ref('user_snapshot') }}
        where {{ orgwh.is_in('user_id', 'select user_id from deletion_events') }}
    ) as version
        on version.user_id = deletion.user_id
        and not version.is_deleted
        and version.valid_from < deletion.received_at
),

deleted as (
    select
        event_date as date_calendar,
        organization_name,
        count(distinct user_id) as users_deleted
    from deletions
    where recency = 1
    group by event_date, organization_name
),

{%- set lasting_version -%}
    not is_deleted
        and (valid_to is null or cast(valid_to as date) > cast(valid_from as date))
{%- endset %}

-- A version is current at the end of each day from its first day up to the
-- day before the one it ends on: +1 user on its first day, -1 on its end day.
-- A user has one version at a time, so summing versions counts users. The
-- rebuilt days start from the users active at the end of the day before the
-- first of them (the table keeps that day, and no loaded event can change
-- it), so that only the versions starting or ending on a rebuilt day are
-- read: each by a plain comparison of its column, which DuckDB applies in its
-- scan of user_snapshot, and by the comparison of last_change_day that it
-- implies, which is the range of Postgres' index (macros/last_change_day.sql).
starting_versions as (
    select organization_name, cast(valid_from as date) as change_day
    from {{ ref('user_snapshot') }}
    where {{ lasting_version }}
        and valid_from >= (select first_day from loaded_days)
        and {{ orgwh.last_change_day() }} >= (select first_day from loaded_days)
),

ending_versions as (
    select organization_name, cast(valid_to as date) as change_day
    from {{ ref('user_snapshot') }}
    where {{ lasting_version }}
        and valid_to >= (select first_day from loaded_days)
        and {{ orgwh.last_change_day() }} >= (select first_day from loaded_days)
),

active_changes as (
    {% if is_incremental() %}
    select organization_name, first_day as change_day, active_users as change
    from {{ this }}
    cross join loaded_days
    where date_calendar = cast({{ dbt.dateadd('day', -1, 'loaded_days.first_day') }} as date)
    union all
    {% endif %}
    select organization_name, change_day, 1 as change
    from starting_versions
    union all
    select organization_name, change_day, -1 as change
    from ending_versions
),

active_periods as (
    select
        organization_name,
        change_day as first_day,
        sum(sum(change)) over by_day as active_users,
        lead(change_day) over by_day as next_change_day
    from active_changes
    group by organization_name, change_day
    window by_day as (partition by organization_name order by change_day)
),

active as (
    select
        active_periods.organization_name,
        {{ orgwh.days_between(
            'active_periods.first_day',
            'coalesce(cast(' ~ dbt.dateadd('day', -1, 'active_periods.next_change_day') ~ ' as date), loaded_days.last_day)'
        ) }} as date_calendar,
        active_periods.active_users
    from active_periods
    cross join loaded_days
    where active_periods.active_users > 0
),

measures as (
    select date_calendar, organization_name, users_created, users_updated,
        0 as users_deleted, 0 as active_users
    from created_and_updated
    union all
    select date_calendar, organization_name, 0, 0, users_deleted, 0
    from deleted
    union all
    select date_calendar, organization_name, 0, 0, 0, active_users
    from active
),

daily as (
    select
        date_calendar,
        organization_name,
        cast(sum(users_created) as {{ dbt.type_bigint() }}) as users_created,
        cast(sum(users_updated) as {{ dbt.type_bigint() }}) as users_updated,
        cast(sum(users_deleted) as {{ dbt.type_bigint() }}) as users_deleted,
        cast(sum(active_users) as {{ dbt.type_bigint() }}) as active_users
    from measures
    group by date_calendar, organization_name
    {% if is_incremental() %}
    -- Days before the rebuilt ones keep their measures; only a day holding an
    -- organization whose key changed in the latest organizations file is
    -- written again, whole, with the new keys.
    union all
    select date_calendar, organization_name, users_created, users_updated, users_deleted,
        active_users
    from {{ this }}
    where date_calendar < (select first_day from loaded_days)
        and {{ orgwh.is_in('date_calendar', orgwh.days_with_a_new_key()) }}
    {% endif %}
)

select
    daily.date_calendar,
    organizations.organization_key,
    daily.organization_name,
    daily.users_created,
    daily.users_updated,
    daily.users_deleted,
    daily.active_users
from daily
left join ({{ orgwh.organization_key_by_name() }}) as organizations
    on daily.organization_name = organizations.organization_name
where daily.users_created + daily.users_updated + daily.users_deleted + daily.active_users > 0
-- stored by day: the next run reads the last day before the ones it rebuilds
{{ orgwh.stored_in_order_of('daily.date_calendar') }}
