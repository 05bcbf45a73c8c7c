{#- A timestamp as `YYYY-MM-DD HH:MM:SS.ffffff`, the rendering SPEC 4 hashes. -#}
{% macro timestamp_text(timestamp) -%}
    {{ return(adapter.dispatch('timestamp_text', 'orgwh')(timestamp)) }}
{%- endmacro %}

{% macro default__timestamp_text(timestamp) -%}
    {{ orgwh.adapter_not_supported('timestamp_text') }}
{%- endmacro %}

{% macro duckdb__timestamp_text(timestamp) -%}
    strftime({{ timestamp }}, '%Y-%m-%d %H:%M:%S.%f')
{%- endmacro %}

{% macro postgres__timestamp_text(timestamp) -%}
    to_char({{ timestamp }}, 'YYYY-MM-DD HH24:MI:SS.US')
{%- endmacro %}

{% macro spark__timestamp_text(timestamp) -%}
    date_format({{ timestamp }}, 'yyyy-MM-dd HH:mm:ss.SSSSSS')
{%- endmacro %}
