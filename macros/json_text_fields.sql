{#- The named top-level keys of a JSON object as text columns named after the
    keys, for records whose values are known to be strings or null (the
    loader rejects the others). DuckDB parses the object once for all keys. -#}
{% macro json_text_fields(json_column, keys) -%}
    {{ return(adapter.dispatch('json_text_fields', 'orgwh')(json_column, keys)) }}
{%- endmacro %}

{% macro default__json_text_fields(json_column, keys) -%}
    {%- for key in keys %}
    {{ json_column }} ->> '{{ key }}' as {{ key }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro duckdb__json_text_fields(json_column, keys) -%}
    {%- set shape = [] -%}
    {%- for key in keys -%}
        {%- do shape.append('"' ~ key ~ '": "VARCHAR"') -%}
    {%- endfor -%}
    unnest(json_transform({{ json_column }}, '{ {{- shape | join(", ") -}} }'))
{%- endmacro %}

{% macro spark__json_text_fields(json_column, keys) -%}
    {%- for key in keys %}
    get_json_object({{ json_column }}, '$.{{ key }}') as {{ key }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
