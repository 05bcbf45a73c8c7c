{#- dbt-spark's `insert_overwrite` strategy, as orgwh's incremental models use
    it on Spark (this project's macro replaces dbt-spark's of the same name;
    only dbt-spark calls it). With dynamic partition overwrite, the insert
    replaces the partitions that the new rows fall in and no others. It does
    what `rebuild_where` does elsewhere: the rows matching the model's
    `rebuild_where` go, the model's new rows come, every other row stays.
    What dbt-spark's version leaves out:
    * A partition holding rows that the run replaces, and others that stay
      (user_snapshot's versions of the users a day did not change): the rows
      that stay are written again with the new ones.
    * A partition the run rebuilds but that is left without rows (a
      re-delivered day now empty) would keep its old rows: it is dropped.
    * Spark refuses to overwrite a table that the statement also reads (a
      model that reads `this`), and a cached view of it would be recomputed
      once the table changes: the new rows are written to a scratch table
      first, and everything is worked out before the table changes.
    * A model whose partition column is not one of its columns
      (`partition_expression`, macros/spark_create_table_as.sql) is written
      to its partitioned table, and the table named after the model, which
      reads the same files, is refreshed after.
    The statements run here in order; the one returned drops the scratch table. -#}
{% macro get_insert_overwrite_sql(source_relation, target_relation, existing_relation) -%}
    {%- set partition_column = config.require('partition_by') -%}
    {%- set expression = config.get('partition_expression') -%}
    {%- set stored = orgwh.partitioned_relation(target_relation) if expression else target_relation -%}
    {%- if adapter.get_relation(database=stored.database, schema=stored.schema, identifier=stored.identifier) is none -%}
        {{ exceptions.raise_compiler_error(
            target_relation ~ ' has the layout of an older orgwh: run once with --full-refresh'
        ) }}
    {%- endif -%}
    {%- set rebuild_where = render(config.require('rebuild_where')) -%}
    {%- set columns = adapter.get_columns_in_relation(stored) | map(attribute='quoted') | join(', ') -%}
    {%- set new_rows = stored.incorporate(path={"identifier": stored.identifier ~ '__new_rows'}) -%}
    {%- do run_query('drop table if exists ' ~ new_rows) -%}
    {%- do run_query(
        'create table ' ~ new_rows ~ ' using parquet as select *'
        ~ (', ' ~ expression ~ ' as ' ~ partition_column if expression else '')
        ~ ' from ' ~ source_relation
    ) -%}
    {%- set rebuilt -%}
        select cast({{ partition_column }} as string) from {{ new_rows }}
        union
        select cast({{ partition_column }} as string) from {{ stored }} where {{ rebuild_where }}
    {%- endset -%}
    {%- set partitions = run_query(rebuilt).columns[0].values() -%}
    {%- if partitions -%}
        {%- do run_query(
            'insert into ' ~ new_rows ~ ' (' ~ columns ~ ') select ' ~ columns ~ ' from ' ~ stored
            ~ ' where ' ~ orgwh.spark_partition_in(partition_column, partitions)
            ~ ' and not coalesce(' ~ rebuild_where ~ ', false)'
        ) -%}
    {%- endif -%}
    {%- set filled = run_query(
        'select distinct cast(' ~ partition_column ~ ' as string) from ' ~ new_rows
    ).columns[0].values() -%}
    {%- do run_query(
        'insert overwrite table ' ~ stored ~ ' partition (' ~ partition_column ~ ') '
        ~ 'select ' ~ columns ~ ' from ' ~ new_rows
    ) -%}
    {%- set specs = [] -%}
    {%- for value in partitions if value not in filled -%}
        {%- do specs.append('partition (' ~ partition_column ~ ' = '
            ~ ('null' if value is none else dbt.string_literal(value)) ~ ')') -%}
    {%- endfor -%}
    {%- if specs -%}
        {%- do run_query('alter table ' ~ stored ~ ' drop if exists ' ~ specs | join(', ')) -%}
    {%- endif -%}
    {%- if expression -%}
        {%- do run_query('refresh table ' ~ target_relation) -%}
    {%- endif -%}
    drop table {{ new_rows }}
{%- endmacro %}

{#- Whether `column`, a partition column, holds one of `values` (its values
    as strings, none for null). -#}
{% macro spark_partition_in(column, values) -%}
    {%- set texts = [] -%}
    {%- for value in values if value is not none -%}
        {%- do texts.append(dbt.string_literal(value)) -%}
    {%- endfor -%}
    (cast({{ column }} as string) in ({{ texts | join(', ') if texts else 'null' }})
    {%- if none in values %} or {{ column }} is null{% endif %})
{%- endmacro %}
