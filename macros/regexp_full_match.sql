{#- True when the whole of `text` matches `pattern`; null when `text` is null. -#}
{% macro regexp_full_match(text, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'orgwh')(text, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(text, pattern) -%}
    {{ orgwh.adapter_not_supported('regexp_full_match') }}
{%- endmacro %}

{% macro duckdb__regexp_full_match(text, pattern) -%}
    regexp_full_match({{ text }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regexp_full_match(text, pattern) -%}
    ({{ text }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{#- Java's `$` also matches before a final line break; `(?!(?s:.))` is the
    very end of the text, written without a backslash. -#}
{% macro spark__regexp_full_match(text, pattern) -%}
    ({{ text }} rlike '^(?:{{ pattern }})(?!(?s:.))')
{%- endmacro %}
