{#- SPEC 1's timestamp grammar: the pattern in dbt_project.yml (which orgwh's
    loaders use too), then a calendar check. Returns the UTC instant as a
    timestamp without time zone, or null for anything else (a bare date,
    2021-02-30, seven fraction digits).

    Built from substr/length/case and one full-match regex only, so every
    engine parses exactly alike; `text` should be a column, not an expression,
    as it is read many times. -#}
{% macro parse_utc_timestamp(text) -%}
    {%- set shape = var('utc_timestamp_pattern') -%}
    {%- set year = 'cast(substr(' ~ text ~ ', 1, 4) as integer)' -%}
    {%- set month = 'cast(substr(' ~ text ~ ', 6, 2) as integer)' -%}
    {%- set day = 'cast(substr(' ~ text ~ ', 9, 2) as integer)' -%}
    {%- set fraction -%}
        (case when substr({{ text }}, 20, 1) = '.'
              then substr({{ text }}, 21, length({{ text }}) - 20 - {{ orgwh.zone_length(text) }})
              else '' end)
    {%- endset -%}
    {%- set local_time -%}
        cast({{ dbt.concat(['substr(' ~ text ~ ', 1, 10)', "' '", 'substr(' ~ text ~ ', 12, 8)', "'.'", "rpad(" ~ fraction ~ ", 6, '0')"]) }} as {{ dbt.type_timestamp() }})
    {%- endset -%}
    case when {{ orgwh.regexp_full_match(text, shape) }} then
        case when {{ year }} >= 1 and {{ day }} <= (
            case when {{ month }} = 2
                     then case when ({{ year }} % 4 = 0 and {{ year }} % 100 <> 0) or {{ year }} % 400 = 0
                               then 29 else 28 end
                 when {{ month }} in (4, 6, 9, 11) then 30
                 else 31 end)
        then {{ dbt.dateadd('minute', orgwh.minutes_to_utc(text), local_time) }}
        end
    end
{%- endmacro %}

{#- The UTC instant of a timestamp text that the loader has already checked
    against the grammar above, as the staged events' received_at. An engine
    that parses such text itself does so, which is much cheaper than the
    full parse the others use (`python benchmarks/run.py profile` shows
    user_event's share of a build). -#}
{% macro validated_utc_timestamp(text) -%}
    {{ return(adapter.dispatch('validated_utc_timestamp', 'orgwh')(text)) }}
{%- endmacro %}

{% macro default__validated_utc_timestamp(text) -%}
    {{ orgwh.parse_utc_timestamp(text) }}
{%- endmacro %}

{#- DuckDB and Postgres cast `YYYY-MM-DD[ T]HH:MM:SS[.f]` exactly; the zone
    is cut off first and its offset applied after. A text the cast cannot
    read fails the model rather than giving a wrong instant. (Postgres'
    timestamptz would read the zone too, but refuses offsets beyond 15:59,
    which SPEC 1 allows up to 23:59: tests/test_timestamp_grammar.py.) -#}
{% macro duckdb__validated_utc_timestamp(text) -%}
    {{ orgwh.cast_local_time_to_utc(text) }}
{%- endmacro %}

{% macro postgres__validated_utc_timestamp(text) -%}
    {{ orgwh.cast_local_time_to_utc(text) }}
{%- endmacro %}

{% macro cast_local_time_to_utc(text) -%}
    {%- set local_time -%}
        cast(substr({{ text }}, 1, length({{ text }}) - {{ orgwh.zone_length(text) }}) as {{ dbt.type_timestamp() }})
    {%- endset -%}
    {{ dbt.dateadd('minute', orgwh.minutes_to_utc(text), local_time) }}
{%- endmacro %}

{#- The length of a grammatical timestamp's zone: 1 for `Z`, 6 for an offset, else 0. -#}
{% macro zone_length(text) -%}
    (case when {{ text }} like '%Z' then 1
          when substr({{ text }}, length({{ text }}) - 5, 1) in ('+', '-') then 6
          else 0 end)
{%- endmacro %}

{#- The minutes to add to a grammatical timestamp's local time to reach UTC. -#}
{% macro minutes_to_utc(text) -%}
    (case when {{ orgwh.zone_length(text) }} = 6
          then (case when substr({{ text }}, length({{ text }}) - 5, 1) = '-' then 1 else -1 end)
               * (cast(substr({{ text }}, length({{ text }}) - 4, 2) as integer) * 60
                  + cast(substr({{ text }}, length({{ text }}) - 1, 2) as integer))
          else 0 end)
{%- endmacro %}
