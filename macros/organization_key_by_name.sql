{#- A relation from organization name to key: events and versions name their
    organization, and when several organizations share a name the greatest
    key wins (SPEC 4). -#}
{% macro organization_key_by_name() -%}
    select
        organization_name,
        max({{ orgwh.in_codepoint_order('organization_key') }}) as organization_key
    from {{ ref('dim_organization') }}
    where organization_name is not null
    group by organization_name
{%- endmacro %}
