{#- The order in which rows were written to a table that is replaced in full
    on every load (staging.organization), so "the last record wins" can be
    decided without a position column in the documented staging shape. -#}
{% macro record_position() -%}
    {{ return(adapter.dispatch('record_position', 'orgwh')()) }}
{%- endmacro %}

{% macro default__record_position() -%}
    {{ orgwh.adapter_not_supported('record_position') }}
{%- endmacro %}

{% macro duckdb__record_position() -%}
    rowid
{%- endmacro %}

{% macro postgres__record_position() -%}
    ctid
{%- endmacro %}

{#- The loader writes staging.organization as one parquet file in file order;
    Spark's hidden _metadata column gives each row's place in its file. -#}
{% macro spark__record_position() -%}
    struct(_metadata.file_name, _metadata.row_index)
{%- endmacro %}
