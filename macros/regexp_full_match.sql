{#- True when the whole of `text` matches `pattern`; null when `text` is null. -#}
{% macro regexp_full_match(text, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'orgwh')(text, pattern)) }}
{%- endmacro %}

{% macro duckdb__regexp_full_match(text, pattern) -%}
    regexp_full_match({{ text }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regexp_full_match(text, pattern) -%}
    ({{ text }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}
