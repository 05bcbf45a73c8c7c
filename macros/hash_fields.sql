{#- A deterministic md5 key over text expressions. Each one is encoded as
    `<length>:<value>`, or `-` when null, so that different tuples never
    concatenate to the same text (no separator can be confused with data). -#}
{% macro hash_fields(expressions) -%}
    {%- set encoded = [] -%}
    {%- for expression in expressions -%}
        {%- do encoded.append(
            "case when " ~ expression ~ " is null then '-' else "
            ~ dbt.concat(["cast(length(" ~ expression ~ ") as " ~ dbt.type_string() ~ ")", "':'", expression])
            ~ " end"
        ) -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(encoded)) }}
{%- endmacro %}
