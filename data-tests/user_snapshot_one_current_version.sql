-- Each user this run rebuilt has exactly one current version (the original
-- warehouse had several "current" rows for users who changed twice in a day).
select user_id, count(*) as current_versions
from {{ ref('user_snapshot') }}
where user_id in (
    select user_id from {{ ref('user_event') }}
    where event_date in (select date from {{ source('staging', 'load_day') }})
)
group by user_id
having sum(case when is_current then 1 else 0 end) <> 1
