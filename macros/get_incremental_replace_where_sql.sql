{#- Incremental strategy "replace_where": delete the rows of the target that
    match the model's `replace_where` predicate (a Jinja template, rendered
    here at run time so that it may use ref() and this), then insert the new
    rows.
    Unlike delete+insert, rows that have no successor in the new batch (a
    re-delivered day that lost events) are removed too. -#}
{% macro get_incremental_replace_where_sql(arg_dict) -%}
    {{ return(adapter.dispatch('get_incremental_replace_where_sql', 'orgwh')(arg_dict)) }}
{%- endmacro %}

{% macro default__get_incremental_replace_where_sql(arg_dict) -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ render(config.require('replace_where')) }};

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
