{#- Generic test: closed versions in `model` that do not end after they start
    (SPEC 4: no zero-length versions). -#}
{% test ends_after_it_starts(model) %}
    select user_id, valid_from, valid_to
    from {{ model }}
    where valid_to is not null
        and not valid_from < valid_to
{% endtest %}
