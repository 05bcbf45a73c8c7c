-- Every closed version ends after it starts (SPEC 4: no zero-length versions).
select user_id, valid_from, valid_to
from {{ ref('user_snapshot') }}
where valid_to is not null
    and not valid_from < valid_to
