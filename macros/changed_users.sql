{#- The users whose versions a run can change: those with events on the loaded
    days now, and those who had a version starting on one of them before (a
    re-delivered day may have lost that user's events). An event that started
    no version can be removed without changing any version, so no other user
    needs rebuilding. -#}
{% macro changed_users() -%}
    select user_id from {{ ref('user_event') }}
    where {{ orgwh.is_loaded_day('event_date') }}
    union
    select user_id from {{ this }}
    where {{ orgwh.is_loaded_day('cast(valid_from as date)') }}
{%- endmacro %}
