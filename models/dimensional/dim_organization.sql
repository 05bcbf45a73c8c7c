-- One row per organization_key of the latest organizations file; when a key
-- repeats, its last record wins (SCD type 1: reloaded in full every run).
with ranked_organizations as (
    select
        *,
        row_number() over (
            partition by organization_key
            order by record_position desc
        ) as position_from_last
    from {{ ref('stg_organizations') }}
)

select
    organization_key,
    organization_name,
    created_at
from ranked_organizations
where position_from_last = 1
