-- Each user has exactly one current version (the original warehouse had
-- several "current" rows for users who changed twice in a day).
select user_id, count(*) as current_versions
from {{ ref('user_snapshot') }}
group by user_id
having sum(case when is_current then 1 else 0 end) <> 1
