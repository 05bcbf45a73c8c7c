{#- dbt-spark's create_table_as, and for a model whose partition column is
    not one of its columns two tables over one folder (Spark has no hidden
    partitioning, as Iceberg does; a Spark table lists its partition column
    among its columns):
    * `<model>__by_<column>`, partitioned by `partition_by`, whose value for
      each row is the model's `partition_expression` (user_snapshot: by the
      day a version ends, `cast(valid_to as date)`, null while current).
      The runs write it (macros/get_insert_overwrite_sql.sql).
    * `<model>`, over the same files with the model's columns only: parquet
      files do not hold their partition column, and `recursiveFileLookup`
      reads the partitions' folders as plain folders. It is what every
      reader and model reads: a file-source table, so `_metadata` works. -#}
{% macro spark__create_table_as(temporary, relation, compiled_code, language='sql') -%}
    {%- set expression = config.get('partition_expression') -%}
    {%- if temporary or not expression -%}
        {{ return(dbt.spark__create_table_as(temporary, relation, compiled_code, language)) }}
    {%- endif -%}
    {%- set partition_column = config.require('partition_by') -%}
    {%- set stored = orgwh.partitioned_relation(relation) -%}
    {%- do run_query('drop table if exists ' ~ stored) -%}
    {%- do run_query(
        'create table ' ~ stored ~ ' using parquet partitioned by (' ~ partition_column ~ ') as '
        ~ 'select *, ' ~ expression ~ ' as ' ~ partition_column ~ ' from (\n' ~ compiled_code ~ '\n)'
    ) -%}
    {%- set columns = [] -%}
    {%- for column in adapter.get_columns_in_relation(stored) if column.name != partition_column -%}
        {%- do columns.append(column.quoted ~ ' ' ~ column.data_type) -%}
    {%- endfor -%}
    create table {{ relation }} ({{ columns | join(', ') }}) using parquet
    options (recursiveFileLookup 'true')
    location {{ dbt.string_literal(orgwh.spark_table_location(stored)) }}
{%- endmacro %}

{#- The partitioned table of a model whose partition column is not one of its
    columns. -#}
{% macro partitioned_relation(relation) -%}
    {{ return(relation.incorporate(path={
        "identifier": relation.identifier ~ '__by_' ~ config.require('partition_by')
    })) }}
{%- endmacro %}
