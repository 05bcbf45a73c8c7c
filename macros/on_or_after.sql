{#- Whether `column`, a date, is `day` or later: the rows of the days a run
    rebuilt, from its earliest loaded day on. -#}
{% macro on_or_after(column, day) -%}
    {{ return(adapter.dispatch('on_or_after', 'orgwh')(column, day)) }}
{%- endmacro %}

{% macro default__on_or_after(column, day) -%}
    {{ column }} >= {{ day }}
{%- endmacro %}

{#- Postgres does not know `day`, a subquery, when it plans: it guesses that
    `>=` keeps a third of the rows, so a data test of one day's rows read the
    whole of fac_user. A range closed on both sides, even by infinity, it
    guesses far narrower, and it reads the days by their index
    (`python benchmarks/run.py scale` profiles a day at a year of history). -#}
{% macro postgres__on_or_after(column, day) -%}
    {{ column }} between {{ day }} and 'infinity'
{%- endmacro %}
