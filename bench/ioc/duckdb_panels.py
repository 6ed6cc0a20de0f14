#!/usr/bin/env python3
"""The DuckDB side of the `ioc` benchmark: a worker that runs queries on request.

    bench/.venv/bin/python bench/ioc/duckdb_panels.py [--threads 2] [--timezone UTC]

One process, one in-memory DuckDB connection (PRAGMA threads=N; the session time zone
set to --timezone, see below). It reads one JSON request a line on stdin and answers
one JSON line on stdout:

    {"sql": "SELECT ..."}  ->  {"ms": 12.3, "columns": [...], "types": [...], "rows": [[...], ...]}
                               or {"error": "..."}

"ms" is the time of con.execute(sql) plus fetchall(), taken in this process with a
monotonic clock: the query and the conversion of its rows to Python, not the pipe.
The rows are made JSON-safe here (dates ISO, timestamps with their offset, decimals
as numbers). The first line it prints, once connected, is {"ready": ..., "duckdb":
version, "connect_ms": ...}. The harness starts a fresh worker for each cold round and
keeps one for the warm runs.

The session time zone: tinhso stores a `datetime` field as a Parquet timestamp in UTC
(isAdjustedToUTC), which DuckDB reads as TIMESTAMP WITH TIME ZONE. DuckDB then compares
it with a DATE, truncates it (date_trunc) and casts it to DATE in the session's time
zone, and takes current_date in it too; DataFusion does all of these in UTC. So the
worker sets the session time zone to UTC (the default here) for the two engines to mean
the same thing by the same SQL. Standard library and duckdb only.
"""
import argparse
import datetime as dt
import decimal
import json
import sys
import time
import uuid

T0 = time.monotonic()
import duckdb  # noqa: E402  (the import is part of the start-up the worker reports)


def cell(v):
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if v == v and v not in (float("inf"), float("-inf")) else str(v)
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return {"interval_days": v.days, "seconds": v.seconds, "microseconds": v.microseconds}
    if isinstance(v, (uuid.UUID, bytes)):
        return str(v)
    return str(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--timezone", default="UTC")
    a = ap.parse_args()
    t1 = time.monotonic()
    con = duckdb.connect()
    con.execute(f"PRAGMA threads={a.threads}")
    if a.timezone:
        con.execute(f"SET TimeZone = '{a.timezone}'")
    settings = dict(con.execute(
        "SELECT name, value FROM duckdb_settings() WHERE name IN ('threads', 'TimeZone', 'memory_limit', "
        "'parquet_metadata_cache', 'enable_object_cache')").fetchall())
    out = sys.stdout
    out.write(json.dumps({"ready": True, "duckdb": duckdb.__version__, "import_ms": round((t1 - T0) * 1000, 1),
                          "connect_ms": round((time.monotonic() - t1) * 1000, 1), "settings": settings}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            t = time.monotonic()
            cur = con.execute(req["sql"])
            rows = cur.fetchall()
            ms = (time.monotonic() - t) * 1000
            ans = {"ms": round(ms, 3), "columns": [d[0] for d in cur.description],
                   "types": [str(d[1]) for d in cur.description]}
            if req.get("rows", True):
                ans["rows"] = [[cell(v) for v in r] for r in rows]
            else:
                ans["row_count"] = len(rows)
        except duckdb.Error as e:
            ans = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(ans, ensure_ascii=False) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
