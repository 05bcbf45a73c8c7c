"""SPEC 4 on Spark: random event streams give the reference model's tables.

test_warehouse.py runs these on DuckDB and Postgres with more examples; a
Spark build takes tens of seconds, so here each property gets one.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from streams import event_streams
from test_warehouse import (
    a_full_load_equals_the_reference_model,
    a_redelivered_day_replaces_what_that_day_held,
    builds,
    days_in_any_order_and_reruns_equal_the_reference_model,
)


@builds(examples=1)
@given(stream=event_streams(max_size=20), layout=st.sampled_from(["array", "ndjson"]))
def test_a_full_load_equals_the_reference_model(spark_warehouse, tmp_path, stream, layout):
    a_full_load_equals_the_reference_model(spark_warehouse, tmp_path, stream, layout)


@builds(examples=1)
@given(stream=event_streams(max_size=20), data=st.data())
def test_days_in_any_order_and_reruns_equal_the_reference_model(
    spark_warehouse, tmp_path, stream, data
):
    days_in_any_order_and_reruns_equal_the_reference_model(spark_warehouse, tmp_path, stream, data)


@builds(examples=1)
@given(first=event_streams(max_size=20), second=event_streams(max_size=20), data=st.data())
def test_a_redelivered_day_replaces_what_that_day_held(
    spark_warehouse, tmp_path, first, second, data
):
    a_redelivered_day_replaces_what_that_day_held(spark_warehouse, tmp_path, first, second, data)
