{#- Generic test: rows whose value does not match `pattern` as a whole. Used at
    warn severity for identifiers that SPEC keeps as received, however odd. -#}
{% test matches_pattern(model, column_name, pattern) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
        and not {{ orgwh.regexp_full_match(column_name, pattern) }}
{% endtest %}
