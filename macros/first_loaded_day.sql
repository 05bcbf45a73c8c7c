{#- The earliest day in staging.load_day, as a scalar subquery. -#}
{% macro first_loaded_day() -%}
    (select min(date) from {{ source('staging', 'load_day') }})
{%- endmacro %}
