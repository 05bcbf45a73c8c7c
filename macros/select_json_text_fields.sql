{#- A select, from `relation`, of `columns` and of the named top-level keys of
    its JSON column as text columns named after the keys. For records whose
    values are known to be strings or null (the loader rejects the others).
    DuckDB and Postgres parse each record once for all keys: Postgres' `->>`
    would parse the whole text again for every key. -#}
{% macro select_json_text_fields(relation, json_column, keys, columns) -%}
    {{ return(adapter.dispatch('select_json_text_fields', 'orgwh')(relation, json_column, keys, columns)) }}
{%- endmacro %}

{% macro default__select_json_text_fields(relation, json_column, keys, columns) -%}
    select
        {{ columns | join(', ') }},
        {%- for key in keys %}
        {{ json_column }} ->> '{{ key }}' as {{ key }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}

{% macro duckdb__select_json_text_fields(relation, json_column, keys, columns) -%}
    {%- set shape = [] -%}
    {%- for key in keys -%}
        {%- do shape.append('"' ~ key ~ '": "VARCHAR"') -%}
    {%- endfor -%}
    select
        {{ columns | join(', ') }},
        unnest(json_transform({{ json_column }}, '{ {{- shape | join(", ") -}} }'))
    from {{ relation }}
{%- endmacro %}

{#- json_to_record de-escapes strings and takes the last of duplicate keys, as
    `->>` does. -#}
{% macro postgres__select_json_text_fields(relation, json_column, keys, columns) -%}
    select
        {{ columns | join(', ') }},
        json_fields.*
    from {{ relation }}
    cross join lateral json_to_record({{ json_column }}) as json_fields (
        {%- for key in keys %}
        {{ key }} text{{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{% macro spark__select_json_text_fields(relation, json_column, keys, columns) -%}
    select
        {{ columns | join(', ') }},
        {%- for key in keys %}
        get_json_object({{ json_column }}, '$.{{ key }}') as {{ key }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}
