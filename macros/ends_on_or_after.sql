{#- Whether a version, by its `valid_to` (null while it is current), ends on
    or after `day`: the versions a run rebuilds from its earliest loaded day. -#}
{% macro ends_on_or_after(valid_to, day) -%}
    {{ return(adapter.dispatch('ends_on_or_after', 'orgwh')(valid_to, day)) }}
{%- endmacro %}

{% macro default__ends_on_or_after(valid_to, day) -%}
    ({{ valid_to }} is null or {{ valid_to }} >= {{ day }})
{%- endmacro %}

{#- One range of user_snapshot's index on (user_id, this expression)
    (dbt_project.yml), where `is null or` is a filter: Postgres fetched every
    earlier version of a rebuilt user to discard it, twice the rows a run
    rebuilds, on every page of the table. -#}
{% macro postgres__ends_on_or_after(valid_to, day) -%}
    coalesce({{ valid_to }}, 'infinity') >= {{ day }}
{%- endmacro %}
