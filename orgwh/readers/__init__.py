"""The readers of the two JSON exports: each reads both files and judges every record.

`duckdb.py` reads them with DuckDB (the DuckDB and Postgres targets),
`spark.py` with Spark (the Spark target). They differ in how they read and
parse, never in what they decide: the rules for a file (where it is, gzip,
array or newline-delimited JSON, the words for a file that cannot be read)
are in `files.py`, and the rules for a record in orgwh/validation.py.
Readers know nothing of targets, runs or the command line.
"""
