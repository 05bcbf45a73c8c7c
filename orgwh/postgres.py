"""Connecting to the Postgres target: libpq settings, clear errors, run lock."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator

import psycopg
from psycopg import sql

from .errors import ConnectionFailed, WarehouseLocked

# The bundled docker-compose.yml service.
DEFAULTS = {
    "PGHOST": "localhost",
    "PGPORT": "5432",
    "PGUSER": "orgwh",
    "PGDATABASE": "datawarehouse",
}

# Any constant: identifies "an orgwh run holds this warehouse" among advisory locks.
_RUN_LOCK_KEY = 0x6F7267776800


def environment() -> dict[str, str]:
    """The libpq variables for this process, the compose defaults filled in.

    The password is not among them: libpq reads PGPASSWORD or ~/.pgpass itself.
    """
    return {name: os.environ.get(name) or default for name, default in DEFAULTS.items()}


def _reason(error: psycopg.Error) -> str:
    """libpq's reason, without the socket/host preamble it repeats."""
    first_line = (str(error).strip().splitlines() or ["no answer"])[0]
    return first_line.rsplit("failed: ", 1)[-1].removeprefix("FATAL:  ")


def _describe_server(settings: dict[str, str]) -> str:
    return f"{settings['PGHOST']}:{settings['PGPORT']}"


def _connect(settings: dict[str, str], dbname: str) -> psycopg.Connection:
    return psycopg.connect(
        host=settings["PGHOST"],
        port=settings["PGPORT"],
        user=settings["PGUSER"],
        dbname=dbname,
        connect_timeout=10,
        autocommit=True,
    )


def _create_missing_database(settings: dict[str, str]) -> bool:
    """Create the warehouse database if the server lacks it; False if it was not missing.

    libpq reports a missing database like any other connection failure, so
    this asks the server's maintenance database whether it exists.
    """
    name = settings["PGDATABASE"]
    try:
        with _connect(settings, "postgres") as admin:
            exists = admin.execute("select 1 from pg_database where datname = %s", [name])
            if exists.fetchone():
                return False
            admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
            return True
    except psycopg.OperationalError:
        return False
    except psycopg.errors.InsufficientPrivilege:
        raise ConnectionFailed(
            f"database {name!r} does not exist on {_describe_server(settings)} and "
            f"role {settings['PGUSER']!r} may not create it; create it or set PGDATABASE"
        ) from None
    except psycopg.errors.DuplicateDatabase:
        return True


def connect() -> psycopg.Connection:
    """Open an autocommit connection to the warehouse database, creating it if needed.

    Raises ConnectionFailed with one line naming the server when it cannot.
    """
    settings = environment()
    try:
        try:
            return _connect(settings, settings["PGDATABASE"])
        except psycopg.OperationalError as error:
            if not _create_missing_database(settings):
                raise error from None
        return _connect(settings, settings["PGDATABASE"])
    except psycopg.OperationalError as error:
        raise ConnectionFailed(
            f"cannot connect to Postgres at {_describe_server(settings)} "
            f"as {settings['PGUSER']!r} ({_reason(error)}); "
            "start the bundled server with `docker compose up -d`, "
            "or point PGHOST/PGPORT/PGUSER/PGPASSWORD at yours"
        ) from None


@contextlib.contextmanager
def run_lock(connection: psycopg.Connection, timeout: float) -> Iterator[None]:
    """Hold a session advisory lock so two runs never build one warehouse at once."""
    deadline = time.monotonic() + timeout
    while not connection.execute("select pg_try_advisory_lock(%s)", [_RUN_LOCK_KEY]).fetchone()[0]:
        if time.monotonic() >= deadline:
            raise WarehouseLocked(
                f"another orgwh run is building the Postgres warehouse; waited {timeout:g} s "
                "(see ORGWH_LOCK_TIMEOUT)"
            )
        time.sleep(0.2)
    try:
        yield
    finally:
        connection.execute("select pg_advisory_unlock(%s)", [_RUN_LOCK_KEY])
