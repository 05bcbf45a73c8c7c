{#- The value of a top-level key of a JSON object when it is a JSON string, else
    null: a number or a list is never silently turned into text. -#}
{% macro json_string(json_column, key) -%}
    {{ return(adapter.dispatch('json_string', 'orgwh')(json_column, key)) }}
{%- endmacro %}

{% macro default__json_string(json_column, key) -%}
    {{ orgwh.adapter_not_supported('json_string') }}
{%- endmacro %}

{#- json_type() is slow in DuckDB; a JSON string is a value starting with a quote -#}
{% macro duckdb__json_string(json_column, key) -%}
    case when left(cast({{ json_column }} -> '$.{{ key }}' as varchar), 1) = '"'
        then {{ json_column }} ->> '$.{{ key }}' end
{%- endmacro %}

{% macro postgres__json_string(json_column, key) -%}
    case when json_typeof({{ json_column }} -> '{{ key }}') = 'string'
        then {{ json_column }} ->> '{{ key }}' end
{%- endmacro %}

{#- Spark has no JSON type: json_content is text, parsed into a VARIANT whose
    schema tells a string from a number. -#}
{% macro spark__json_string(json_column, key) -%}
    case when schema_of_variant(variant_get(try_parse_json({{ json_column }}), '$.{{ key }}')) = 'STRING'
        then variant_get(try_parse_json({{ json_column }}), '$.{{ key }}', 'string') end
{%- endmacro %}
