{#- Generic test: values that are not `length` lowercase hexadecimal digits.
    Used at warn severity for identifiers that SPEC keeps as received, however
    odd. A length and a repeated character class rather than the pattern
    `[0-9a-f]{32}`: Postgres' regular expressions are much slower on a
    counted repetition (`python benchmarks/run.py postgres` runs this test
    on a million ids). -#}
{% test lowercase_hex(model, column_name, length, scope=none) %}
    select {{ column_name }}
    from {{ orgwh.in_scope(model, scope) }}
    where {{ column_name }} is not null
        and (
            {{ dbt.length(column_name) }} <> {{ length }}
            or not {{ orgwh.regexp_full_match(column_name, '[0-9a-f]*') }}
        )
{% endtest %}
