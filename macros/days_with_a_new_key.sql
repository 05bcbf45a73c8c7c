{#- The days of fac_user holding an organization whose key differs from what
    the latest organizations file says (fac_user is incremental;
    organizations are reloaded in full on every run). A run rebuilds these
    days whole, not just the organization's rows: on Spark a day is one
    partition, and overwriting it replaces every row of the day. -#}
{% macro days_with_a_new_key() -%}
    {{ return(adapter.dispatch('days_with_a_new_key', 'orgwh')()) }}
{%- endmacro %}

{% macro default__days_with_a_new_key() -%}
    select distinct facts.date_calendar
    from {{ this }} as facts
    left join ({{ orgwh.organization_key_by_name() }}) as organizations
        on facts.organization_name = organizations.organization_name
    where facts.organization_name is not null
        and facts.organization_key is distinct from organizations.organization_key
{%- endmacro %}

{#- The default reads every row of fac_user on every run. But every run leaves
    one key per organization name in the table (the rows it rebuilds and the
    days it rewrites carry the latest file's keys), so one row per name
    tells its stored key: Postgres walks fac_user's index on
    (organization_name, organization_key) from name to next name, one probe
    each, then reads the days of the names whose key changed, if any, by the
    same index. -#}
{% macro postgres__days_with_a_new_key() -%}
    with recursive stored_keys as (
        (
            select organization_name, organization_key from {{ this }}
            where organization_name is not null
            order by organization_name
            limit 1
        )
        union all
        select next_name.organization_name, next_name.organization_key
        from stored_keys
        cross join lateral (
            select organization_name, organization_key from {{ this }}
            where organization_name > stored_keys.organization_name
            order by organization_name
            limit 1
        ) as next_name
    ),

    rekeyed_names as (
        select stored_keys.organization_name
        from stored_keys
        left join ({{ orgwh.organization_key_by_name() }}) as organizations
            on stored_keys.organization_name = organizations.organization_name
        where stored_keys.organization_key is distinct from organizations.organization_key
    )

    select distinct date_calendar from {{ this }}
    where {{ orgwh.is_in('organization_name', 'select organization_name from rekeyed_names') }}
{%- endmacro %}
