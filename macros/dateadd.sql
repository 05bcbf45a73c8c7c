{#- dbt.dateadd for Spark (found first through `dispatch` in dbt_project.yml):
    dbt-spark's own goes through unix seconds, dropping microseconds, and
    fails on nulls. timestampadd keeps both. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}
