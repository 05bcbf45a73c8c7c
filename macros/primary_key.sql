{#- Generic test: `columns` do not identify a row, because one of them is null
    or their combination repeats (SPEC 5's unique and not-null keys). One
    test, so one scan, where dbt's `unique` and `not_null` take one each. -#}
{% test primary_key(model, columns, scope=none) %}
    select {{ columns | join(', ') }}, count(*) as occurrences
    from {{ orgwh.in_scope(model, scope) }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
        {%- for column in columns %}
        or {{ column }} is null
        {%- endfor %}
{% endtest %}
