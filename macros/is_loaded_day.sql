{#- Whether `column`, a date, is one of the days in staging.load_day. -#}
{% macro is_loaded_day(column) -%}
    {{ return(adapter.dispatch('is_loaded_day', 'orgwh')(column)) }}
{%- endmacro %}

{% macro default__is_loaded_day(column) -%}
    {{ column }} in (select date from {{ source('staging', 'load_day') }})
{%- endmacro %}

{#- Postgres plans `in (select ...)` as a semi-join above the scan, and computes
    the scan's columns (every staged event's JSON, parsed) for every row first.
    A list evaluated once makes it a filter of the scan itself, served by the
    index on staging.event (date). -#}
{% macro postgres__is_loaded_day(column) -%}
    {{ column }} = any(array(select date from {{ source('staging', 'load_day') }}))
{%- endmacro %}
