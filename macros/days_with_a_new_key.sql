{#- The days of fac_user holding an organization whose key differs from what
    the latest organizations file says (fac_user is incremental;
    organizations are reloaded in full on every run). A run rebuilds these
    days whole, not just the organization's rows: on Spark a day is one
    partition, and overwriting it replaces every row of the day. -#}
{% macro days_with_a_new_key() -%}
    select distinct facts.date_calendar
    from {{ this }} as facts
    left join ({{ orgwh.organization_key_by_name() }}) as organizations
        on facts.organization_name = organizations.organization_name
    where facts.organization_name is not null
        and facts.organization_key is distinct from organizations.organization_key
{%- endmacro %}
