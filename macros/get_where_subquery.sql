{#- A data test's `where` config names the relations it reads with
    placeholders, which this override of dbt's get_where_subquery (the
    documented way to template `where`) replaces when the test runs:
      __load_day__    source('staging', 'load_day')
      __user_event__  the user_event model
    dbt renders `where` while it parses the .yml, where only var() and
    env_var() exist, so ref() and source() cannot be written there. A model
    is found through the manifest's graph rather than ref(): a test depends
    only on the model it tests, and dbt refuses a ref() to any other model
    at run time. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if not where -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set user_event = graph.nodes['model.orgwh.user_event'] -%}
    {%- set user_event_relation = api.Relation.create(
        database=user_event.database, schema=user_event.schema, identifier=user_event.alias) -%}
    {%- set where = where
        | replace('__load_day__', source('staging', 'load_day') | string)
        | replace('__user_event__', user_event_relation | string) -%}
    {{ return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') }}
{%- endmacro %}
