{{ config(rebuild_where="{{ orgwh.is_in('user_id', orgwh.changed_users()) }}") }}

-- One row per version of a user (SCD type 2), built from the whole of each
-- user's event history rather than by comparing a new batch with the current
-- row: that makes the result independent of how events were batched into
-- runs, of the order days arrive in, and of reruns. An incremental run
-- rebuilds only the users that the loaded days can change.
with events as (
    select * from {{ ref('user_event') }}
    {% if is_incremental() %}
    where {{ orgwh.is_in('user_id', orgwh.changed_users()) }}
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
