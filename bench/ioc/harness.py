#!/usr/bin/env python3
"""Runs the `ioc` benchmark and prints the table. Called by bench/ioc/run.

The TTHC dashboard (giam-sat-tthc, crates/tinhso-ioc/dashboards/giam-sat-tthc.yaml) has
11 panels, each one SQL query over the dataset ho-so-tthc. The harness loads the
generated dossiers into a fresh tinhso data dir (`tinhso demo` seeds the province's
agencies and users, then `dataset create`, `ingest`: the ingest is timed and reported,
not compared), starts `tinhso serve`, and asks for each panel's data over HTTP
(GET /api/v1/dashboards/giam-sat-tthc/panels/{id}/data, an admin's API key). DuckDB
(bench/ioc/duckdb_panels.py, PyPI duckdb, PRAGMA threads=2) runs the same SQL — the
`sql` of tinhso's answer, with the table name ho_so_tthc replaced by a read_parquet()
of the Delta table's Parquet files — in a separate process. Three measures, tinhso
and DuckDB in turn:

- cold: tinhso just (re)started, the first request of each panel (with
  `Cache-Control: no-cache`); DuckDB a fresh process and connection, the first run of
  each query, in the same order. --cold-rounds rounds (3), the server restarted for each.
- warm, uncached: per panel, after a warm-up, --repeat (10) requests with
  `Cache-Control: no-cache`, each followed by the same query on a warm DuckDB connection.
- warm, cached: per panel, --cached-repeat (20) ordinary requests after a first one
  (what a dashboard user sees), against the same warm DuckDB figures.

HTTP timing: http.client on one keep-alive connection, from sending the request to the
last byte of the answer read (the JSON parsed after). DuckDB timing: execute() and
fetchall() inside the worker. For each panel the harness checks that DuckDB's rows equal
tinhso's (numbers within 1e-9, timestamps compared as instants, order as given unless the
two differ only in the order of rows) and reports every difference. Standard library only.
"""
import argparse
import datetime as dt
import http.client
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

SLUG = "ho-so-tthc"
TABLE = "ho_so_tthc"
DASH = "giam-sat-tthc"
MIB = 1024 * 1024


class Failed(Exception):
    pass


LIVE = []  # the servers and DuckDB workers running, stopped at the end whatever happens


def progress(msg):
    print(msg, file=sys.stderr, flush=True)


def tail(path, n=20):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").rstrip("\n").split("\n")
    except OSError:
        return "    (no log)"
    return "\n".join("    " + x for x in lines[-n:])


def clean_env():
    # Always SQLite in the benchmark's own data dir: drop the caller's TINHSO_* settings.
    return {k: v for k, v in os.environ.items() if not k.startswith("TINHSO_")}


def vm_hwm_mib(pid):
    """The peak resident set of a running process (VmHWM), MiB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


TICK = os.sysconf("SC_CLK_TCK")
CPU = {"tinhso": 0.0, "duckdb": 0.0}  # CPU seconds of the servers and DuckDB workers during the measurements


def proc_cpu(pid):
    """CPU seconds (user + system) a running process has used so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def machine_busy():
    """CPU seconds the whole machine has been busy (all but idle and iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / TICK


def self_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(cmd, out_path, err_path, env=None):
    """Runs cmd to completion (stdout and stderr to files); wall/user/sys seconds, peak RSS, exit code."""
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
    return {"wall_s": round(wall, 3), "user_s": round(ru.ru_utime, 3), "sys_s": round(ru.ru_stime, 3),
            "peak_rss_mib": round(ru.ru_maxrss / 1024, 1), "exit": os.waitstatus_to_exitcode(status)}


def last_json(path):
    with open(path, "rb") as f:
        lines = [x for x in f.read().decode("utf-8", "replace").split("\n") if x.strip()]
    for line in reversed(lines):
        try:
            return json.loads(line[line.index("{"):]) if "{" in line else None
        except ValueError:
            continue
    return None


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def pct(values, q):
    """Nearest-rank percentile (q in 0..100) of a list; None for an empty one."""
    v = sorted(x for x in values if x is not None)
    if not v:
        return None
    return v[max(0, math.ceil(q / 100 * len(v)) - 1)]


def p50(values):
    v = [x for x in values if x is not None]
    return statistics.median(v) if v else None


# --- the dashboard definition (for --duckdb-only and --sql-endpoint, and as a fallback) -----------------

def read_definition(path):
    """The few things the harness needs of the dashboard YAML: period_months and the panels' id, kind, sql.

    Not a YAML parser: it reads the layout of crates/tinhso-ioc/dashboards/*.yaml (`  - id:` items,
    `    sql: |` blocks indented by six spaces).
    """
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    months, panels, cur, i = 12, [], None, 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^period_months:\s*(\d+)", line)
        if m:
            months = int(m.group(1))
        m = re.match(r"^  - id:\s*(\S+)", line)
        if m:
            cur = {"id": m.group(1).strip("'\""), "kind": None, "sql": None}
            panels.append(cur)
        m = re.match(r"^    kind:\s*(\S+)", line)
        if m and cur is not None:
            cur["kind"] = m.group(1)
        if re.match(r"^    sql:\s*\|", line) and cur is not None:
            body = []
            i += 1
            while i < len(lines) and (lines[i].startswith("      ") or not lines[i].strip()):
                body.append(lines[i][6:])
                i += 1
            cur["sql"] = "\n".join(body).strip("\n") + "\n"
            continue
        i += 1
    if not panels or any(not p["sql"] for p in panels):
        raise Failed(f"could not read the panels and their sql from {path}")
    return {"period_months": months, "panels": panels}


def default_period(today, months):
    """The default period as tinhso computes it (crates/tinhso-ioc/src/params.rs, default_from): from the first
    day of the month months - 1 months before today's month, to today (Vietnam's date). Used when no server
    says it (--duckdb-only, --sql-endpoint)."""
    total = today.year * 12 + today.month - 1 - (months - 1)
    return dt.date(total // 12, total % 12 + 1, 1), today


def substitute(sql, frm, to):
    """The dashboard's parameters, no filter set: {{from}}, {{to}}, {{until}} as DATE literals."""
    out = re.sub(r"\{\{#(\w+)\}\}.*?\{\{/\1\}\}", "", sql, flags=re.S)
    until = to + dt.timedelta(days=1)
    out = out.replace("{{from}}", f"DATE '{frm}'").replace("{{to}}", f"DATE '{to}'").replace("{{until}}", f"DATE '{until}'")
    if "{{" in out:
        raise Failed(f"a parameter is left in the panel SQL after substitution: {out}")
    return out


# --- the Delta table's Parquet files ---------------------------------------------------------------------

def delta_files(table_dir):
    """(version, [Parquet paths]) of the Delta table's latest version, from its _delta_log JSON commits."""
    log = os.path.join(table_dir, "_delta_log")
    try:
        commits = sorted(f for f in os.listdir(log) if re.fullmatch(r"\d{20}\.json", f))
    except OSError:
        raise Failed(f"no Delta log at {log}")
    if any(f.endswith(".checkpoint.parquet") for f in os.listdir(log)):
        raise Failed(f"{log} has a checkpoint: the harness reads JSON commits only")
    live, version = {}, None
    for name in commits:
        version = int(name[:20])
        with open(os.path.join(log, name), encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                action = json.loads(line)
                if "add" in action:
                    a = action["add"]
                    if a.get("partitionValues"):
                        raise Failed(f"the table is partitioned ({a['partitionValues']}): not handled here")
                    if a.get("deletionVector"):
                        raise Failed("the table has deletion vectors: not handled here")
                    live[a["path"]] = a.get("size")
                elif "remove" in action:
                    live.pop(action["remove"]["path"], None)
    if not live:
        raise Failed(f"the Delta table at {table_dir} has no data files")
    return version, [os.path.join(table_dir, urllib.parse.unquote(p)) for p in sorted(live)]


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def duck_sql(sql, files):
    """The one textual change for DuckDB: the table name becomes a read_parquet() of the table's files."""
    source = "read_parquet([" + ", ".join(sql_str(f) for f in files) + "])"
    out, n = re.subn(rf"\b{TABLE}\b", lambda _: source, sql)
    if n == 0:
        raise Failed(f"the panel SQL does not name the table {TABLE}: {sql}")
    return out


# --- processes --------------------------------------------------------------------------------------------

class Server:
    """A child process that prints its address on stdout; its output goes to a log file."""

    def __init__(self, name, cmd, env, log, ready=re.compile(r"http://127\.0\.0\.1:(\d+)"), timeout=300):
        self.name, self.log = name, log
        self.out = open(log, "ab")
        t0 = time.monotonic()
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.out, env=env)
        LIVE.append(self)
        self.url = self.port = None
        found = threading.Event()

        def pump():  # copies stdout to the log, and notes the address
            for line in self.p.stdout:
                self.out.write(line)
                self.out.flush()
                m = ready.search(line.decode("utf-8", "replace"))
                if m and not found.is_set():
                    self.port = int(m.group(1))
                    self.url = f"http://127.0.0.1:{self.port}"
                    found.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not found.wait(0.05):
            if self.p.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise Failed(f"{name} did not start (exit {self.p.returncode}); see {log}:\n{tail(log)}")
        self.start_s = round(time.monotonic() - t0, 3)

    def rss_mib(self):
        return vm_hwm_mib(self.p.pid)

    def stop(self):
        if self in LIVE:
            LIVE.remove(self)
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(60)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode


class Client:
    """HTTP on one keep-alive connection; each call returns (status, body bytes, seconds)."""

    def __init__(self, url, token):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.token = u.hostname, u.port, token
        self.conn = None

    def connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=900)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def call(self, method, path, body=None, headers=None):
        h = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        h.update(headers or {})
        if body is not None:
            h["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.connect()
            try:
                t0 = time.perf_counter()
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                secs = time.perf_counter() - t0
            except (http.client.RemoteDisconnected, http.client.CannotSendRequest, ConnectionResetError,
                    BrokenPipeError):
                self.close()  # the server closed the idle connection: once more on a new one, timed afresh
                if attempt == 2:
                    raise
                continue
            if (r.getheader("Connection") or "").lower() == "close":
                self.close()
            return r.status, data, secs
        raise AssertionError("unreachable")

    def json(self, method, path, body=None, headers=None, expect=(200,)):
        status, data, secs = self.call(method, path, body, headers)
        text = data.decode("utf-8", "replace")
        if status not in expect:
            raise Failed(f"{method} {path} answered {status}: {text[:800]}")
        try:
            return json.loads(text), secs, len(data)
        except ValueError:
            raise Failed(f"{method} {path} answered {status} with something that is not JSON: {text[:300]}")


class Tinhso:
    def __init__(self, a, data_dir="ioc-data"):
        self.a = a
        self.data = os.path.join(a.work, data_dir)
        self.logs = os.path.join(a.work, "logs")
        self.log = os.path.join(self.logs, "ioc-tinhso-server.log")
        self.env = dict(clean_env(), TINHSO_DEMO_SKIP_WAREHOUSE="1", TINHSO_DEMO_PASSWORD="mat-khau-bench",
                        TINHSO_RATE_LIMIT_PER_MINUTE="100000000")
        self.server = self.client = None
        self.starts, self.rss = [], []

    def cli(self, *args, name):
        out, err = os.path.join(self.logs, f"ioc-tinhso-{name}.log"), os.path.join(self.logs, f"ioc-tinhso-{name}.err")
        m = measure([self.a.tinhso_bin, "--data-dir", self.data, *args], out, err, self.env)
        if m["exit"] != 0:
            raise Failed(f"`tinhso {' '.join(args)}` exited with {m['exit']}; see {err}:\n{tail(err)}\n{tail(out, 5)}")
        with open(out, encoding="utf-8", errors="replace") as f:
            m["stdout"] = f.read()
        m["log"] = out
        return m

    def key(self):
        # The system administrator may read every dataset (the dashboard's panels read ho-so-tthc).
        out = self.cli("apikey", "create", "--user", "admin", "--name", "bench-ioc", name="apikey")["stdout"]
        lines = [x.strip() for x in out.splitlines() if x.strip()]
        if not lines or not lines[-1].startswith("tsk_"):
            raise Failed(f"`tinhso apikey create --user admin` printed no tsk_ key: {out[-300:]}")
        return lines[-1]

    def seed_and_probe(self, sql_endpoint):
        """A fresh data dir with the demo province's agencies and users (`tinhso demo`, no demo datasets); while
        that server runs, checks that this tinhso answers the dashboard API. Returns the admin's API key."""
        shutil.rmtree(self.data, ignore_errors=True)
        os.makedirs(self.data)
        cmd = [self.a.tinhso_bin, "--data-dir", self.data, "demo", "--listen", "127.0.0.1:0"]
        s = Server("tinhso demo", cmd, self.env, os.path.join(self.logs, "ioc-tinhso-seed.log"))
        try:
            token = self.key()
            c = Client(s.url, token)
            if sql_endpoint:
                c.json("POST", "/api/v1/sql", json.dumps({"sql": "SELECT 1 AS one"}).encode())
            else:
                status, body, _ = c.call("GET", f"/api/v1/dashboards/{DASH}")
                if status != 200:
                    raise Failed(
                        f"this tinhso ({self.a.tinhso_bin}) has no dashboard API: GET /api/v1/dashboards/{DASH} "
                        f"answered {status} ({body[:200].decode('utf-8', 'replace')!r}). Build a tinhso with the "
                        f"dashboards (crates/tinhso-ioc, docs/dashboards.md), or run with --duckdb-only (DuckDB alone), "
                        f"or --sql-endpoint (the panel SQL through POST /api/v1/sql)")
            c.close()
        finally:
            s.stop()
        return token

    def create_and_ingest(self, csv_path):
        self.cli("dataset", "create", "--file", self.a.dataset, name="dataset-create")
        progress(f"ioc: tinhso ingest {SLUG} {csv_path} (not timed against anything; reported) ...")
        m = self.cli("ingest", SLUG, csv_path, "--no-progress", name="ingest")
        summary = last_json(m["log"])
        if not isinstance(summary, dict) or "rows_read" not in summary:
            raise Failed(f"`tinhso ingest` printed no JSON summary; see {m['log']}")
        m.pop("stdout")
        m["summary"] = {k: summary.get(k) for k in ("version", "rows_read", "rows_accepted", "rows_rejected", "quality")}
        return m

    def start(self):
        cmd = [self.a.tinhso_bin, "--data-dir", self.data, "serve", "--listen", "127.0.0.1:0"]
        self.server = Server("tinhso serve", cmd, self.env, self.log)
        self.starts.append(self.server.start_s)
        self.client = Client(self.server.url, self.token)
        self.client.connect()  # before the first timed request

    def stop(self):
        if self.server is not None:
            self.rss.append(self.server.rss_mib())
            CPU["tinhso"] += proc_cpu(self.server.p.pid)
            self.client.close()
            code = self.server.stop()
            self.server = None
            if code not in (0, -signal.SIGTERM, 128 + signal.SIGTERM):
                progress(f"  warning: tinhso serve exited with {code}; see {self.log}")

    def restart(self):
        self.stop()
        self.start()

    def panel(self, pid, no_cache):
        """One panel's data over HTTP: ms, the server's elapsed_ms, cached, sql, columns, types, rows."""
        h = {"Cache-Control": "no-cache"} if no_cache else {}
        path = f"/api/v1/dashboards/{DASH}/panels/{urllib.parse.quote(pid)}/data"
        j, secs, size = self.client.json("GET", path, headers=h)
        return {"ms": secs * 1000, "server_ms": j.get("elapsed_ms"), "cached": j.get("cached"), "sql": j.get("sql"),
                "columns": j.get("columns"), "types": j.get("types"), "rows": j.get("rows"), "bytes": size,
                "filters": j.get("filters"), "truncated": j.get("truncated")}

    def sql(self, text):
        """--sql-endpoint: the SQL through POST /api/v1/sql (no cache there)."""
        j, secs, size = self.client.json("POST", "/api/v1/sql", json.dumps({"sql": text}).encode())
        return {"ms": secs * 1000, "server_ms": j.get("elapsed_ms"), "cached": False, "sql": text,
                "columns": j.get("columns"), "types": j.get("types"), "rows": j.get("rows"), "bytes": size,
                "truncated": j.get("truncated")}


class Duck:
    """A DuckDB worker process (duckdb_panels.py) with one connection."""

    def __init__(self, a, log_name):
        self.log = os.path.join(a.work, "logs", log_name)
        self.err = open(self.log, "ab")
        cmd = [a.duckdb_python, os.path.join(a.here, "duckdb_panels.py"), "--threads", str(a.threads),
               "--timezone", a.duckdb_timezone]
        t0 = time.monotonic()
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err)
        LIVE.append(self)
        line = self.p.stdout.readline()
        try:
            self.ready = json.loads(line)
        except ValueError:
            self.close()
            raise Failed(f"the DuckDB worker did not start; see {self.log}:\n{tail(self.log)}")
        self.ready["start_ms"] = round((time.monotonic() - t0) * 1000, 1)

    def run(self, sql, rows=True):
        self.p.stdin.write((json.dumps({"sql": sql, "rows": rows}, ensure_ascii=False) + "\n").encode())
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise Failed(f"the DuckDB worker died; see {self.log}:\n{tail(self.log)}")
        return json.loads(line)

    def rss_mib(self):
        return vm_hwm_mib(self.p.pid)

    def stop(self):
        return self.close()

    def close(self):
        if self in LIVE:
            LIVE.remove(self)
        rss = self.rss_mib()
        CPU["duckdb"] += proc_cpu(self.p.pid)
        if self.p.poll() is None:
            self.p.stdin.close()
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return rss


# --- comparing the rows -----------------------------------------------------------------------------------

TS = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)$")


def norm(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, dict) and "interval_days" in v:  # a DuckDB INTERVAL; compared by its days
        return float(v["interval_days"]) + v.get("seconds", 0) / 86400
    if isinstance(v, str) and TS.match(v):
        try:
            t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
            return t.astimezone(dt.timezone.utc).isoformat()
        except ValueError:
            return v
    return v


def cell_eq(a, b):
    x, y = norm(a), norm(b)
    if isinstance(x, float) and isinstance(y, float):
        return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))
    return x == y


def row_key(r):
    return json.dumps([(round(v, 6) if isinstance(v, float) else v) for v in map(norm, r)], ensure_ascii=False)


def compare(t, d):
    """tinhso's answer t against DuckDB's d: {"status": "equal" | "equal, other order" | "DIFFERENT", "notes"}."""
    notes = []
    if [c.lower() for c in (t["columns"] or [])] != [c.lower() for c in d["columns"]]:
        notes.append(f"columns differ: tinhso {t['columns']}, DuckDB {d['columns']}")
    tr, dr = t["rows"] or [], d["rows"]
    kinds = set()
    for a_row, b_row in zip(tr, dr):
        for a, b in zip(a_row, b_row):
            if isinstance(b, dict) and not isinstance(a, dict):
                kinds.add("DuckDB answers an INTERVAL where tinhso answers a number (compared as days)")
    notes += sorted(kinds)
    if t.get("truncated"):
        notes.append("tinhso's answer is truncated")
    same_len = len(tr) == len(dr)
    if same_len and all(len(x) == len(y) and all(map(cell_eq, x, y)) for x, y in zip(tr, dr)):
        status = "equal"
    elif same_len and sorted(map(row_key, tr)) == sorted(map(row_key, dr)):
        status = "equal, other order"
        notes.append("the same rows in another order (ties in ORDER BY)")
    else:
        status = "DIFFERENT"
        if not same_len:
            notes.append(f"tinhso {len(tr)} rows, DuckDB {len(dr)}")
        for i, (x, y) in enumerate(zip(tr, dr)):
            if not (len(x) == len(y) and all(map(cell_eq, x, y))):
                notes.append(f"first difference at row {i + 1}: tinhso {x}, DuckDB {y}")
                break
    return {"status": status, "notes": notes}


ARROW_OF_DUCK = {"BIGINT": "Int64", "INTEGER": "Int32", "SMALLINT": "Int16", "DOUBLE": "Float64", "FLOAT": "Float32",
                 "VARCHAR": "Utf8", "DATE": "Date32", "BOOLEAN": "Boolean", "HUGEINT": "Int128 (HUGEINT)"}


def type_notes(t_types, d_types, columns):
    if not t_types:
        return []
    out = []
    for c, tt, dd in zip(columns, t_types, d_types):
        mapped = ARROW_OF_DUCK.get(dd, dd)
        tt_base = {"utf8view": "utf8", "largeutf8": "utf8"}.get(str(tt).split("(")[0].lower(), str(tt).split("(")[0].lower())
        if tt_base not in (mapped.split(" ")[0].lower(), str(dd).lower()):
            out.append(f"{c}: DataFusion {tt}, DuckDB {dd}")
    return out


# --- the run ----------------------------------------------------------------------------------------------

def stats(values):
    return {"p50": r3(p50(values)), "p95": r3(pct(values, 95)), "min": r3(min(values)) if values else None,
            "max": r3(max(values)) if values else None, "n": len(values), "raw": [r3(v) for v in values]}


def r3(v):
    return None if v is None else round(v, 3)


def ratio(a, b):
    return None if a is None or not b else a / b


def verdict(v, target):
    return "-" if v is None else ("PASS" if v <= target else "SHORT")


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def machine():
    model = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": model,
            "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "kernel": platform.release(), "python": platform.python_version(),
            "load_avg_before": [round(x, 2) for x in os.getloadavg()]}


def duckdb_parquet(a, csv_path, meta):
    """--duckdb-only without a kept tinhso table: DuckDB writes the CSV as Parquet with tinhso's column types
    (datetimes as UTC timestamps from Vietnam's local time, dd/mm/yyyy dates, Có/Không booleans)."""
    out = os.path.join(a.work, "ioc-duckdb", "ho-so-tthc.parquet")
    stamp = {"csv": os.path.basename(csv_path), "csv_bytes": meta["bytes"], "today": meta["today"], "v": 1}
    try:
        with open(out + ".meta.json") as f:
            if json.load(f) == stamp and os.path.exists(out):
                return out
    except (OSError, ValueError):
        pass
    os.makedirs(os.path.dirname(out), exist_ok=True)
    progress(f"ioc: DuckDB writes {out} from the CSV (tinhso's types; no tinhso table to read) ...")
    script = f"""
import duckdb
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
b = lambda c: f"CASE {{c}} WHEN 'Có' THEN true WHEN 'Không' THEN false END AS {{c}}"
ts = lambda c: f"strptime({{c}} || ' +0700', '%d/%m/%Y %H:%M:%S %z') AS {{c}}"
con.execute(f'''COPY (SELECT ma_ho_so, ma_thu_tuc, ten_thu_tuc, linh_vuc, co_quan, xa, {{ts("ngay_tiep_nhan")}},
  strptime(han_xu_ly, '%d/%m/%Y')::DATE AS han_xu_ly, {{ts("ngay_tra_ket_qua")}}, {{b("truc_tuyen")}}, trang_thai,
  {{b("dung_han")}}, xa AS xa__goc
  FROM read_csv({sql_str(csv_path)}, all_varchar = true, header = true))
  TO {sql_str(out + '.tmp')} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 1048576)''')
"""
    p = subprocess.run([a.duckdb_python, "-c", script], capture_output=True, text=True)
    if p.returncode != 0:
        raise Failed(f"DuckDB could not write the Parquet file: {p.stderr[-800:]}")
    os.replace(out + ".tmp", out)
    with open(out + ".meta.json", "w") as f:
        json.dump(stamp, f)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tinhso-bin")
    ap.add_argument("--duckdb-python", required=True)
    ap.add_argument("--csv")
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--dashboard", required=True, help="the dashboard's YAML (for --duckdb-only, --sql-endpoint)")
    ap.add_argument("--work", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--cold-rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=10, help="warm, uncached runs per panel")
    ap.add_argument("--cached-repeat", type=int, default=20, help="warm, cached requests per panel")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2, help="DuckDB's PRAGMA threads")
    ap.add_argument("--duckdb-timezone", default="UTC")
    ap.add_argument("--target", type=float, default=1.5)
    ap.add_argument("--sql-endpoint", action="store_true",
                    help="tinhso through POST /api/v1/sql with the SQL the harness substitutes, not the panel API")
    ap.add_argument("--probe", action="store_true", help="only check that the binary answers the dashboard API")
    ap.add_argument("--reuse", action="store_true", help="reuse bench/out/ioc-data from a --keep run of the same CSV")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    a.here = os.path.dirname(os.path.abspath(__file__))
    a.keep = a.keep or a.reuse  # a reused data dir stays for the next run
    os.makedirs(os.path.join(a.work, "logs"), exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # through the finally below: no server left running
    try:
        return run(a)
    except Failed as e:
        print(f"bench ioc: {e}", file=sys.stderr)
        return 1
    finally:
        for x in list(LIVE):
            x.stop()


def run(a):
    tin = Tinhso(a, "ioc-probe" if a.probe else "ioc-data") if a.tinhso_bin else None
    marker = os.path.join(a.work, "ioc-data", "bench-ioc.json")
    if a.probe:
        progress(f"ioc: checking that {a.tinhso_bin} answers "
                 + ("POST /api/v1/sql" if a.sql_endpoint else f"GET /api/v1/dashboards/{DASH}") + " ...")
        tin.seed_and_probe(a.sql_endpoint)
        shutil.rmtree(tin.data, ignore_errors=True)
        return 0

    with open(a.csv + ".meta.json", encoding="utf-8") as f:
        meta = json.load(f)
    rows = meta["rows"]
    git = lambda *args: subprocess.run(["git", "-C", a.here, *args], capture_output=True, text=True).stdout.strip()  # noqa: E731
    res = {
        "benchmark": "ioc",
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "git_commit": git("rev-parse", "--short", "HEAD") or None,
        "crates_modified": bool(git("status", "--porcelain", "--", os.path.join(a.here, "..", "..", "crates"))),
        "tinhso_bin": a.tinhso_bin,
        "tinhso_endpoint": None if not tin else ("POST /api/v1/sql" if a.sql_endpoint
                                                 else f"GET /api/v1/dashboards/{DASH}/panels/{{id}}/data"),
        "method": (f"cold: {a.cold_rounds} rounds, tinhso restarted before each, the first request of each panel "
                   "(Cache-Control: no-cache), then a fresh DuckDB process running each query once in the same order; "
                   f"warm, uncached: per panel {a.warmup} warm-up then {a.repeat} x (tinhso no-cache request, DuckDB "
                   f"run on a warm connection); warm, cached: per panel {a.cached_repeat} ordinary requests after a "
                   "first one; HTTP timed from the request sent to the answer read (keep-alive, http.client); DuckDB "
                   "timed around execute()+fetchall() in its process; p50 = median, p95 = nearest rank; ratio = "
                   "tinhso p50 / DuckDB p50 per panel; overall = median of the panel ratios, and sum of tinhso p50s / "
                   "sum of DuckDB p50s"),
        "targets": {"ratio_max": a.target},
        "csv": {"path": a.csv, **{k: meta.get(k) for k in ("rows", "bytes", "today", "first_day", "last_day", "seed",
                                                           "generator_version", "by_status", "seconds")}},
        "settings": {"cold_rounds": a.cold_rounds, "repeat": a.repeat, "cached_repeat": a.cached_repeat,
                     "warmup": a.warmup, "duckdb_threads": a.threads, "duckdb_timezone": a.duckdb_timezone},
    }
    stamp = {"csv": os.path.abspath(a.csv), "bytes": meta["bytes"], "rows": rows, "today": meta["today"],
             "generator_version": meta["generator_version"]}
    definition = read_definition(a.dashboard)
    notes = []

    # 1. tinhso: data dir, dataset, ingest, key, server.
    table_dir = os.path.join(a.work, "ioc-data", "warehouse", SLUG)
    if tin:
        reused = False
        if a.reuse:
            try:
                with open(marker) as f:
                    old = json.load(f)
                reused = {k: old.get(k) for k in stamp} == stamp and os.path.isdir(table_dir)
            except (OSError, ValueError):
                pass
            if reused:
                tin.token = old["token"]
                res["ingest"] = old.get("ingest")
                progress(f"ioc: reusing {tin.data} (made from this CSV by a --keep run with {old.get('tinhso_bin')}); "
                         "no ingest")
                notes.append(f"--reuse: the data dir was made by {old.get('tinhso_bin')}; the ingest figures are that run's")
            else:
                progress("ioc: --reuse: no data dir made from this CSV by a --keep run; making one")
        if not reused:
            progress(f"ioc: seeding a fresh tinhso data dir {tin.data} (agencies, users) ...")
            tin.token = tin.seed_and_probe(a.sql_endpoint)
            m = tin.create_and_ingest(a.csv)
            m["rows_per_s"] = round(rows / m["wall_s"])
            res["ingest"] = m
            s = m["summary"]
            progress(f"  ingest: {m['wall_s']:.1f} s, {m['rows_per_s']:,} rows/s, peak RSS {m['peak_rss_mib']:,.0f} MiB; "
                     f"read {s['rows_read']:,}, accepted {s['rows_accepted']:,}, rejected {s['rows_rejected']:,}")
            if s["rows_rejected"]:
                notes.append(f"tinhso rejected {s['rows_rejected']:,} rows of the generated CSV (see the rejects)")
            with open(marker, "w") as f:
                json.dump({**stamp, "tinhso_bin": a.tinhso_bin, "token": tin.token, "ingest": m}, f, indent=1)
        res["data_dir_bytes"] = du(tin.data)
    elif os.path.exists(marker) and os.path.isdir(table_dir):
        with open(marker) as f:
            old = json.load(f)
        if {k: old.get(k) for k in stamp} != stamp:
            table_dir = None
        else:
            progress(f"ioc: --duckdb-only: reading the Delta table a --keep run left in {table_dir}")
    else:
        table_dir = None

    if table_dir:
        version, files = delta_files(table_dir)
        res["parquet"] = {"source": "tinhso's Delta table", "table": table_dir, "version": version, "files": len(files),
                          "bytes": sum(os.path.getsize(f) for f in files)}
    else:
        files = [duckdb_parquet(a, a.csv, meta)]
        version = None
        res["parquet"] = {"source": "written by DuckDB from the CSV (--duckdb-only, no tinhso table)",
                          "files": 1, "bytes": os.path.getsize(files[0])}
        notes.append("DuckDB read a Parquet file it wrote itself, not tinhso's table: its layout differs")

    # 2. The panels and their SQL.
    panels = [{"id": p["id"], "kind": p["kind"], "yaml_sql": p["sql"]} for p in definition["panels"]]
    today = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=7)).date()
    frm, to = default_period(today, definition["period_months"])
    if tin:
        tin.start()
        progress(f"ioc: tinhso serve on {tin.server.url} (started in {tin.server.start_s:.2f} s)")
        if not a.sql_endpoint:
            d, _, _ = tin.client.json("GET", f"/api/v1/dashboards/{DASH}")
            served = d.get("panels") or []
            ids = [p.get("id") for p in served]
            if ids != [p["id"] for p in panels]:
                notes.append(f"the served dashboard's panels {ids} differ from the YAML's; measuring the served ones")
                panels = [{"id": p.get("id"), "kind": p.get("kind"), "yaml_sql": p.get("sql")} for p in served]
            for p, sp in zip(panels, served):
                p["served_sql"] = sp.get("sql")
    for p in panels:
        p["sql"] = substitute(p["yaml_sql"], frm, to)  # replaced by tinhso's own `sql` when its answer has one
    res["period_guess"] = {"from": str(frm), "to": str(to)}

    # Facts about the Parquet files, from DuckDB (not timed).
    w = Duck(a, "ioc-duckdb-meta.log")
    src = "[" + ", ".join(sql_str(f) for f in files) + "]"
    info = w.run(f"SELECT count(DISTINCT (file_name, row_group_id)) FROM parquet_metadata({src})")
    cnt = w.run(f"SELECT count(*) FROM read_parquet({src})")
    res["duckdb"] = {"version": w.ready["duckdb"], "settings": w.ready["settings"]}
    w.close()
    if "error" not in info:
        res["parquet"]["row_groups"] = info["rows"][0][0]
    res["parquet"]["rows"] = cnt["rows"][0][0] if "error" not in cnt else None
    pq = res["parquet"]
    progress(f"ioc: Parquet: {pq['files']} file(s), {pq.get('row_groups')} row groups, {pq['rows']:,} rows, "
             f"{pq['bytes'] / 1e6:,.1f} MB ({pq['source']})")
    if pq["rows"] != rows:
        notes.append(f"the Parquet files hold {pq['rows']:,} rows, the CSV {rows:,}")

    def set_sql(p, answer):
        """The SQL tinhso ran for the panel (its answer's `sql`), and DuckDB's version of it."""
        if answer.get("sql"):
            if p.get("tinhso_sql") and p["tinhso_sql"] != answer["sql"]:
                p.setdefault("sql_changed", 0)
                p["sql_changed"] += 1
            p["tinhso_sql"] = answer["sql"]
            p["sql"] = answer["sql"]
        elif tin and not a.sql_endpoint and not p.get("sql_note"):
            f = answer.get("filters") or {}
            try:
                p["sql"] = substitute(p.get("served_sql") or p["yaml_sql"], dt.date.fromisoformat(f["from"]),
                                      dt.date.fromisoformat(f["to"]))
                p["sql_note"] = "tinhso's answer has no `sql`: the harness substituted the answer's filters itself"
            except (KeyError, TypeError, ValueError):
                p["sql_note"] = "tinhso's answer has no `sql` nor filters: the harness used its own period guess"
        p["duck_sql"] = duck_sql(p["sql"], files)

    def tinhso_req(p, no_cache):
        ans = tin.sql(p["sql"]) if a.sql_endpoint else tin.panel(p["id"], no_cache)
        set_sql(p, ans)
        return ans

    if not tin:
        for p in panels:
            set_sql(p, {})
    for p in panels:
        p.update({"cold_t": [], "cold_d": [], "warm_t": [], "warm_d": [], "cached_t": [], "cold_t_server": [],
                  "warm_t_server": [], "cached_flags": [], "nocache_cached_flags": []})

    # 3. Cold rounds. From here on, the CPU time of every process is accounted: what neither engine nor the
    # harness used was used by other processes, which slows both engines.
    CPU["tinhso"] = -proc_cpu(tin.server.p.pid) if tin else 0.0
    CPU["duckdb"] = 0.0
    cpu0, self0, wall0 = machine_busy(), self_cpu(), time.monotonic()
    n = len(panels)
    progress(f"ioc: cold — {a.cold_rounds} rounds: "
             + ("tinhso restarted, each panel's first request; then " if tin else "")
             + "a fresh DuckDB process, each query once")
    cold_duck_start = []
    for r in range(a.cold_rounds):
        if tin:
            if r > 0:
                tin.restart()
            t_line = []
            for p in panels:
                ans = tinhso_req(p, True)
                p["cold_t"].append(ans["ms"])
                p["cold_t_server"].append(ans["server_ms"])
                p["nocache_cached_flags"].append(ans["cached"])
                if r == 0:
                    p["tinhso_answer"] = ans
                t_line.append(ans["ms"])
            progress(f"  round {r + 1} tinhso (started in {tin.server.start_s:.2f} s)  "
                     + " ".join(f"{x:,.0f}" for x in t_line) + f"  ms; total {sum(t_line):,.0f} ms")
        w = Duck(a, "ioc-duckdb-cold.log")
        cold_duck_start.append(w.ready["start_ms"])
        d_line = []
        for p in panels:
            ans = w.run(p["duck_sql"], rows=False)
            if "error" in ans:
                p["duck_error"] = ans["error"]
                d_line.append(None)
                continue
            p["cold_d"].append(ans["ms"])
            d_line.append(ans["ms"])
        w.close()
        progress(f"  round {r + 1} DuckDB (process up in {cold_duck_start[-1]:.0f} ms)  "
                 + " ".join("err" if x is None else f"{x:,.0f}" for x in d_line)
                 + f"  ms; total {sum(x for x in d_line if x):,.0f} ms")

    # 4. Warm, uncached, alternating; the rows checked.
    progress(f"ioc: warm, uncached — per panel {a.warmup} warm-up + {a.repeat} runs, "
             + ("tinhso (no-cache) and DuckDB in turn" if tin else "DuckDB"))
    w = Duck(a, "ioc-duckdb-warm.log")
    for p in panels:
        first = w.run(p["duck_sql"], rows=True)
        if "error" in first:
            p["duck_error"] = first["error"]
            progress(f"  {p['id']:<18} DuckDB error: {first['error'][:300]}")
            for _ in range(a.warmup + a.repeat):
                if tin:
                    ans = tinhso_req(p, True)
            continue
        p["duck_answer"] = first  # DuckDB's first warm-up run, with the rows to check
        for i in range(a.warmup + a.repeat):
            counted = i >= a.warmup
            if tin:
                ans = tinhso_req(p, True)
                if counted:
                    p["warm_t"].append(ans["ms"])
                    p["warm_t_server"].append(ans["server_ms"])
                    p["nocache_cached_flags"].append(ans["cached"])
            d = w.run(p["duck_sql"], rows=False)
            if counted:
                p["warm_d"].append(d["ms"])
        if tin:
            p["check"] = compare(p["tinhso_answer"], first)
            p["check"]["notes"] += type_notes(p["tinhso_answer"].get("types"), first["types"], first["columns"])
        t50 = p50(p["warm_t"])
        progress(f"  {p['id']:<18} " + (f"tinhso p50 {t50:9,.1f} ms  " if tin else "")
                 + f"DuckDB p50 {p50(p['warm_d']):9,.1f} ms"
                 + (f"  rows {p['check']['status']}" if tin else ""))
    res["duckdb"]["warm_peak_rss_mib"] = w.close()

    # 5. Warm, cached (tinhso only: the panel result cache).
    if tin and not a.sql_endpoint:
        progress(f"ioc: warm, cached — per panel 1 + {a.cached_repeat} ordinary requests")
        for p in panels:
            ans = tinhso_req(p, False)
            p["cached_first"] = ans["cached"]
            for _ in range(a.cached_repeat):
                ans = tinhso_req(p, False)
                p["cached_t"].append(ans["ms"])
                p["cached_flags"].append(ans["cached"])
            p["cached_rows_same"] = compare(p["tinhso_answer"], {"columns": ans["columns"], "rows": ans["rows"]})["status"]
    if tin:
        tin.stop()
        res["tinhso_server"] = {"starts_s": tin.starts, "peak_rss_mib_each_run": tin.rss,
                                "peak_rss_mib": max((x for x in tin.rss if x is not None), default=None)}
    res["duckdb"]["cold_process_start_ms"] = cold_duck_start
    res["machine"]["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
    secs = time.monotonic() - wall0
    busy, harness_cpu = machine_busy() - cpu0, self_cpu() - self0
    res["machine"]["cores_used_during_measurements"] = {
        "seconds": round(secs, 1), "tinhso": round(CPU["tinhso"] / secs, 2), "duckdb": round(CPU["duckdb"] / secs, 2),
        "harness": round(harness_cpu / secs, 2),
        "other": round(max(busy - CPU["tinhso"] - CPU["duckdb"] - harness_cpu, 0.0) / secs, 2)}

    # 6. The figures.
    out_panels, measures = [], {"cold": [], "warm": [], "cached": []}
    for p in panels:
        e = {"id": p["id"], "kind": p["kind"], "sql": p.get("sql"), "duckdb_sql": p.get("duck_sql"),
             "duckdb_error": p.get("duck_error")}
        if p.get("sql_note"):
            e["sql_note"] = p["sql_note"]
        if p.get("sql_changed"):
            e["sql_changed_between_requests"] = p["sql_changed"]
        e["cold"] = {"duckdb_ms": stats(p["cold_d"])}
        e["warm"] = {"duckdb_ms": stats(p["warm_d"])}
        if tin:
            ta = p["tinhso_answer"]
            e["columns"], e["tinhso_types"] = ta.get("columns"), ta.get("types")
            e["rows"], e["answer_bytes"] = len(ta.get("rows") or []), ta.get("bytes")
            e["check"] = p.get("check") or {"status": "not compared (DuckDB error)", "notes": []}
            e["duckdb_types"] = (p.get("duck_answer") or {}).get("types")
            e["tinhso_rows_sample"] = (ta.get("rows") or [])[:3]
            e["cold"]["tinhso_ms"] = stats(p["cold_t"])
            e["cold"]["tinhso_server_elapsed_ms"] = p["cold_t_server"]
            e["warm"]["tinhso_ms"] = stats(p["warm_t"])
            e["warm"]["tinhso_server_elapsed_ms_p50"] = p50([x for x in p["warm_t_server"] if isinstance(x, (int, float))])
            e["no_cache_answers_marked_cached"] = sum(1 for x in p["nocache_cached_flags"] if x)
            for k, key in (("cold", "cold"), ("warm", "warm")):
                e[k]["ratio"] = r3(ratio(e[k]["tinhso_ms"]["p50"], e[k]["duckdb_ms"]["p50"]))
                measures[key].append((e[k]["tinhso_ms"]["p50"], e[k]["duckdb_ms"]["p50"]))
            if p["cached_t"]:
                e["cached"] = {"tinhso_ms": stats(p["cached_t"]), "first_request_cached": p.get("cached_first"),
                               "answers_cached": sum(1 for x in p["cached_flags"] if x),
                               "rows_same_as_uncached": p.get("cached_rows_same")}
                e["cached"]["ratio"] = round(ratio(e["cached"]["tinhso_ms"]["p50"], e["warm"]["duckdb_ms"]["p50"]) or 0, 5)
                measures["cached"].append((e["cached"]["tinhso_ms"]["p50"], e["warm"]["duckdb_ms"]["p50"]))
        out_panels.append(e)
    res["panels"] = out_panels
    summary = {}
    for k, pairs in measures.items():
        pairs = [(t, d) for t, d in pairs if t is not None and d]
        if not pairs:
            continue
        med = statistics.median(t / d for t, d in pairs)
        tot = sum(t for t, _ in pairs) / sum(d for _, d in pairs)
        summary[k] = {"median_ratio": round(med, 5), "sum_ratio": round(tot, 5), "tinhso_sum_p50_ms": r3(sum(t for t, _ in pairs)),
                      "duckdb_sum_p50_ms": r3(sum(d for _, d in pairs)), "panels": len(pairs),
                      "verdict_median": verdict(med, a.target), "verdict_sum": verdict(tot, a.target)}
    res["summary"] = summary
    res["notes"] = notes
    if not tin:
        summary["duckdb_only"] = {k: r3(sum(p50(p[f"{k}_d"]) or 0 for p in panels)) for k in ("cold", "warm")}

    # 7. The table.
    def f(v, w=8, d=1):
        return f"{'-':>{w}}" if v is None else f"{v:>{w},.{d}f}"

    dname = f"DuckDB {res['duckdb']['version']}"
    lines = ["", f"ioc — dashboard {DASH}: {len(panels)} panel queries over {SLUG}, {rows:,} rows "
                 f"({pq['files']} Parquet file(s), {pq.get('row_groups')} row groups, {pq['bytes'] / 1e6:,.0f} MB); "
                 + (f"tinhso over HTTP ({res['tinhso_endpoint']}) vs " if tin else "")
                 + f"{dname} (threads={a.threads}, TimeZone={a.duckdb_timezone}) on the same Parquet; ms",
             f"cold = first run after a (re)start, p50 of {plural(a.cold_rounds, 'round')}; warm = no cache, p50 (p95) "
             f"of {plural(a.repeat, 'run')}; "
             + (f"cached = ordinary requests, p50 (p95) of {a.cached_repeat}; " if tin and not a.sql_endpoint else "")
             + "ratio = tinhso p50 / DuckDB p50",
             ""]
    if tin:
        hdr = (f"{'panel':<18} {'rows':>4} | {'cold tinhso':>11} {'DuckDB':>8} {'ratio':>6} | "
               f"{'warm tinhso':>19} {'DuckDB':>17} {'ratio':>6} | {'cached tinhso':>17} {'ratio':>6} | rows check")
        lines += [hdr, "-" * len(hdr)]
        for e in out_panels:
            c, wm = e["cold"], e["warm"]
            ca = e.get("cached")
            lines.append(
                f"{e['id']:<18} {e['rows']:>4} | {f(c['tinhso_ms']['p50'], 11)} {f(c['duckdb_ms']['p50'])} "
                f"{f(c['ratio'], 6, 2)} | {f(wm['tinhso_ms']['p50'], 9)} ({f(wm['tinhso_ms']['p95'], 7)}) "
                f"{f(wm['duckdb_ms']['p50'], 8)} ({f(wm['duckdb_ms']['p95'], 6)}) {f(wm['ratio'], 6, 2)} | "
                + (f"{f(ca['tinhso_ms']['p50'], 7, 2)} ({f(ca['tinhso_ms']['p95'], 7, 2)}) {f(ca['ratio'], 6, 3)}"
                   if ca else f"{'-':>17} {'-':>6}")
                + f" | {e['check']['status']}")
        lines.append("")
        for k, label in (("cold", "cold"), ("warm", "warm, no cache"), ("cached", "warm, cached")):
            s = summary.get(k)
            if not s:
                continue
            rf = (lambda v: f"{v:6.2f}") if k != "cached" else (lambda v: f"{v:6.4f}")
            lines.append(f"{label:<15} median of panel ratios {rf(s['median_ratio'])} {s['verdict_median']:<5}  "
                         f"sum of p50s {s['tinhso_sum_p50_ms']:>10,.1f} / {s['duckdb_sum_p50_ms']:>9,.1f} ms = "
                         f"{rf(s['sum_ratio'])} {s['verdict_sum']:<5}  target ≤ {a.target:g}")
        ing = res.get("ingest") or {}
        srv = res["tinhso_server"]
        lines.append("")
        if ing:
            s = ing["summary"]
            lines.append(f"setup: ingest of {rows:,} rows {ing['wall_s']:,.1f} s ({ing['rows_per_s']:,} rows/s, peak RSS "
                         f"{ing['peak_rss_mib']:,.0f} MiB; accepted {s['rows_accepted']:,}, rejected {s['rows_rejected']:,})"
                         f"; CSV {meta['bytes'] / 1e6:,.0f} MB generated in {meta.get('seconds')} s")
        lines.append(f"tinhso serve: started in {', '.join(f'{x:.2f}' for x in srv['starts_s'])} s; peak RSS (VmHWM) "
                     f"{srv['peak_rss_mib']} MiB; DuckDB warm worker peak RSS {res['duckdb']['warm_peak_rss_mib']} MiB")
        if not a.sql_endpoint:
            marked = sum(e["no_cache_answers_marked_cached"] for e in out_panels)
            if marked:
                lines.append(f"WARNING: {marked} answers to Cache-Control: no-cache requests said cached: true — "
                             "the cold and warm tinhso figures include cache hits")
            notcached = [e["id"] for e in out_panels if e.get("cached") and e["cached"]["answers_cached"] < a.cached_repeat]
            if notcached:
                lines.append("note: some ordinary requests were not answered from the cache: " + ", ".join(
                    f"{e['id']} {e['cached']['answers_cached']}/{a.cached_repeat}" for e in out_panels
                    if e["id"] in notcached))
        else:
            lines.append("tinhso measured through POST /api/v1/sql (--sql-endpoint): no panel cache, no cached measure")
    else:
        hdr = f"{'panel':<18} | {'cold DuckDB':>11} {'(max)':>8} | {'warm DuckDB':>11} {'(p95)':>8}"
        lines += [hdr, "-" * len(hdr)]
        for e in out_panels:
            c, wm = e["cold"]["duckdb_ms"], e["warm"]["duckdb_ms"]
            lines.append(f"{e['id']:<18} | {f(c['p50'], 11)} {f(c['max'])} | {f(wm['p50'], 11)} {f(wm['p95'])}")
        s = summary["duckdb_only"]
        lines += ["", f"sum of p50s: cold {s['cold']:,.1f} ms, warm {s['warm']:,.1f} ms",
                  "tinhso not run (--duckdb-only): no ratio; the SQL is the YAML's with the default period "
                  f"{frm} .. {to} substituted by the harness"]
    bad = [e for e in out_panels if tin and e["check"]["status"] not in ("equal", "equal, other order")]
    errs = [e for e in out_panels if e.get("duckdb_error")]
    lines.append("")
    lines.append(f"DuckDB ran each panel's SQL{' as tinhso answered it' if tin and not a.sql_endpoint else ''}, with one "
                 f"textual change: {TABLE} -> read_parquet([{pq['files']} file(s) of "
                 + (f"the Delta table's version {version}" if version is not None else "its own Parquet") + "])"
                 f", and the session TimeZone set to {a.duckdb_timezone}")
    for e in out_panels:
        for nt in (e.get("check") or {}).get("notes", []):
            lines.append(f"  {e['id']}: {nt}")
        if e.get("sql_note"):
            lines.append(f"  {e['id']}: {e['sql_note']}")
    for e in errs:
        lines.append(f"  {e['id']}: DuckDB could not run it: {e['duckdb_error'][:400]}")
    if bad:
        lines.append(f"ROWS DIFFER for {len(bad)} panel(s): " + ", ".join(e["id"] for e in bad))
    for nt in notes:
        lines.append(f"note: {nt}")
    cu = res["machine"]["cores_used_during_measurements"]
    lines.append(f"machine: {res['machine']['cores']} cores ({res['machine']['cpu']}), {res['machine']['mem_gib']} GiB; "
                 f"cores used on average over the {cu['seconds']:,.0f} s of measurements: tinhso {cu['tinhso']:.2f}, "
                 f"DuckDB {cu['duckdb']:.2f}, harness {cu['harness']:.2f}, other processes {cu['other']:.2f}"
                 + (" — the machine was shared, the figures are slow and noisy" if cu["other"] > 0.2 else ""))
    if tin and res.get("crates_modified"):
        lines.append("note: crates/ has uncommitted changes: the binary may not match the commit")

    with open(a.results, "w", encoding="utf-8") as fh:
        json.dump(res, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    lines += ["", f"results: {a.results}"]
    print("\n".join(lines))
    if tin and not a.keep:
        shutil.rmtree(tin.data, ignore_errors=True)
    return 1 if errs or bad else 0


if __name__ == "__main__":
    sys.exit(main())
