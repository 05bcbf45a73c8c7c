"""What every reader knows of an input file before it parses a record (SPEC 1, 2.3).

Whether the file is there and readable, whether it is gzipped, whether it
is one JSON array or newline-delimited JSON, what a blank line is, the
largest record, and the words for a file that cannot be read as a whole.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

# Large enough for any sensible record, and the most a record may hold on
# Spark (its VARIANT's limit). DuckDB's readers refuse larger ones, which
# then fails the file as a whole rather than a record silently. Their
# buffers hold two records' worth, and must fit in ORGWH_MEMORY_LIMIT.
MAX_RECORD_BYTES = 16 * 1024 * 1024

# A line of nothing else is blank: not a record, though it keeps the
# numbering. Spelled with escapes that DuckDB's RE2 and Java's regular
# expressions read alike.
BLANK = r"[ \t\n\r\f]*"


def cannot_be_read(path: Path, cause: object) -> InputError:
    """The error for a file that cannot be opened or read at all."""
    return InputError(f"{path}: cannot be read ({cause})")


def not_utf8(path: Path) -> InputError:
    """The error for a file whose bytes are not UTF-8 text."""
    return InputError(f"{path}: not UTF-8 text")


def not_json_file(path: Path, detail: str) -> InputError:
    """The error for a file that is not a JSON array or newline-delimited JSON as a whole."""
    return InputError(f"{path}: not a readable JSON file ({detail})")


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(2) == b"\x1f\x8b"


def _first_character(path: Path, compressed: bool) -> str:
    """The first non-blank character of a file, or '' when it has none."""
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as file:
            while chunk := file.read(64 * 1024):
                stripped = chunk.lstrip()
                if stripped:
                    return chr(stripped[0])
    except (OSError, EOFError) as error:
        raise cannot_be_read(path, error) from None
    return ""


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    try:
        path.open("rb").close()
    except OSError as error:
        raise cannot_be_read(path, error.strerror) from None


@dataclass(frozen=True)
class InputLayout:
    """How an input file is laid out (SPEC 1), as every reader needs to know it."""

    compressed: bool
    is_array: bool


def input_layout(path: Path) -> InputLayout:
    """Check that `path` is a readable file; tell gzip, and JSON array from NDJSON.

    Raises InputError naming the file when it is missing or unreadable.
    """
    _check_readable(path)
    compressed = _is_gzip(path)
    return InputLayout(compressed, _first_character(path, compressed) == "[")
