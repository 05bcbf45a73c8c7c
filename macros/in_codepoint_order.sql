{#- Text compared by Unicode code point (SPEC 4: Postgres `COLLATE "C"`),
    whatever the database's default collation. A column selected this way
    keeps the collation: the keys are, so that Postgres sorts and indexes
    them byte by byte rather than by a locale's rules (twice as fast). -#}
{% macro in_codepoint_order(text) -%}
    {{ return(adapter.dispatch('in_codepoint_order', 'orgwh')(text)) }}
{%- endmacro %}

{% macro default__in_codepoint_order(text) -%}
    {{ text }}
{%- endmacro %}

{% macro postgres__in_codepoint_order(text) -%}
    {{ text }} collate "C"
{%- endmacro %}
