{#- Generic test: dbt's accepted_values over the rows `scope` selects (see in_scope). -#}
{% test scoped_accepted_values(model, column_name, values, scope=none) %}
    {%- set test = adapter.dispatch('test_accepted_values', 'dbt') -%}
    {{ test(orgwh.in_scope(model, scope), column_name, values, quote=true) }}
{% endtest %}
