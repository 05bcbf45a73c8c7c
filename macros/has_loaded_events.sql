{#- Whether the user `column` has events in `user_event` (the model, passed
    as `ref('user_event')` so that dbt sees a test's dependency on it) on the
    days in staging.load_day. -#}
{% macro has_loaded_events(column, user_event) -%}
    {%- set users_with_loaded_events -%}
        select user_id from {{ user_event }} where {{ orgwh.is_loaded_day('event_date') }}
    {%- endset -%}
    {{ orgwh.is_in(column, users_with_loaded_events) }}
{%- endmacro %}
