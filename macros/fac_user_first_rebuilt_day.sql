{#- The first day an incremental run of fac_user rebuilds: the earliest loaded
    day, or the day after the table's last day when that is earlier. Loading a
    day after the last one extends the table over the days between, which
    have no events but carry the active users over. The table's last day is
    its last event day, since every event makes a measure of its day non-zero. -#}
{% macro fac_user_first_rebuilt_day() -%}
    (select least(
        (select min(date) from {{ source('staging', 'load_day') }}),
        (select cast({{ dbt.dateadd('day', 1, 'max(date_calendar)') }} as date) from {{ this }})
    ))
{%- endmacro %}
