{#- Generic test: dbt's not_null over the rows `scope` selects (see in_scope). -#}
{% test scoped_not_null(model, column_name, scope=none) %}
    {{ adapter.dispatch('test_not_null', 'dbt')(orgwh.in_scope(model, scope), column_name) }}
{% endtest %}
