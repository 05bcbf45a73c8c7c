{#- What a data test reads: the rows of `relation` that the condition `scope`
    selects, the rows this run rebuilt (every row when `scope` is none).
    orgwh's generic tests take the scope as an argument, written in the .yml
    as a call of the macros that name the rebuilt rows, for example
    `scope: "{{ orgwh.is_loaded_day('event_date') }}"`. dbt renders a test's
    arguments in the test's context when it runs, where macros, ref() and
    source() exist; a `where` config it renders while it parses the .yml,
    where only var() and env_var() do.
    When every staged day is pending (a first build, --full-refresh), every
    row is rebuilt: orgwh then sets the var every_day_pending, and each test
    reads the whole relation rather than a scope that would select every row
    at the cost of a join. -#}
{% macro in_scope(relation, scope) -%}
    {%- if scope is none or var('every_day_pending', false) -%}
        {{ relation }}
    {%- else -%}
        (select * from {{ relation }} where {{ scope }}) in_scope
    {%- endif -%}
{%- endmacro %}
