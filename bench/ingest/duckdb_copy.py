#!/usr/bin/env python3
"""The DuckDB side of the `ingest` benchmark: CSV to Parquet in one statement.

    bench/.venv/bin/python bench/ingest/duckdb_copy.py IN.csv OUT.parquet [--threads N]

Runs COPY (SELECT * FROM read_csv('IN.csv')) TO 'OUT.parquet' (FORMAT parquet)
in a fresh in-memory database (DuckDB's own type sniffing, no validation rules)
and prints one JSON line: {"rows": ..., "seconds": ..., "duckdb": "version"}.
"""
import argparse
import json
import time

import duckdb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("parquet")
    ap.add_argument("--threads", type=int, default=0, help="DuckDB threads (default: DuckDB's own, all cores)")
    a = ap.parse_args()
    t0 = time.monotonic()
    con = duckdb.connect(":memory:")
    if a.threads:
        con.execute(f"SET threads = {a.threads}")
    src = a.csv.replace("'", "''")
    dst = a.parquet.replace("'", "''")
    rows = con.execute(f"COPY (SELECT * FROM read_csv('{src}')) TO '{dst}' (FORMAT parquet)").fetchone()[0]
    con.close()
    print(json.dumps({"rows": rows, "seconds": round(time.monotonic() - t0, 3), "duckdb": duckdb.__version__}))


if __name__ == "__main__":
    main()
