"""What Spark's read path runs: queries only, judged by parsing before Spark sees them."""

from __future__ import annotations

import pytest

from orgwh.targets.spark import ONLY_QUERIES, RefusedStatement, refuse_unless_query

# What the read path (orgwh query, orgwh.query, orgwh.connect) runs on Spark.
READ_ONLY_STATEMENTS = [
    "select 1",
    "select 1;",
    "with a as (select 1 as n) select n from a",
    "select 1 union all select 2",
    "(select 1) except (select 2)",
    "values (1), (2)",
    "from staging.event select *",
    "select * from staging.event where date = ? and json_content = :text",
    "select ';' as semicolon -- ; drop table staging.event",
    "describe table extended staging.event",
    "desc staging.event",
    "show tables in staging",
    "show partitions staging.event",
]
WRITING_STATEMENTS = [
    "insert into staging.event select * from staging.event",
    "insert overwrite table staging.event select * from staging.event",
    "with a as (select 1) insert into t select * from a",
    "from staging.event insert into t select *",
    "with a as (insert into t select 1 returning *) select * from a",
    "create table t as select 1",
    "create or replace temp view v as select 1",
    "drop table staging.event",
    "truncate table staging.event",
    "delete from staging.event",
    "update staging.event set date = null",
    "merge into t using s on t.n = s.n when matched then delete",
    "alter table staging.event add columns (n int)",
    "load data inpath '/tmp/x' into table t",
    "analyze table staging.event compute statistics",
    "msck repair table staging.event",
    "select 1; drop table staging.event",
    "select 1; select 2",
    "set spark.sql.shuffle.partitions = 1",
    "reset",
    "use staging",
    "cache table staging.event",
    "uncache table staging.event",
    "clear cache",
    "refresh table staging.event",
    "add jar /tmp/x.jar",
    "execute immediate 'drop table staging.event'",
    "explain select 1",
    "",
]


@pytest.mark.parametrize("sql", READ_ONLY_STATEMENTS)
def test_the_read_path_runs_a_query(sql):
    refuse_unless_query(sql)


@pytest.mark.parametrize("sql", WRITING_STATEMENTS)
def test_the_read_path_refuses_any_other_statement_before_it_runs(sql):
    with pytest.raises(RefusedStatement) as refusal:
        refuse_unless_query(sql)
    assert str(refusal.value) == ONLY_QUERIES


def test_the_read_path_refuses_what_it_cannot_parse():
    with pytest.raises(RefusedStatement) as refusal:
        refuse_unless_query("selec 1")
    assert str(refusal.value) == (
        f"{ONLY_QUERIES}; this does not parse as one "
        "(Invalid expression / Unexpected token. Line 1, Col: 7.)"
    )
