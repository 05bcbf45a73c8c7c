{#- dbt-spark's `table` materialization, as orgwh's full rebuilds use it on
    Spark (this project's materialization replaces dbt-spark's). dbt-spark
    drops the old table before it writes the new one, so on plain parquet a
    run killed during the write leaves the table missing until the next run.
    Here the new rows are written beside the old table first, as
    `<model>__new_rows`, and take its name only once complete: a reader finds
    the old table until a drop and a rename, two metastore calls, replace it.
    orgwh removes a killed run's scratch folders before the next run. -#}
{% materialization table, adapter='spark' %}
    {%- set target_relation = api.Relation.create(
        identifier=model['alias'], schema=schema, database=database, type='table'
    ) -%}
    {%- set new_rows = target_relation.incorporate(path={"identifier": model['alias'] ~ '__new_rows'}) -%}
    {%- set old_relation = adapter.get_relation(database=database, schema=schema, identifier=model['alias']) -%}

    {{ run_hooks(pre_hooks) }}
    {%- do adapter.drop_relation(new_rows) -%}
    {%- call statement('main') -%}
        {{ create_table_as(False, new_rows, compiled_code) }}
    {%- endcall -%}
    {%- if old_relation is not none -%}
        {%- do adapter.drop_relation(old_relation) -%}
    {%- endif -%}
    {%- do adapter.rename_relation(new_rows, target_relation) -%}
    {%- do persist_docs(target_relation, model) -%}
    {{ run_hooks(post_hooks) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
