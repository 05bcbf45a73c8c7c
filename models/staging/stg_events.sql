-- The staged user events with their JSON parsed into columns. The loader has
-- already rejected records whose fields have the wrong type or whose
-- received_at does not parse, so every row here is interpretable.
with staged_events as (
    {{ orgwh.select_json_text_fields(
        source('staging', 'event'),
        'json_content',
        ['id', 'event_type', 'username', 'user_email', 'user_type',
         'organization_name', 'plan_name', 'received_at'],
        columns=['date as event_date'],
    ) }}
)

select
    event_date,
    id as user_id,
    event_type,
    username,
    user_email,
    user_type,
    organization_name,
    plan_name,
    {{ orgwh.validated_utc_timestamp('received_at') }} as received_at
from staged_events
