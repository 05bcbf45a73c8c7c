{#- Ends a model's select so that its rows are written in `column` order. DuckDB
    and Postgres store rows in the order they are written, so a later run's
    filter on `column` then reads few row groups or pages: a day's events lie
    together, not across the whole table. On Postgres the order is also
    cheaper than none: the workers sort their share, where a final distinct
    would have hashed every row in one process. Spark, which partitions the
    table by the column instead (dbt_project.yml), is not asked for a global
    sort. -#}
{% macro stored_in_order_of(column) -%}
    {{ return(adapter.dispatch('stored_in_order_of', 'orgwh')(column)) }}
{%- endmacro %}

{% macro default__stored_in_order_of(column) -%}
    order by {{ column }}
{%- endmacro %}

{% macro spark__stored_in_order_of(column) -%}
{%- endmacro %}
