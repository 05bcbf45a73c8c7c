"""A small reference model of the contract (docs/contract.md) in plain Python, independent of the SQL.

`expected_tables(events, organizations)` takes the records of the staged
files (parsed JSON values, in file order) and returns what every table of
SPEC 4 must hold, as sorted lists of tuples in the tables' column order.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from datetime import date, datetime, timedelta

EVENT_TYPES = ("User Created", "User Updated", "User Deleted")
ATTRIBUTES = ("username", "user_email", "user_type", "organization_name", "plan_name")

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?"
    r"(Z|[+-]\d{2}:\d{2})?"
)


def parse_timestamp(value: object) -> datetime | None:
    """SPEC 1's grammar: the UTC instant as a naive datetime, or None."""
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.fullmatch(value)
    if not match or not value.isascii():
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            int((fraction or "").ljust(6, "0")),
        )  # fmt: skip
    except ValueError:
        return None
    if zone and zone != "Z":
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            return None
        offset = timedelta(hours=hours, minutes=minutes)
        try:
            moment = moment - offset if zone[0] == "+" else moment + offset
        except OverflowError:
            return None
    return moment


def event_rejection(record: object) -> str | None:
    """Why a parsed event record is rejected (a coarse reason), or None."""
    if not isinstance(record, dict):
        return "not a JSON object"
    if record.get("id") is None or record.get("id") == "":
        return "missing or empty id"
    if not isinstance(record["id"], str):
        return "wrong type"
    if record.get("event_type") is not None and not isinstance(record["event_type"], str):
        return "wrong type"
    if record.get("event_type") not in EVENT_TYPES:
        return "event_type"
    if any(not isinstance(record.get(name), str | None) for name in ATTRIBUTES):
        return "wrong type"
    if parse_timestamp(record.get("received_at")) is None:
        return "received_at"
    return None


def _encode(value: str | None) -> str:
    return "-" if value is None else f"{len(value)}:{value}"


def hash_fields(*values: str | None) -> str:
    return hashlib.md5("".join(_encode(v) for v in values).encode()).hexdigest()


def _render(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sort_key(row: tuple) -> tuple:
    return tuple((value is not None, value) for value in row)


def _sorted(rows) -> list[tuple]:
    return sorted(rows, key=_sort_key)


def user_events(records: list[object]) -> list[tuple]:
    """historical.user_event, in its column order."""
    distinct = set()
    for record in records:
        if event_rejection(record) is None:
            received_at = parse_timestamp(record["received_at"])
            distinct.add(
                (
                    record["id"],
                    record["event_type"],
                    *(record.get(name) for name in ATTRIBUTES),
                    received_at,
                )
            )
    return _sorted(
        (hash_fields(*event[:7], _render(event[7])), *event, event[7].date()) for event in distinct
    )


def _codepoint_key(event: tuple) -> tuple:
    _key, _user, event_type, *attributes = event[:8]
    return (
        EVENT_TYPES.index(event_type),
        *((value is not None, value or "") for value in attributes),
    )


def user_snapshot(events: list[tuple]) -> list[tuple]:
    """snapshots.user_snapshot per SPEC 4's five steps."""
    by_user: dict[str, dict[datetime, list[tuple]]] = defaultdict(lambda: defaultdict(list))
    for event in events:
        by_user[event[1]][event[8]].append(event)
    rows = []
    for user_id, instants in by_user.items():
        versions: list[list] = []
        for moment in sorted(instants):
            last = max(instants[moment], key=_codepoint_key)
            state = (*last[3:8], last[2] == "User Deleted")
            if not versions or tuple(versions[-1][1:7]) != state:
                versions.append([user_id, *state, moment])
        for number, version in enumerate(versions):
            valid_to = versions[number + 1][7] if number + 1 < len(versions) else None
            rows.append((*version, valid_to, valid_to is None))
    return _sorted(rows)


def dim_organization(records: list[object]) -> list[tuple]:
    """dimensional.dim_organization: the last record of each key wins."""
    latest = {}
    for record in records:
        if isinstance(record, dict) and isinstance(record.get("organization_key"), str):
            name = record.get("organization_name")
            latest[record["organization_key"]] = (
                record["organization_key"],
                name if isinstance(name, str) else None,
                parse_timestamp(record.get("created_at")),
            )
    return _sorted(latest.values())


def _keys_by_name(organizations: list[tuple]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for key, name, _created in organizations:
        if name is not None and (name not in keys or key > keys[name]):
            keys[name] = key
    return keys


def dim_user(snapshot: list[tuple], organizations: list[tuple]) -> list[tuple]:
    keys = _keys_by_name(organizations)
    return _sorted(
        (hash_fields(row[0], _render(row[7])), *row, keys.get(row[4])) for row in snapshot
    )


def fac_user(events: list[tuple], snapshot: list[tuple], organizations: list[tuple]) -> list:
    """dimensional.fac_user, day by day from the first to the last event day."""
    if not events:
        return []
    keys = _keys_by_name(organizations)
    first = min(event[9] for event in events)
    last = max(event[9] for event in events)
    measures: dict[tuple, list[set]] = defaultdict(lambda: [set(), set(), set(), set()])
    for event in events:
        _key, user_id, event_type, *_attrs, received_at, day = event
        organization = event[6]
        if event_type == "User Created":
            measures[(day, organization)][0].add(user_id)
        elif event_type == "User Updated":
            measures[(day, organization)][1].add(user_id)
        else:
            earlier = [
                version
                for version in snapshot
                if version[0] == user_id and not version[6] and version[7] < received_at
            ]
            if earlier:
                organization = max(earlier, key=lambda version: version[7])[4]
            measures[(day, organization)][2].add(user_id)
    day = first
    while day <= last:
        end_of_day = datetime.combine(day + timedelta(days=1), datetime.min.time())
        for version in snapshot:
            user_id, *_attrs, is_deleted, valid_from, valid_to, _current = version
            current = valid_from < end_of_day and (valid_to is None or valid_to >= end_of_day)
            if current and not is_deleted:
                measures[(day, version[4])][3].add(user_id)
        day += timedelta(days=1)
    return _sorted(
        (day, keys.get(organization), organization, *(len(users) for users in sets))
        for (day, organization), sets in measures.items()
        if any(sets)
    )


def utc_day(record: object) -> date | None:
    """The UTC day of a record's received_at, when it has a readable one."""
    moment = parse_timestamp(record.get("received_at")) if isinstance(record, dict) else None
    return moment.date() if moment else None


def expected_tables(events: list[object], organizations: list[object]) -> dict[str, list]:
    """Every modelled table of SPEC 4 for these staged records."""
    history = user_events(events)
    snapshot = user_snapshot(history)
    dims = dim_organization(organizations)
    return {
        "historical.user_event": history,
        "snapshots.user_snapshot": snapshot,
        "dimensional.dim_organization": dims,
        "dimensional.dim_user": dim_user(snapshot, dims),
        "dimensional.fac_user": fac_user(history, snapshot, dims),
    }
