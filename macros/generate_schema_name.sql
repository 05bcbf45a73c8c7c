{#- Schemas are named exactly after their layer (staging, historical, ...),
    without dbt's "<target schema>_" prefix: SPEC.md fixes the names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}
