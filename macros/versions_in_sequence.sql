{#- Generic test: versions in `model` that break SPEC 4's sequence of a user's
    versions. Ordered by valid_from, each version ends where the next one
    starts, after it starts (no zero-length versions), and only the last is
    open (one current version: the original warehouse had several "current"
    rows for users who changed twice in a day); user_id and valid_from are
    never null. A repeated (user_id, valid_from) fails too: the first of the
    two would end where it starts.
    One window over the versions, where a test per rule read them once each.
    The rows a run rebuilds are, per user, the last versions, so a scoped
    test's rows are in sequence as well. -#}
{% test versions_in_sequence(model, scope=none) %}
    with sequenced as (
        select
            user_id,
            valid_from,
            valid_to,
            lead(valid_from) over (partition by user_id order by valid_from) as next_valid_from
        from {{ orgwh.in_scope(model, scope) }}
    )

    select *
    from sequenced
    where user_id is null
        or valid_from is null
        or valid_to <= valid_from
        or (valid_to is null) <> (next_valid_from is null)
        or valid_to <> next_valid_from
{% endtest %}
