-- Every closed version of the users this run rebuilt ends after it starts
-- (SPEC 4: no zero-length versions).
select user_id, valid_from, valid_to
from {{ ref('user_snapshot') }}
where valid_to is not null
    and user_id in (
        select user_id from {{ ref('user_event') }}
        where event_date in (select date from {{ source('staging', 'load_day') }})
    )
    and not valid_from < valid_to
