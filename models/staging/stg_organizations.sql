-- The organizations of the latest file with their JSON parsed into columns,
-- in the order of the file. A created_at that does not parse becomes null.
with staged_organizations as (
    select
        {{ orgwh.record_position() }} as record_position,
        {{ orgwh.json_string('json_content', 'organization_key') }} as organization_key,
        {{ orgwh.json_string('json_content', 'organization_name') }} as organization_name,
        {{ orgwh.json_string('json_content', 'created_at') }} as created_at_text
    from {{ source('staging', 'organization') }}
)

select
    record_position,
    organization_key,
    organization_name,
    {{ orgwh.parse_utc_timestamp('created_at_text') }} as created_at
from staged_organizations
