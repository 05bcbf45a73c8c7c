-- The staged user events with their JSON parsed into columns. The loader has
-- already rejected records whose fields have the wrong type or whose
-- received_at does not parse, so every row here is interpretable.
with staged_events as (
    select
        date as event_date,
        {{ orgwh.json_string('json_content', 'id') }} as user_id,
        {{ orgwh.json_string('json_content', 'event_type') }} as event_type,
        {{ orgwh.json_string('json_content', 'username') }} as username,
        {{ orgwh.json_string('json_content', 'user_email') }} as user_email,
        {{ orgwh.json_string('json_content', 'user_type') }} as user_type,
        {{ orgwh.json_string('json_content', 'organization_name') }} as organization_name,
        {{ orgwh.json_string('json_content', 'plan_name') }} as plan_name,
        {{ orgwh.json_string('json_content', 'received_at') }} as received_at_text
    from {{ source('staging', 'event') }}
)

select
    event_date,
    user_id,
    event_type,
    username,
    user_email,
    user_type,
    organization_name,
    plan_name,
    {{ orgwh.parse_utc_timestamp('received_at_text') }} as received_at
from staged_events
