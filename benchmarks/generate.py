"""Synthetic orgwh inputs: user events and organizations, deterministic from a seed.

The events have the eight fields of SPEC 1 and a realistic skew: most users
have 1 to 5 events, a few have hundreds; some users are deleted and some of
those re-created; a user sometimes changes twice in one day; some events share
their `received_at` with the user's previous one (ties); a few records are
exact duplicates; a few timestamps are spelled with `T`/`Z` or a `+01:00`
offset; the users belong to organizations with a Zipf-like skew, and a few of
those organizations are absent from the organizations file.

The generator keeps one small tuple per event, then writes day by day with a
streaming writer: 1M events (about 290 MB of pretty JSON) take a few seconds.

Example: python benchmarks/generate.py --events 1000000 --days 30 --out /tmp/bench-data
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import hashlib
import itertools
import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

DAY_US = 86_400_000_000
EVENT_TYPES = ("User Created", "User Updated", "User Deleted")
CREATED, UPDATED, DELETED = 0, 1, 2
USER_TYPES = ('"Member"', '"Admin"', '"Owner"', '"Guest"', "null")
USER_TYPE_WEIGHTS = (70, 15, 5, 9, 1)
PLANS = ('"free"', '"starter"', '"pro"', '"enterprise"', "null")
PLAN_WEIGHTS = (50, 25, 15, 8, 2)
EMAIL_DOMAINS = ("example.com", "example.org", "mail.example.net", "corp.example")

# How likely the record variants are (per record written).
DUPLICATE_RATE = 0.005
T_Z_SPELLING_RATE = 0.02
OFFSET_SPELLING_RATE = 0.005

_ARRAY_RECORD = (
    '  {{\n    "id": "{0}",\n    "event_type": "{1}",\n    "username": {2},\n'
    '    "user_email": {3},\n    "user_type": {4},\n    "organization_name": {5},\n'
    '    "plan_name": {6},\n    "received_at": "{7}"\n  }}'
)
_NDJSON_RECORD = (
    '{{"id": "{0}", "event_type": "{1}", "username": {2}, "user_email": {3}, '
    '"user_type": {4}, "organization_name": {5}, "plan_name": {6}, "received_at": "{7}"}}'
)


def _organization_names(count: int) -> list[str]:
    """Organization names, a few with non-ASCII letters and one shared by two keys."""
    names = [f"Org {n:05d}" for n in range(count)]
    for n in range(7, count, 97):
        names[n] = f"Société {n:05d} Ünïcode"
    return names


def _picker(rng: random.Random, weights):
    """A fast weighted choice of an index (random.choices recomputes its table per call)."""
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]
    return lambda: bisect.bisect(cumulative, rng.random() * total)


def _json(value: str | None) -> str:
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


class _Users:
    """Generates every user's events as compact tuples, bucketed by UTC day.

    An event is (received_at in µs since the first day, user number,
    event type, email variant, user type, organization, plan).
    """

    def __init__(self, rng: random.Random, days: int, organizations: int) -> None:
        self.rng = rng
        self.days = days
        self.window = days * DAY_US
        self.buckets: list[list[tuple]] = [[] for _ in range(days)]
        self.user_ids: list[str] = []
        self.organization = _picker(rng, [1 / (n + 1) ** 1.1 for n in range(organizations)])
        self.user_type = _picker(rng, USER_TYPE_WEIGHTS)
        self.plan = _picker(rng, PLAN_WEIGHTS)
        self.updates = _picker(rng, (40, 25, 15, 10, 10))
        self.count = 0
        self.stats = {"users": 0, "deleted": 0, "recreated": 0, "ties": 0, "no_op_updates": 0}

    def _fresh_state(self) -> list[int]:
        return [0, self.user_type(), self.organization(), self.plan()]

    def _emit(self, at: int, user: int, event_type: int, state: list[int]) -> None:
        self.buckets[at // DAY_US].append((at, user, event_type, *state))
        self.count += 1

    def _gap(self, mean: float) -> int:
        """Time to a user's next event: usually hours to days, sometimes minutes, 1% none."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.01:
            self.stats["ties"] += 1
            return 0
        if roll < 0.15:
            return rng.randrange(1_000_000, 3_600_000_000)  # within the hour
        return int(rng.expovariate(1 / mean)) + 1

    def _update(self, state: list[int]) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.50:
            state[3] = self.plan()
        elif roll < 0.70:
            state[1] = self.user_type()
        elif roll < 0.80:
            state[2] = self.organization()
        elif roll < 0.95:
            state[0] = (state[0] + 1) % len(EMAIL_DOMAINS)
        else:
            self.stats["no_op_updates"] += 1

    def add_user(self) -> None:
        rng = self.rng
        user = len(self.user_ids)
        self.user_ids.append(f"{rng.getrandbits(128):032x}")
        self.stats["users"] += 1
        roll = rng.random()
        if roll < 0.90:
            updates = self.updates()
        elif roll < 0.99:
            updates = rng.randrange(5, 21)
        else:
            updates = int(20 * 15 ** rng.random()) + rng.randrange(0, 5)  # 20 to 300
        at = rng.randrange(self.window)
        mean_gap = max(self.window - at, DAY_US) / (updates + 2)
        state = self._fresh_state()
        self._emit(at, user, CREATED, state)
        lives = 2 if rng.random() < 0.02 else 1  # deleted, then created again
        for life in range(lives):
            for _ in range(updates if life == 0 else rng.randrange(0, 3)):
                at += self._gap(mean_gap)
                if at >= self.window:
                    return
                self._update(state)
                self._emit(at, user, UPDATED, state)
            if life == 0 and lives == 1 and rng.random() >= 0.08:
                return
            at += self._gap(mean_gap)
            if at >= self.window:
                return
            self._emit(at, user, DELETED, state)
            self.stats["deleted"] += 1
            if life + 1 < lives:
                at += self._gap(mean_gap)
                if at >= self.window:
                    return
                state = self._fresh_state()
                self._emit(at, user, CREATED, state)
                self.stats["recreated"] += 1


def _timestamp_texts(first_day: date, days: int):
    """A fast renderer of µs offsets as SPEC 1 timestamps (mostly the plain spelling)."""
    day_texts = [(first_day + timedelta(days=n)).isoformat() for n in range(days + 1)]

    def render(at: int, spelling: float) -> str:
        day, in_day = divmod(at, DAY_US)
        seconds, micros = divmod(in_day, 1_000_000)
        hours, seconds = divmod(seconds, 3600)
        minutes, seconds = divmod(seconds, 60)
        if spelling < T_Z_SPELLING_RATE:
            return f"{day_texts[day]}T{hours:02d}:{minutes:02d}:{seconds:02d}.{micros:06d}Z"
        if spelling < T_Z_SPELLING_RATE + OFFSET_SPELLING_RATE:
            return render(at + 3_600_000_000, 1.0) + "+01:00"
        return f"{day_texts[day]} {hours:02d}:{minutes:02d}:{seconds:02d}.{micros:06d}"

    return render


class _Writer:
    """A JSON array (pretty, as the bundled sample) or NDJSON, optionally gzip."""

    def __init__(self, path: Path, layout: str, compress: bool) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if compress:
            self.file = gzip.open(path, "wt", encoding="utf-8", compresslevel=1)  # noqa: SIM115
        else:
            self.file = open(path, "w", encoding="utf-8", buffering=1 << 20)  # noqa: SIM115
        self.array = layout == "array"
        self.template = _ARRAY_RECORD if self.array else _NDJSON_RECORD
        self.separator = ",\n" if self.array else "\n"
        self.first = True
        if self.array:
            self.file.write("[\n")

    def write(self, records: list[str]) -> None:
        if not records:
            return
        if not self.first:
            self.file.write(self.separator)
        self.file.write(self.separator.join(records))
        self.first = False

    def close(self) -> None:
        self.file.write("\n]\n" if self.array else "\n")
        self.file.close()


def generate(
    events_path: Path,
    orgs_path: Path,
    events: int = 1_000_000,
    days: int = 30,
    first_day: date = date(2021, 3, 1),
    seed: int = 42,
    layout: str = "array",
    compress: bool = False,
    split_dir: Path | None = None,
) -> dict[str, object]:
    """Write about `events` event records over `days` UTC days, and the organizations.

    With `split_dir`, also write each day's records to `<split_dir>/<day>.json`
    (same layout), as a daily delivery would. Returns what was written.
    """
    started = time.monotonic()
    rng = random.Random(seed)
    organization_count = max(20, events // 2000)
    names = _organization_names(organization_count)
    users = _Users(rng, days, organization_count)
    target = int(events / (1 + DUPLICATE_RATE))
    while users.count < target:
        users.add_user()

    organization_json = [_json(name) for name in names]
    render = _timestamp_texts(first_day, days)
    user_ids = users.user_ids
    main = _Writer(events_path, layout, compress)
    suffix = ".json" + (".gz" if compress else "")
    written = duplicates = 0
    for day, bucket in enumerate(users.buckets):
        bucket.sort()
        records = []
        for at, user, event_type, email, user_type, organization, plan in bucket:
            record = main.template.format(
                user_ids[user],
                EVENT_TYPES[event_type],
                f'"user{user}"',
                f'"user{user}@{EMAIL_DOMAINS[email]}"',
                USER_TYPES[user_type],
                organization_json[organization],
                PLANS[plan],
                render(at, rng.random()),
            )
            records.append(record)
            if rng.random() < DUPLICATE_RATE:
                records.append(record)
                duplicates += 1
        main.write(records)
        if split_dir is not None:
            daily = _Writer(
                split_dir / f"{first_day + timedelta(days=day)}{suffix}", layout, compress
            )
            daily.write(records)
            daily.close()
        written += len(records)
    main.close()

    # Organizations: every name but a few (events refer to those in vain), and
    # one key delivered twice (the last record wins).
    absent = set(range(3, organization_count, max(organization_count // 10, 1)))
    organizations = []
    for n, name in enumerate(names):
        if n in absent:
            continue
        key = hashlib.md5(name.encode()).hexdigest()
        created = first_day - timedelta(days=1 + n % 900)
        organizations.append(
            {
                "organization_key": key,
                "organization_name": name,
                "created_at": f"{created} 09:00:00",
            }
        )
    organizations.append({**organizations[0], "organization_name": names[0] + " (renamed)"})
    orgs_path.parent.mkdir(parents=True, exist_ok=True)
    orgs_path.write_text(json.dumps(organizations, indent=2, ensure_ascii=False) + "\n")

    return {
        "events_file": str(events_path),
        "orgs_file": str(orgs_path),
        "records": written,
        "exact_duplicates": duplicates,
        "days": days,
        "first_day": str(first_day),
        "organizations_in_events": organization_count,
        "organizations_absent_from_orgs_file": len(absent),
        "bytes": events_path.stat().st_size,
        "seconds": round(time.monotonic() - started, 2),
        **users.stats,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="records to write")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--first-day", type=date.fromisoformat, default=date(2021, 3, 1))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--layout", choices=("array", "ndjson"), default="array")
    parser.add_argument("--gzip", action="store_true", help="gzip the events file")
    parser.add_argument("--split", action="store_true", help="also one events file per day")
    parser.add_argument("--out", type=Path, default=Path("bench-data"), help="output folder")
    args = parser.parse_args(argv)
    suffix = (".json" if args.layout == "array" else ".ndjson") + (".gz" if args.gzip else "")
    summary = generate(
        args.out / f"events{suffix}",
        args.out / "orgs.json",
        events=args.events,
        days=args.days,
        first_day=args.first_day,
        seed=args.seed,
        layout=args.layout,
        compress=args.gzip,
        split_dir=args.out / "days" if args.split else None,
    )
    json.dump(summary, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
