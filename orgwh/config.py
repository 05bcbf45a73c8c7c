"""Run settings from flags, environment variables and defaults, in one place."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from .errors import UsageError
from .project import SAMPLE_EVENTS, SAMPLE_ORGS

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

    def days(self, present: list[date]) -> list[date]:
        """The days a run loads, given the days present in the events file (sorted).

        With neither bound, every day present; otherwise every day of the
        range, an open bound closed by the first or last day present.
        """
        if self.is_everything:
            return present
        first = self.first or (present[0] if present else self.last)
        last = self.last or (present[-1] if present else self.first)
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "orgwh"


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"ORGWH_LOCK_TIMEOUT must be a number of seconds, not {text!r}") from None


def _memory(text: str) -> str:
    if not re.fullmatch(r"\d+(\.\d+)?\s*([kmgt]i?)?b", text, re.IGNORECASE):
        raise UsageError(f"ORGWH_MEMORY_LIMIT must be a size such as 2GB or 500MB, not {text!r}")
    return text


def _location(text: str) -> str:
    """A URI (`hdfs://…`, `s3a://…`, `file:/…`) as given; a local folder made absolute."""
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]+:", text):
        return text
    return str(Path(text).resolve())


def _partitions(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise UsageError(f"ORGWH_SPARK_SHUFFLE_PARTITIONS must be a whole number, not {text!r}")
    return int(text)


@dataclass(frozen=True)
class Settings:
    """Everything orgwh needs to know, for every target; `Settings.from_env()` fills it.

    Each default is written here and nowhere else: profiles.yml and the Spark
    session get their values from these settings.
    """

    target: str = "duckdb"
    events: Path = SAMPLE_EVENTS
    orgs: Path = SAMPLE_ORGS
    lock_timeout: float = 10.0
    cache_dir: Path = field(default_factory=_default_cache_dir)
    # DuckDB
    duckdb_path: Path = Path("orgwh.duckdb")
    memory_limit: str = "2GB"
    temp_directory: Path | None = None
    # Spark (Postgres takes the libpq variables: targets/postgres.py)
    spark_dir: Path | None = None
    spark_warehouse: str | None = None
    spark_master: str = "local[*]"
    spark_shuffle_partitions: int = 4

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from the environment (see ENVIRONMENT), explicit non-None overrides on top.

        Raises UsageError naming the variable when a value cannot be read.
        """
        values: dict[str, object] = {}
        for name, (variable, read) in ENVIRONMENT.items():
            if os.environ.get(variable):
                values[name] = read(os.environ[variable])
        values.update({name: value for name, value in overrides.items() if value is not None})
        for name in ("events", "orgs", "duckdb_path", "temp_directory", "cache_dir", "spark_dir"):
            if name in values:
                values[name] = Path(values[name])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]

    @property
    def spill_directory(self) -> Path:
        """Where DuckDB spills what does not fit in memory_limit."""
        return self.temp_directory or self.cache_dir / "spill"

    @property
    def spark_directory(self) -> Path:
        """The Spark target's folder: its warehouse, metastore and scratch space."""
        return (self.spark_dir or self.cache_dir / "spark").resolve()

    @property
    def spark_warehouse_location(self) -> str:
        """Where Spark writes the tables' files: a URI or folder every executor reaches."""
        return self.spark_warehouse or str(self.spark_directory / "warehouse")


# The environment variable of each setting, and how its text is read.
ENVIRONMENT: dict[str, tuple[str, Callable[[str], object]]] = {
    "events": ("ORGWH_EVENTS", Path),
    "orgs": ("ORGWH_ORGS", Path),
    "lock_timeout": ("ORGWH_LOCK_TIMEOUT", _seconds),
    "cache_dir": ("ORGWH_CACHE_DIR", Path),
    "duckdb_path": ("ORGWH_DUCKDB_PATH", Path),
    "memory_limit": ("ORGWH_MEMORY_LIMIT", _memory),
    "temp_directory": ("ORGWH_TEMP_DIRECTORY", Path),
    "spark_dir": ("ORGWH_SPARK_DIR", Path),
    "spark_warehouse": ("ORGWH_SPARK_WAREHOUSE", _location),
    "spark_master": ("ORGWH_SPARK_MASTER", str),
    "spark_shuffle_partitions": ("ORGWH_SPARK_SHUFFLE_PARTITIONS", _partitions),
}
