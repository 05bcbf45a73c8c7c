{#- The `default__` of a dispatched macro that every engine must write for
    itself: a new adapter fails to compile with this message, naming what
    to add, instead of dbt's "macro not found". -#}
{% macro adapter_not_supported(macro_name) -%}
    {{ exceptions.raise_compiler_error(
        "orgwh has no " ~ macro_name ~ " for the " ~ adapter.type() ~ " adapter: add "
        ~ adapter.type() ~ "__" ~ macro_name ~ " to macros/" ~ macro_name ~ ".sql"
    ) }}
{%- endmacro %}
