{#- A deterministic md5 key over text expressions. Each one is encoded as
    `<length>:<value>`, or `-` when null, so that different tuples never
    concatenate to the same text (no separator can be confused with data).
    The encoding of a null is null on every engine, hence `coalesce`: each
    expression is written twice, not three times, and Postgres computes it
    as often as it is written. -#}
{% macro hash_fields(expressions) -%}
    {%- set encoded = [] -%}
    {%- for expression in expressions -%}
        {%- do encoded.append(
            "coalesce("
            ~ dbt.concat(["cast(length(" ~ expression ~ ") as " ~ dbt.type_string() ~ ")", "':'", expression])
            ~ ", '-')"
        ) -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(encoded)) }}
{%- endmacro %}
