{#- The last day on which a version of user_snapshot starts or ends: the day
    of its valid_to, or of its valid_from while it is current (a version ends
    after it starts). So "starts or ends on or after day D" is
    `last_change_day() >= D`, one comparison that user_snapshot's index on
    this expression (dbt_project.yml) answers with a range on Postgres: the
    versions a day's run reads then grow with the day, not with the table. -#}
{% macro last_change_day(valid_from='valid_from', valid_to='valid_to') -%}
    cast(coalesce({{ valid_to }}, {{ valid_from }}) as date)
{%- endmacro %}
