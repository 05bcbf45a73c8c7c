{#- dbt_project.yml's `indexes` serve Postgres' plans. dbt-duckdb would build
    them as ART indexes, which a day's run on DuckDB does not need (its zone
    maps skip the row groups of other days) and which a checkpoint writes out
    again in full: every day would rewrite indexes over the whole history,
    and the file would grow by them (`python benchmarks/run.py scale`). -#}
{% macro duckdb__get_create_index_sql(relation, index_dict) -%}
{%- endmacro %}
