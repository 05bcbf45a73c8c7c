{{ config(
    replace_where="user_id in ({{ orgwh.changed_users() }})
        or organization_name in ({{ orgwh.organizations_with_a_new_key() }})",
) }}

-- changed_users() reads the loaded days' events:
-- depends_on: {{ ref('user_event') }}

-- The user versions with a surrogate key and their organization's key. An
-- incremental run rebuilds the versions that user_snapshot rebuilt, and those
-- of an organization whose key changed in the latest organizations file
-- (organizations are reloaded in full on every run).
with versions as (
    select * from {{ ref('user_snapshot') }}
    {% if is_incremental() %}
    where user_id in ({{ orgwh.changed_users() }})
        or organization_name in ({{ orgwh.organizations_with_a_new_key() }})
    {% endif %}
)

select
    {{ orgwh.hash_fields(['versions.user_id', orgwh.timestamp_text('versions.valid_from')]) }} as user_sk,
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
from versions
left join ({{ orgwh.organization_key_by_name() }}) as organizations
    on versions.organization_name = organizations.organization_name
