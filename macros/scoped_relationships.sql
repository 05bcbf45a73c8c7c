{#- Generic test: dbt's relationships over the rows `scope` selects (see in_scope). -#}
{% test scoped_relationships(model, column_name, to, field, scope=none) %}
    {%- set test = adapter.dispatch('test_relationships', 'dbt') -%}
    {{ test(orgwh.in_scope(model, scope), column_name, to, field) }}
{% endtest %}
