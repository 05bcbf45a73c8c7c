{#- The organization names whose key in fac_user differs from what the latest
    organizations file says (fac_user is incremental; organizations are
    reloaded in full on every run). -#}
{% macro organizations_with_a_new_key() -%}
    select facts.organization_name
    from {{ this }} as facts
    left join ({{ orgwh.organization_key_by_name() }}) as organizations
        on facts.organization_name = organizations.organization_name
    where facts.organization_name is not null
        and facts.organization_key is distinct from organizations.organization_key
{%- endmacro %}
