{#- The organization names whose key in this model (dim_user or fac_user, both
    incremental) differs from what the latest organizations file says:
    organizations are reloaded in full on every run. -#}
{% macro organizations_with_a_new_key() -%}
    select built.organization_name
    from {{ this }} as built
    left join ({{ orgwh.organization_key_by_name() }}) as organizations
        on built.organization_name = organizations.organization_name
    where built.organization_name is not null
        and built.organization_key is distinct from organizations.organization_key
{%- endmacro %}
