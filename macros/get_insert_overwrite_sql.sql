{#- dbt-spark's `insert_overwrite` strategy, as orgwh's incremental models use
    it on Spark (this project's macro replaces dbt-spark's of the same name;
    only dbt-spark calls it). With dynamic partition overwrite, the statement
    replaces the partitions that the new rows fall in and no others. Two
    things dbt-spark's version leaves out:
    * A partition the run rebuilds but that gets no new rows (a re-delivered
      day now empty) would keep its old rows: the partitions that match the
      model's `rebuild_where` and have no new rows are dropped.
    * Spark refuses to overwrite a table that the statement also reads (a
      model that reads `this`): the new rows are cached first, and the
      model's post-hook (orgwh.release_new_rows) lets go of them. -#}
{% macro get_insert_overwrite_sql(source_relation, target_relation, existing_relation) -%}
    {%- set partition_column = config.require('partition_by') -%}
    {%- do run_query('cache table ' ~ source_relation) -%}
    {%- set vanished -%}
        select distinct cast({{ partition_column }} as string)
        from {{ target_relation }}
        where {{ render(config.require('rebuild_where')) }}
            and {{ partition_column }} not in (
                select {{ partition_column }} from {{ source_relation }}
                where {{ partition_column }} is not null
            )
    {%- endset -%}
    {%- set partitions = run_query(vanished).columns[0].values() -%}
    {%- if partitions -%}
        {%- set specs = [] -%}
        {%- for value in partitions -%}
            {%- do specs.append('partition (' ~ partition_column ~ " = '" ~ value ~ "')") -%}
        {%- endfor -%}
        {%- do run_query('alter table ' ~ target_relation ~ ' drop if exists ' ~ specs | join(', ')) -%}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(target_relation) | map(attribute='quoted') | join(', ') -%}
    insert overwrite table {{ target_relation }} partition ({{ partition_column }})
    select {{ columns }} from {{ source_relation }}
{%- endmacro %}

{#- A post-hook of the incremental models: on Spark, let go of the rows that
    get_insert_overwrite_sql cached; nothing elsewhere. -#}
{% macro release_new_rows() -%}
    {{ return(adapter.dispatch('release_new_rows', 'orgwh')()) }}
{%- endmacro %}

{% macro default__release_new_rows() -%}
{%- endmacro %}

{% macro spark__release_new_rows() -%}
    uncache table if exists {{ this.identifier }}__dbt_tmp
{%- endmacro %}
