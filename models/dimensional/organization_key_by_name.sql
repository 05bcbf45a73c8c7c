{{ config(materialized='ephemeral') }}

-- Events and versions name their organization; this resolves a name to its
-- key. When several organizations share a name, the greatest key wins.
select
    organization_name,
    max({{ orgwh.in_codepoint_order('organization_key') }}) as organization_key
from {{ ref('dim_organization') }}
where organization_name is not null
group by organization_name
