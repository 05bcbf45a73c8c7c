{{ config(rebuild_where="{{ orgwh.is_loaded_day('event_date') }}") }}

-- One row per distinct event. On an incremental run only the loaded days are
-- rebuilt: a day's distinct events depend on that day's records alone.
with staged_events as (
    select * from {{ ref('stg_events') }}
    {% if is_incremental() %}
    where {{ orgwh.is_loaded_day('event_date') }}
    {% endif %}
),

-- Keyed before the distinct, though duplicates are then hashed too: engines
-- that scan in parallel (Postgres) hash in every worker, not in one after.
keyed_events as (
    select *, {{ orgwh.timestamp_text('received_at') }} as received_at_text
    from staged_events
)

-- The keys are compared by code point, as the hex and ids they are: Postgres
-- then sorts and indexes them byte by byte, twice as fast as by the
-- database's collation.
select distinct
    {{ orgwh.in_codepoint_order(orgwh.hash_fields([
        'user_id', 'event_type', 'username', 'user_email', 'user_type',
        'organization_name', 'plan_name', 'received_at_text',
    ])) }} as event_key,
    {{ orgwh.in_codepoint_order('user_id') }} as user_id,
    event_type,
    username,
    user_email,
    user_type,
    organization_name,
    plan_name,
    received_at,
    event_date
from keyed_events
{{ orgwh.stored_in_order_of('event_date') }}
