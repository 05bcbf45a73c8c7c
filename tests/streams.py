"""Hypothesis strategies for event streams full of SPEC's awkward cases.

Small pools make collisions likely: ties on received_at, exact duplicates
(also spelled differently), updates that change nothing, deletes and
re-creations, attributes that differ only by null, "" or code point order.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import strategies as st
from reference import ATTRIBUTES, EVENT_TYPES

USER_IDS = ["0" * 32, "f" * 31 + "e", "user-legacy-1", " spaced "]
NAMES = [None, "", "a", "B", "é", "Acme", 'quote"d', "back\\slash", "new\nline"]
ORGANIZATIONS = [None, "Acme", "Globex", "Initech", "Ghost Org"]
FIRST_DAY = datetime(2020, 12, 5)


@st.composite
def instants(draw) -> datetime:
    """Moments on three days, clustered so that ties and midnights are common."""
    day = draw(st.integers(0, 2))
    clock = draw(
        st.sampled_from(
            [timedelta(0), timedelta(hours=10), timedelta(hours=10, microseconds=1),
             timedelta(hours=23, minutes=59, seconds=59, microseconds=999999)]
        )
    )  # fmt: skip
    return FIRST_DAY + timedelta(days=day) + clock


@st.composite
def spellings(draw, moment: datetime) -> str:
    """One of several spellings of the same UTC instant."""
    style = draw(st.sampled_from(["space", "T", "fraction", "Z", "+01:00", "-05:30"]))
    if style == "+01:00":
        return (moment + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "+01:00"
    if style == "-05:30":
        return (moment - timedelta(hours=5, minutes=30)).strftime("%Y-%m-%d %H:%M:%S.%f") + "-05:30"
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.microsecond or style == "fraction":
        text += moment.strftime(".%f").rstrip("0") if moment.microsecond else ".0"
    if style == "T":
        text = text.replace(" ", "T")
    return text + ("Z" if style == "Z" else "")


@st.composite
def events(draw) -> dict:
    record = {
        "id": draw(st.sampled_from(USER_IDS)),
        "event_type": draw(st.sampled_from(EVENT_TYPES)),
        "received_at": draw(spellings(draw(instants()))),
    }
    for name in ATTRIBUTES:
        pool = ORGANIZATIONS if name == "organization_name" else NAMES
        record[name] = draw(st.sampled_from(pool))
    return record


@st.composite
def event_streams(draw, max_size: int = 30) -> list[dict]:
    """A list of events in which some are repeated, as exports repeat them."""
    stream = draw(st.lists(events(), min_size=1, max_size=max_size))
    repeats = draw(st.lists(st.sampled_from(stream), max_size=5))
    shuffled = draw(st.permutations(stream + repeats))
    return list(shuffled)


def _organization(key: str, name: str, created_at: str | None) -> dict:
    return {"organization_key": key * 32, "organization_name": name, "created_at": created_at}


# Two organizations share a name, a key repeats, a created_at does not parse.
ORGANIZATION_RECORDS = [
    _organization("a", "Acme", "2019-01-01 10:00:00"),
    _organization("b", "Globex", "2019-02-30 10:00:00"),
    _organization("c", "Globex", None),
    _organization("d", "Initech", "2020-01-01T00:00:00+02:00"),
    _organization("a", "Acme", "2019-01-02 10:00:00Z"),
]
