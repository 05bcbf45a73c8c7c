"""What a Spark run rewrote: each table's parquet files before and after it.

A run writes new files and leaves the ones it did not replace as they are
(parquet file names are unique per write), so the files after a run that
were not there before are what it wrote.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def table_files(warehouse: Path) -> dict[str, dict[str, int]]:
    """Each table's parquet files in a Spark warehouse folder: path (relative) and bytes.

    A table's files are in `<database>.db/<table>/`, or in `<table>__v<time>/`
    after a full rebuild pointed it there (macros/spark_table_materialization.sql);
    the folder it left stays until the next run, so the latest one counts.
    """
    folders: dict[str, Path] = {}
    for folder in sorted(warehouse.glob("*.db/*")):
        if folder.is_dir() and not folder.name.endswith("__new_rows"):
            folders[f"{folder.parent.stem}.{folder.name.split('__')[0]}"] = folder
    return {
        table: {
            str(path.relative_to(warehouse)): path.stat().st_size
            for path in sorted(folder.rglob("*.parquet"))
            if not any(part.startswith((".", "_")) for part in path.relative_to(folder).parts)
        }
        for table, folder in folders.items()
    }


def _rows(warehouse: Path, files: list[str]) -> int:
    if not files:
        return 0
    paths = [str(warehouse / file) for file in files]
    query = "select sum(num_rows) from parquet_file_metadata(?)"
    return int(duckdb.connect().execute(query, [paths]).fetchone()[0])


def rewritten(before: Path, after: Path) -> dict[str, dict[str, int]]:
    """Per table after a run: its rows and bytes, and the rows and bytes of the files it wrote."""
    old = table_files(before)
    figures = {}
    for table, files in table_files(after).items():
        written = [file for file in files if file not in old.get(table, {})]
        figures[table] = {
            "rows": _rows(after, list(files)),
            "bytes": sum(files.values()),
            "rows_written": _rows(after, written),
            "bytes_written": sum(files[file] for file in written),
        }
    return figures
