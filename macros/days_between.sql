{#- One row per day from `first_day` to `last_day` (dates, both included), as a
    set-returning expression for a select list. -#}
{% macro days_between(first_day, last_day) -%}
    {{ return(adapter.dispatch('days_between', 'orgwh')(first_day, last_day)) }}
{%- endmacro %}

{% macro default__days_between(first_day, last_day) -%}
    {{ orgwh.adapter_not_supported('days_between') }}
{%- endmacro %}

{% macro duckdb__days_between(first_day, last_day) -%}
    cast(unnest(generate_series(
        cast({{ first_day }} as timestamp), cast({{ last_day }} as timestamp), interval 1 day
    )) as date)
{%- endmacro %}

{% macro postgres__days_between(first_day, last_day) -%}
    cast(generate_series(
        cast({{ first_day }} as timestamp), cast({{ last_day }} as timestamp), interval '1 day'
    ) as date)
{%- endmacro %}

{#- sequence() fails when the first day is after the last; generate_series is
    empty then, and so is this. -#}
{% macro spark__days_between(first_day, last_day) -%}
    explode(case when cast({{ first_day }} as date) <= cast({{ last_day }} as date)
        then sequence(cast({{ first_day }} as date), cast({{ last_day }} as date)) end)
{%- endmacro %}
