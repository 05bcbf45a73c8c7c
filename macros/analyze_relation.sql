{#- A post-hook: refresh the planner's statistics of a table built in full, so
    the next models and the data tests are planned on its rows. Only Postgres
    needs it (its statistics wait for autovacuum otherwise). An incremental
    run skips it: a day changes a small share of the rows, the planner scales
    the row counts by the table's current size, and autovacuum analyzes the
    table after the commit; ANALYZE of a million rows would cost more than
    the day's plans gain from it. -#}
{% macro analyze_relation(relation) -%}
    {{ return(adapter.dispatch('analyze_relation', 'orgwh')(relation)) }}
{%- endmacro %}

{% macro default__analyze_relation(relation) -%}
{%- endmacro %}

{% macro postgres__analyze_relation(relation) -%}
    {%- if config.get('materialized') != 'view' and not is_incremental() -%}
        analyze {{ relation }}
    {%- endif -%}
{%- endmacro %}
