{#- A data test's `where` config names what it reads with placeholders,
    which this override of dbt's get_where_subquery (the documented way to
    template `where`) replaces when the test runs:
      __first_loaded_day__          orgwh.first_loaded_day()
      __is_loaded_day__(column)     orgwh.is_loaded_day(column)
      __has_loaded_events__(column) whether the user `column` has events in
                                    user_event on the loaded days
      __ends_on_or_after__(valid_to, day)
                                    orgwh.ends_on_or_after(valid_to, day)
    dbt renders `where` while it parses the .yml, where only var() and
    env_var() exist, so ref(), source() and macros cannot be written there. A
    model is found through the manifest's graph rather than ref(): a test
    depends only on the model it tests, and dbt refuses a ref() to any other
    model at run time.
    A `where` names the rows that the pending days rebuild. When every staged
    day is pending (a first build, --full-refresh), every row is rebuilt and
    the test reads the whole relation: orgwh then sets the var
    every_day_pending, and saves each test a scope that would select every
    row at the cost of a join. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if not where or var('every_day_pending', false) -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set user_event = graph.nodes['model.orgwh.user_event'] -%}
    {%- set user_event_relation = api.Relation.create(
        database=user_event.database, schema=user_event.schema, identifier=user_event.alias) -%}
    {%- set users_with_loaded_events -%}
        select user_id from {{ user_event_relation }} where {{ orgwh.is_loaded_day('event_date') }}
    {%- endset -%}
    {%- set where = modules.re.sub(
        '__is_loaded_day__[(]([^()]*)[)]', orgwh.is_loaded_day('\\1') | string, where
    ) -%}
    {%- set where = modules.re.sub(
        '__has_loaded_events__[(]([^()]*)[)]',
        orgwh.is_in('\\1', users_with_loaded_events) | string,
        where,
    ) -%}
    {%- set where = modules.re.sub(
        '__ends_on_or_after__[(]([^(),]*),([^()]*)[)]',
        orgwh.ends_on_or_after('\\1', '\\2') | string,
        where,
    ) -%}
    {%- set where = where | replace('__first_loaded_day__', orgwh.first_loaded_day() | string) -%}
    {{ return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') }}
{%- endmacro %}
