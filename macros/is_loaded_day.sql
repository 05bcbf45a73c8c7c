{#- Whether `column`, a date, is one of the days in staging.load_day. -#}
{% macro is_loaded_day(column) -%}
    {{ orgwh.is_in(column, 'select date from ' ~ source('staging', 'load_day')) }}
{%- endmacro %}

{#- Whether `column` is one of the values `query` selects: `column in (query)`. -#}
{% macro is_in(column, query) -%}
    {{ return(adapter.dispatch('is_in', 'orgwh')(column, query)) }}
{%- endmacro %}

{% macro default__is_in(column, query) -%}
    {{ column }} in ({{ query }})
{%- endmacro %}

{#- Postgres plans `in (query)` as a join, sized by an estimate of the
    query's rows that is often far off: for a day's changed users it
    merge-joined every event in user order. An array computed once before
    the scan becomes index lookups or a filter of the scan itself, whatever
    the estimate (`python benchmarks/run.py postgres` profiles a day). -#}
{% macro postgres__is_in(column, query) -%}
    {{ column }} = any(array({{ query }}))
{%- endmacro %}
