{#- Incremental strategy "rebuild_where": delete the rows of the target that
    match the model's `rebuild_where` predicate (a Jinja template, rendered
    here at run time so that it may use ref() and this), then insert the new
    rows: the model selects exactly the rows that replace them.
    Unlike delete+insert, rows that have no successor in the new batch (a
    re-delivered day that lost events) are removed too. (Not named after
    dbt-databricks' own `replace_where` strategy, which works differently.) -#}
{% macro get_incremental_rebuild_where_sql(arg_dict) -%}
    {{ return(adapter.dispatch('get_incremental_rebuild_where_sql', 'orgwh')(arg_dict)) }}
{%- endmacro %}

{% macro default__get_incremental_rebuild_where_sql(arg_dict) -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ render(config.require('rebuild_where')) }};

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
