{#- dbt's `unique` test on Postgres: nulls are left out by count(column) rather
    than by a where, so that a computed column (dim_user's user_sk, an md5 of
    a formatted timestamp) is computed once per row, not twice; Postgres
    computes an expression as often as it is written. The same rows fail as
    with dbt's own test. -#}
{% macro postgres__test_unique(model, column_name) %}
    select {{ column_name }} as unique_field, count(*) as n_records
    from {{ model }}
    group by {{ column_name }}
    having count({{ column_name }}) > 1
{% endmacro %}
