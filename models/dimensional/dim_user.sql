{{ config(materialized='view') }}

-- The user versions with a surrogate key and their organization's key. A view:
-- organizations are reloaded in full on every run, so a key stored with the
-- versions would go stale; the join is cheap.
select
    {{ orgwh.in_codepoint_order(
        orgwh.hash_fields(['versions.user_id', orgwh.timestamp_text('versions.valid_from')])
    ) }} as user_sk,
    versions.user_id,
    versions.username,
    versions.user_email,
    versions.user_type,
    versions.organization_name,
    versions.plan_name,
    versions.is_deleted,
    versions.valid_from,
    versions.valid_to,
    versions.is_current,
    organizations.organization_key
from {{ ref('user_snapshot') }} as versions
left join ({{ orgwh.organization_key_by_name() }}) as organizations
    on versions.organization_name = organizations.organization_name
