{#- dbt-spark's `table` materialization, as orgwh's full rebuilds use it on
    Spark (this project's materialization replaces dbt-spark's, which drops
    the old table before it writes the new one: a run killed meanwhile left
    the table missing). On plain parquet a table is replaced in one metastore
    call: the new rows are written to a folder of their own beside the old
    one, then the table is pointed at it (`alter table ... set location`).
    A reader's query finds the old files or the new ones, never a missing
    table or a half-written one. The old folder stays until the next run
    starts, so that a query still reading it finishes; orgwh then removes
    every folder no table uses (orgwh/targets/spark.py). A table built for
    the first time, or whose columns changed, is created under its name. -#}
{% materialization table, adapter='spark' %}
    {%- set target_relation = api.Relation.create(
        identifier=model['alias'], schema=schema, database=database, type='table'
    ) -%}
    {%- set new_rows = target_relation.incorporate(path={"identifier": model['alias'] ~ '__new_rows'}) -%}
    {%- set old_relation = adapter.get_relation(database=database, schema=schema, identifier=model['alias']) -%}

    {{ run_hooks(pre_hooks) }}
    {%- do adapter.drop_relation(new_rows) -%}
    {%- if old_relation is none -%}
        {%- call statement('main') -%}
            {{ create_table_as(False, target_relation, compiled_code) }}
        {%- endcall -%}
    {%- else -%}
        {%- set old_location = orgwh.spark_table_location(target_relation) -%}
        {%- set new_location = old_location.rsplit('/', 1)[0] ~ '/' ~ model['alias']
            ~ '__v' ~ run_started_at.strftime('%Y%m%d%H%M%S%f') -%}
        {%- call statement('main') -%}
            create table {{ new_rows }} using parquet
            location {{ dbt.string_literal(new_location) }}
            as {{ compiled_code }}
        {%- endcall -%}
        {%- if orgwh.spark_column_types(new_rows) == orgwh.spark_column_types(target_relation) -%}
            {%- do run_query('alter table ' ~ target_relation ~ ' set location ' ~ dbt.string_literal(new_location)) -%}
            {#- an external table: dropping it leaves its files, now the table's -#}
            {%- do run_query('drop table ' ~ new_rows) -%}
        {%- else -%}
            {%- do adapter.drop_relation(old_relation) -%}
            {%- do adapter.rename_relation(new_rows, target_relation) -%}
        {%- endif -%}
    {%- endif -%}
    {%- do persist_docs(target_relation, model) -%}
    {{ run_hooks(post_hooks) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- Where a Spark table's files are (`describe table extended`). -#}
{% macro spark_table_location(relation) -%}
    {%- set details = run_query('describe table extended ' ~ relation) -%}
    {%- for row in details.rows if row[0] == 'Location' -%}
        {{ return(row[1]) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error('no location for ' ~ relation) }}
{%- endmacro %}

{#- A table's columns and their types, in order. -#}
{% macro spark_column_types(relation) -%}
    {%- set columns = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do columns.append(column.name ~ ' ' ~ column.data_type) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}
