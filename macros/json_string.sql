{#- The value of a top-level key of a JSON object when it is a JSON string, else
    null: a number or a list is never silently turned into text. -#}
{% macro json_string(json_column, key) -%}
    {{ return(adapter.dispatch('json_string', 'orgwh')(json_column, key)) }}
{%- endmacro %}

{% macro duckdb__json_string(json_column, key) -%}
    case when json_type({{ json_column }}, '$.{{ key }}') = 'VARCHAR'
        then {{ json_column }} ->> '$.{{ key }}' end
{%- endmacro %}

{% macro postgres__json_string(json_column, key) -%}
    case when json_typeof({{ json_column }} -> '{{ key }}') = 'string'
        then {{ json_column }} ->> '{{ key }}' end
{%- endmacro %}
