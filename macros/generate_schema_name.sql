{#- Schemas are named exactly after their layer (staging, historical, ...),
    without dbt's "<target schema>_" prefix: the contract fixes them (docs/contract.md, SPEC 4). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}
