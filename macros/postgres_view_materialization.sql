{#- dbt's `view` materialization on Postgres, but a view whose SQL has not
    changed since the last run is left as it is. Recreating a view takes an
    exclusive lock until the run commits, so every reader of dim_user would
    wait for the end of the run instead of reading the old rows. The view's
    comment holds the md5 of the SQL it was created from. -#}
{% materialization view, adapter='postgres' %}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set fingerprint = 'orgwh: sql md5 ' ~ local_md5(compiled_code) -%}
    {%- if existing_relation is not none and existing_relation.is_view
        and orgwh.postgres_relation_comment(target_relation) == fingerprint -%}
        {{ run_hooks(pre_hooks) }}
        {%- call statement('main') -%}
            select 'unchanged'
        {%- endcall -%}
        {{ run_hooks(post_hooks) }}
        {{ return({'relations': [target_relation]}) }}
    {%- endif -%}
    {%- set result = dbt.materialization_view_default() -%}
    {%- do run_query('comment on view ' ~ target_relation ~ ' is ' ~ dbt.string_literal(fingerprint)) -%}
    {{ return(result) }}
{% endmaterialization %}

{% macro postgres_relation_comment(relation) -%}
    {%- set query -%}
        select obj_description(to_regclass({{ dbt.string_literal(relation | string) }}), 'pg_class')
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}
