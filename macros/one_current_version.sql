{#- Generic test: users whose versions in `model` do not include exactly one
    current version (the original warehouse had several "current" rows for
    users who changed twice in a day). -#}
{% test one_current_version(model) %}
    select user_id, count(*) as current_versions
    from {{ model }}
    group by user_id
    having sum(case when is_current then 1 else 0 end) <> 1
{% endtest %}
