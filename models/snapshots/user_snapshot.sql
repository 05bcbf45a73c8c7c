{{ config(rebuild_where="{{ orgwh.is_in('user_id', orgwh.changed_users()) }}
    and {{ orgwh.ends_on_or_after('valid_to', orgwh.first_loaded_day()) }}") }}

-- One row per version of a user (SCD type 2), computed from the user's events
-- in time order, so that the result does not depend on how events were
-- batched into runs, on the order days arrive in, or on reruns.
-- An incremental run rebuilds only the users that the loaded days can change,
-- and of those only the versions current on or after the earliest loaded
-- day, from the events of that day on. The versions before it follow from the
-- earlier events alone (a version starts where the state changes) and stay;
-- the version current when that day began is the state that the first
-- rebuilt event is compared with.
with
{% if is_incremental() %}
rebuilt_users as (
    {{ orgwh.changed_users() }}
),
{% endif %}

-- A join with rebuilt_users, not orgwh.is_in: Postgres finds the events
-- from the earliest loaded day by their day, then keeps those of the rebuilt
-- users by hash, where looking up each user's events would read most of the
-- table.
events as (
    select * from {{ ref('user_event') }}
    {% if is_incremental() %}
    where event_date >= {{ orgwh.first_loaded_day() }}
        and user_id in (select user_id from rebuilt_users)
    {% endif %}
),

-- SPEC 4, step 1: events are totally ordered; at one instant the last one in
-- that order gives the state (step 3).
ranked_events as (
    select
        *,
        row_number() over (
            partition by user_id, received_at
            order by
                case event_type
                    when 'User Created' then 1
                    when 'User Updated' then 2
                    else 3
                end desc,
                {{ orgwh.in_codepoint_order('username') }} desc nulls last,
                {{ orgwh.in_codepoint_order('user_email') }} desc nulls last,
                {{ orgwh.in_codepoint_order('user_type') }} desc nulls last,
                {{ orgwh.in_codepoint_order('organization_name') }} desc nulls last,
                {{ orgwh.in_codepoint_order('plan_name') }} desc nulls last
        ) as position_from_last
    from events
),

instant_states as (
    select
        user_id,
        username,
        user_email,
        user_type,
        organization_name,
        plan_name,
        event_type = 'User Deleted' as is_deleted,
        received_at
    from ranked_events
    where position_from_last = 1
    {% if is_incremental() %}
    union all
    -- The state of each rebuilt user when the earliest loaded day began, as
    -- the instant of the version current then: the rebuild keeps, extends or
    -- ends that version.
    select
        user_id,
        username,
        user_email,
        user_type,
        organization_name,
        plan_name,
        is_deleted,
        valid_from as received_at
    from {{ this }}
    where {{ orgwh.is_in('user_id', 'select user_id from rebuilt_users') }}
        and valid_from < {{ orgwh.first_loaded_day() }}
        and {{ orgwh.ends_on_or_after('valid_to', orgwh.first_loaded_day()) }}
    {% endif %}
),

-- Step 4: the previous instant's state is always the current version's state,
-- so a version starts wherever the state differs from the previous instant.
compared_states as (
    select
        *,
        row_number() over by_time as instant_number,
        lag(username) over by_time as previous_username,
        lag(user_email) over by_time as previous_user_email,
        lag(user_type) over by_time as previous_user_type,
        lag(organization_name) over by_time as previous_organization_name,
        lag(plan_name) over by_time as previous_plan_name,
        lag(is_deleted) over by_time as previous_is_deleted
    from instant_states
    window by_time as (partition by user_id order by received_at)
),

version_starts as (
    select *
    from compared_states
    where instant_number = 1
        or username is distinct from previous_username
        or user_email is distinct from previous_user_email
        or user_type is distinct from previous_user_type
        or organization_name is distinct from previous_organization_name
        or plan_name is distinct from previous_plan_name
        or is_deleted is distinct from previous_is_deleted
),

versions as (
    select
        user_id,
        username,
        user_email,
        user_type,
        organization_name,
        plan_name,
        is_deleted,
        received_at as valid_from,
        lead(received_at) over (partition by user_id order by received_at) as valid_to
    from version_starts
)

select
    *,
    valid_to is null as is_current
from versions
