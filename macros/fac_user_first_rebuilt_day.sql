{#- The first day an incremental run of fac_user rebuilds (it rebuilds every
    day from there on): the earliest loaded day, or, when earlier, the day
    after the table's last day or after the last event day now.
    * Loading a day after the table's last one extends the table over the days
      between, which have no events but carry the active users over.
    * A re-delivered day that empties the last days ends the table earlier:
      the rows after the new last event day go, also those before the loaded day.
    The table's last day is its last event day, since every event makes a
    measure of its day non-zero. -#}
{% macro fac_user_first_rebuilt_day() -%}
    (select least(
        {{ orgwh.first_loaded_day() }},
        (select cast({{ dbt.dateadd('day', 1, 'max(date_calendar)') }} as date) from {{ this }}),
        (select cast({{ dbt.dateadd('day', 1, 'max(event_date)') }} as date) from {{ ref('user_event') }})
    ))
{%- endmacro %}
