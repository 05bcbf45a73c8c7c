{#- dbt-spark's `insert_overwrite` strategy, as orgwh's incremental models use
    it on Spark (this project's macro replaces dbt-spark's of the same name;
    only dbt-spark calls it). With dynamic partition overwrite, the insert
    replaces the partitions that the new rows fall in and no others.
    What dbt-spark's version leaves out:
    * A partition the run rebuilds but that gets no new rows (a re-delivered
      day now empty) would keep its old rows: the partitions that match the
      model's `rebuild_where` and have no new rows are dropped.
    * Spark refuses to overwrite a table that the statement also reads (a
      model that reads `this`), and a cached view of it would be recomputed
      once the table changes: the new rows are written to a scratch table
      first, and everything is worked out before the table changes.
    The statements run here in order; the one returned drops the scratch table. -#}
{% macro get_insert_overwrite_sql(source_relation, target_relation, existing_relation) -%}
    {%- set partition_column = config.require('partition_by') -%}
    {%- set new_rows = target_relation.incorporate(path={"identifier": target_relation.identifier ~ '__new_rows'}) -%}
    {%- do run_query('drop table if exists ' ~ new_rows) -%}
    {%- do run_query('create table ' ~ new_rows ~ ' using parquet as select * from ' ~ source_relation) -%}
    {%- set vanished -%}
        select distinct cast({{ partition_column }} as string)
        from {{ target_relation }}
        where ({{ render(config.require('rebuild_where')) }})
            and {{ partition_column }} not in (
                select {{ partition_column }} from {{ new_rows }}
                where {{ partition_column }} is not null
            )
    {%- endset -%}
    {%- set partitions = run_query(vanished).columns[0].values() -%}
    {%- set columns = adapter.get_columns_in_relation(target_relation) | map(attribute='quoted') | join(', ') -%}
    {%- do run_query(
        'insert overwrite table ' ~ target_relation ~ ' partition (' ~ partition_column ~ ') '
        ~ 'select ' ~ columns ~ ' from ' ~ new_rows
    ) -%}
    {%- if partitions -%}
        {%- set specs = [] -%}
        {%- for value in partitions -%}
            {%- do specs.append('partition (' ~ partition_column ~ " = '" ~ value ~ "')") -%}
        {%- endfor -%}
        {%- do run_query('alter table ' ~ target_relation ~ ' drop if exists ' ~ specs | join(', ')) -%}
    {%- endif -%}
    drop table {{ new_rows }}
{%- endmacro %}
