{#- A post-hook: refresh the planner's statistics of a model's table after a
    build, so the next models and the data tests are planned on its new rows.
    Only Postgres needs it (its statistics wait for autovacuum otherwise). -#}
{% macro analyze_relation(relation) -%}
    {{ return(adapter.dispatch('analyze_relation', 'orgwh')(relation)) }}
{%- endmacro %}

{% macro default__analyze_relation(relation) -%}
{%- endmacro %}

{% macro postgres__analyze_relation(relation) -%}
    {%- if config.get('materialized') != 'view' -%}
        analyze {{ relation }}
    {%- endif -%}
{%- endmacro %}
