{#- Generic test: combinations of `columns` that occur more than once (nulls
    compare equal, as in a group by). -#}
{% test unique_combination(model, columns, scope=none) %}
    select {{ columns | join(', ') }}, count(*) as occurrences
    from {{ orgwh.in_scope(model, scope) }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
