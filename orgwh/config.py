"""Run settings from flags, environment variables and defaults, in one place."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from .errors import UsageError
from .project import SAMPLE_EVENTS, SAMPLE_ORGS

TARGETS = ("duckdb", "postgres", "spark")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str, option: str) -> date:
    """Read a `YYYY-MM-DD` option value, or raise UsageError naming the option."""
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise UsageError(f"{option} {text!r} is not a date (expected YYYY-MM-DD)")


@dataclass(frozen=True)
class DaySelection:
    """Which days a run loads: an inclusive range, open where a bound is None.

    With neither bound the run loads every day present in the events file.
    """

    first: date | None = None
    last: date | None = None

    @classmethod
    def from_options(
        cls, day: str | None = None, start: str | None = None, end: str | None = None
    ) -> DaySelection:
        """Build the selection from `--date` or `--start`/`--end`, validated."""
        if day is not None and (start is not None or end is not None):
            raise UsageError("--date cannot be combined with --start or --end")
        if day is not None:
            one = parse_day(day, "--date")
            return cls(one, one)
        first = parse_day(start, "--start") if start is not None else None
        last = parse_day(end, "--end") if end is not None else None
        if first and last and first > last:
            raise UsageError(f"--start {first} is after --end {last}")
        return cls(first, last)

    @property
    def is_everything(self) -> bool:
        return self.first is None and self.last is None

    def days(self, present_first: date, present_last: date) -> list[date]:
        """Every day of the selection, open bounds closed by the days present."""
        first = self.first or present_first
        last = self.last or present_last
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


_PATH_SETTINGS = {"events", "orgs", "duckdb_path", "temp_directory", "cache_dir", "spark_dir"}


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else default


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "orgwh"


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know; `Settings.from_env()` fills the defaults.

    Environment variables: ORGWH_EVENTS, ORGWH_ORGS, ORGWH_DUCKDB_PATH,
    ORGWH_MEMORY_LIMIT, ORGWH_TEMP_DIRECTORY, ORGWH_LOCK_TIMEOUT,
    ORGWH_CACHE_DIR, ORGWH_SPARK_DIR; Postgres uses the libpq variables (PGHOST, ...).
    """

    target: str = "duckdb"
    events: Path = SAMPLE_EVENTS
    orgs: Path = SAMPLE_ORGS
    duckdb_path: Path = Path("orgwh.duckdb")
    memory_limit: str = "2GB"
    temp_directory: Path | None = None
    lock_timeout: float = 10.0
    cache_dir: Path = field(default_factory=_default_cache_dir)
    spark_dir: Path | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from the environment, with explicit (non-None) overrides on top."""
        values: dict[str, object] = {
            "events": _env_path("ORGWH_EVENTS", SAMPLE_EVENTS),
            "orgs": _env_path("ORGWH_ORGS", SAMPLE_ORGS),
            "duckdb_path": _env_path("ORGWH_DUCKDB_PATH", Path("orgwh.duckdb")),
            "memory_limit": os.environ.get("ORGWH_MEMORY_LIMIT", "2GB"),
            "cache_dir": _env_path("ORGWH_CACHE_DIR", _default_cache_dir()),
        }
        if os.environ.get("ORGWH_TEMP_DIRECTORY"):
            values["temp_directory"] = Path(os.environ["ORGWH_TEMP_DIRECTORY"])
        if os.environ.get("ORGWH_SPARK_DIR"):
            values["spark_dir"] = Path(os.environ["ORGWH_SPARK_DIR"])
        if os.environ.get("ORGWH_LOCK_TIMEOUT"):
            try:
                values["lock_timeout"] = float(os.environ["ORGWH_LOCK_TIMEOUT"])
            except ValueError:
                raise UsageError("ORGWH_LOCK_TIMEOUT must be a number of seconds") from None
        values.update({key: value for key, value in overrides.items() if value is not None})
        for key in _PATH_SETTINGS & values.keys():
            values[key] = Path(values[key])  # type: ignore[arg-type]
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.target not in TARGETS:
            choices = ", ".join(TARGETS)
            raise UsageError(f"unknown target {settings.target!r} (choose from {choices})")
        return settings

    @property
    def spill_directory(self) -> Path:
        """Where DuckDB spills what does not fit in memory_limit."""
        return self.temp_directory or self.cache_dir / "spill"

    @property
    def spark_directory(self) -> Path:
        """The Spark target's folder: its warehouse, metastore and scratch space."""
        return (self.spark_dir or self.cache_dir / "spark").resolve()
