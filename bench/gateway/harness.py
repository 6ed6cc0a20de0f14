#!/usr/bin/env python3
"""Runs the `gateway` benchmark and prints the table. Called by bench/gateway/run.

One tinhso server (`tinhso demo` on a fresh data dir, SQLite) and one baseline
server (bench/gateway/baseline: the same rows in a HashMap behind a bare axum
handler) listen on loopback. The harness sets tinhso up over HTTP as a province
would: the health department (SYT) defines `benh-nhan` and uploads the rows, the
DX office registers a system of the education department (SGDDT) and gives it a
key, the system asks for six columns, SYT approves. Then `wrk` reads random rows
by key from each server in turn, baseline then tinhso, for --rounds rounds after a
warm-up of each, with the same key sequence (bench/gateway/keys.lua). The ratio
is tinhso's req/s over the baseline's, taken round by round; medians are quoted.
Then, without targets: both over one connection, tinhso's /access (the same key
and grant work, no audit entry) and its list endpoint. Each wrk run records the
cores used by tinhso, the baseline, wrk and every other process (from /proc), so
a run disturbed by other work shows as such. At the end tinhso is stopped,
`tinhso audit verify` checks the hash chain, and the audit entries are counted by
action and compared with the requests wrk saw answered. Standard library only.
"""
import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

SLUG = "benh-nhan"
GRANTED = ["ma", "ho_ten", "cccd", "ngay_sinh", "dien_thoai", "ma_xa"]
PURPOSE = "Đo hiệu năng cổng chia sẻ dữ liệu"
FIRST_KEY = "BN0000001"


class Failed(Exception):
    pass


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


class Server:
    """A child process that prints its address on stdout; its output goes to a log file."""

    def __init__(self, name, cmd, env, log, ready, timeout=180):
        self.name, self.log = name, log
        self.out = open(log, "wb")
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.out, env=env)
        self.url = None
        found = threading.Event()

        def pump():  # copies stdout to the log, and notes the address
            for line in self.p.stdout:
                self.out.write(line)
                self.out.flush()
                m = ready.search(line.decode("utf-8", "replace"))
                if m and not found.is_set():
                    self.url = f"http://127.0.0.1:{m.group(1)}"
                    found.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not found.wait(0.2):
            if self.p.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise Failed(f"{name} did not start (exit {self.p.returncode}); see {log}:\n{tail(log)}")

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(60)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode

    def rss_mib(self):
        try:
            with open(f"/proc/{self.p.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            pass
        return None


def http(method, url, token=None, body=None, content_type="application/json", expect=(200,)):
    """One request; returns (status, parsed JSON or text, seconds). Fails on an unexpected status."""
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    secs = time.monotonic() - t0
    text = raw.decode("utf-8", "replace")
    try:
        out = json.loads(text)
    except ValueError:
        out = text
    if status not in expect:
        raise Failed(f"{method} {url} answered {status}, expected {' or '.join(map(str, expect))}: {text[:800]}")
    return status, out, secs


class Tinhso:
    def __init__(self, a):
        self.a = a
        self.data = os.path.join(a.work, "tinhso-data")
        self.log = os.path.join(a.work, "logs", "tinhso-server.log")
        self.env = dict(clean_env(), TINHSO_DEMO_SKIP_WAREHOUSE="1", TINHSO_DEMO_PASSWORD="mat-khau-bench",
                        TINHSO_RATE_LIMIT_PER_MINUTE="100000000")
        self.server = None
        self.setup_requests = 0
        self.setup_reads = 0

    def cli(self, *args, name):
        log = os.path.join(self.a.work, "logs", f"tinhso-{name}.log")
        with open(log, "wb") as out:
            p = subprocess.run([self.a.tinhso_bin, "--data-dir", self.data, *args], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=out, env=self.env)
            out.write(p.stdout)
        text = p.stdout.decode("utf-8", "replace")
        if p.returncode != 0:
            raise Failed(f"`tinhso {' '.join(args)}` exited with {p.returncode}; see {log}:\n{tail(log)}")
        return text

    def key(self, user):
        out = self.cli("apikey", "create", "--user", user, "--name", "bench", "--access", "read_write",
                       name=f"apikey-{user}")
        lines = [x.strip() for x in out.splitlines() if x.strip()]
        if not lines:
            raise Failed(f"`tinhso apikey create --user {user}` printed no key")
        return lines[-1]

    def req(self, method, path, token, body=None, **kw):
        self.setup_requests += 1
        return http(method, self.server.url + path, token, body, **kw)

    def start(self):
        shutil.rmtree(self.data, ignore_errors=True)
        os.makedirs(self.data)
        cmd = [self.a.tinhso_bin, "--data-dir", self.data, "demo", "--listen", "127.0.0.1:0"]
        self.server = Server("tinhso", cmd, self.env, self.log, re.compile(r"http://127\.0\.0\.1:(\d+)"))

    def set_up(self, csv_path, rows):
        """The province's steps, over HTTP; returns the consumer's key and what the setup measured."""
        owner, dx = self.key("health-admin"), self.key("dx-office")
        with open(self.a.dataset, "rb") as f:
            self.req("POST", "/api/v1/datasets", owner, f.read(), expect=(201,))
        with open(csv_path, "rb") as f:
            body = f.read()
        _, up, up_s = self.req("POST", f"/api/v1/datasets/{SLUG}/versions", owner, body, content_type="text/csv")
        if up.get("status") != "committed" or up.get("rows_accepted") != rows:
            raise Failed(f"the upload of {rows:,} rows was not fully accepted: "
                         f"{ {k: up.get(k) for k in ('status', 'rows_read', 'rows_accepted', 'rows_rejected', 'refused')} }")
        self.req("POST", "/api/v1/systems", dx, {"code": "bench-app", "name": "Ứng dụng đo", "agency": "SGDDT"},
                 expect=(201,))
        _, k, _ = self.req("POST", "/api/v1/systems/bench-app/keys", dx,
                           {"name": "bench", "rate_per_minute": 10_000_000}, expect=(201,))
        consumer = k["key"]
        _, g, _ = self.req("POST", "/api/v1/grants/requests", consumer,
                           {"dataset": SLUG, "purpose": PURPOSE, "columns": GRANTED, "row_filter": None, "days": 30},
                           expect=(201,))
        _, g, _ = self.req("POST", f"/api/v1/grants/requests/{g['id']}/approve", owner, b"")
        if g.get("active") is not True:
            raise Failed(f"the approved grant is not active: {g}")
        # The first keyed read builds the version's key index: timed apart, and before wrk's
        # connections arrive together.
        _, v, first_s = self.req("GET", f"/api/v1/datasets/{SLUG}/rows/{FIRST_KEY}", consumer)
        row = v.get("row", {}) if isinstance(v, dict) else {}
        if "*" not in str(row.get("cccd", "")) or "cccd" not in v.get("masked", []) or "so_lan_kham" in row:
            raise Failed(f"the consumer's keyed read is not masked to the grant: {v}")
        _, _, second_s = self.req("GET", f"/api/v1/datasets/{SLUG}/rows/{FIRST_KEY}", consumer)
        with open(os.path.join(os.path.dirname(csv_path), "ma-xa.txt"), encoding="utf-8") as f:
            commune = f.readline().strip()
        _, page, list_s = self.req("GET", f"/api/v1/datasets/{SLUG}/rows?limit=100&ma_xa={commune}", consumer)
        if not isinstance(page, dict) or not page.get("rows"):
            raise Failed(f"the consumer's list read of commune {commune} returned no rows: {str(page)[:800]}")
        self.setup_reads = 3
        return consumer, {"upload_s": round(up_s, 2), "upload_version": up.get("version"),
                          "first_row_read_ms": round(first_s * 1000, 1), "second_row_read_ms": round(second_s * 1000, 2),
                          "list_read_ms": round(list_s * 1000, 1), "list_read_rows": page.get("count"),
                          "grant_id": g["id"], "sample": v}

    def audit(self):
        """Stops the server, verifies the chain, counts the entries by action and outcome."""
        code = self.server.stop()
        out = self.cli("audit", "verify", name="audit-verify")
        m = re.search(r"intact: (\d+) entries", out)
        counts = {}
        db = sqlite3.connect(f"file:{os.path.join(self.data, 'tinhso.db')}?mode=ro", uri=True)
        try:
            for action, outcome, n in db.execute(
                    "SELECT action, outcome, count(*) FROM audit_log GROUP BY action, outcome ORDER BY 3 DESC"):
                counts[f"{action} {outcome}"] = n
        finally:
            db.close()
        return {"server_exit": code, "verify": out.strip().splitlines()[-1] if out.strip() else "",
                "intact": m is not None, "entries": int(m.group(1)) if m else None, "by_action": counts}


# The running servers by name, for the CPU accounting of each wrk run.
SERVERS = {}
TICK = os.sysconf("SC_CLK_TCK")


def cpu_now():
    """CPU seconds so far: the whole machine (busy), each server, and this process's reaped children (wrk)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    snap = {"machine": (sum(v) - v[3] - v[4]) / TICK}  # all but idle and iowait
    for name, s in SERVERS.items():
        try:
            with open(f"/proc/{s.p.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            snap[name] = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
        except (OSError, IndexError, ValueError):
            snap[name] = 0.0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    snap["wrk"] = ru.ru_utime + ru.ru_stime
    return snap


def cpu_used(before, after, secs):
    """Cores used during a run, by tinhso, the baseline, wrk and everything else on the machine."""
    d = {k: max(after[k] - before.get(k, 0.0), 0.0) for k in after}
    out = {k: round(d[k] / secs, 2) for k in d if k != "machine"}
    out["other"] = round(max(d["machine"] - sum(d[k] for k in d if k != "machine"), 0.0) / secs, 2)
    return out


def wrk(a, url, script_args, duration, connections, threads, label, log_name):
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
           "-s", os.path.join(a.here, "keys.lua"), url, "--", *script_args]
    log = os.path.join(a.work, "logs", log_name)
    before, t0 = cpu_now(), time.monotonic()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    cpu = cpu_used(before, cpu_now(), time.monotonic() - t0)
    with open(log, "w", encoding="utf-8") as f:
        f.write(" ".join(cmd) + "\n" + p.stdout + p.stderr)
    m = re.search(r"^WRK_JSON (\{.*\})$", p.stdout, re.M)
    if p.returncode != 0 or not m:
        raise Failed(f"wrk failed ({label}, exit {p.returncode}); see {log}:\n{tail(log)}")
    j = json.loads(m.group(1))
    secs = j["duration_us"] / 1e6
    e = j["errors"]
    lat = j["latency_us"]
    ms = (lambda k: lat[k] / 1000) if j["requests"] else (lambda k: None)  # no answer, no latency
    r = {"requests": j["requests"], "seconds": round(secs, 3), "req_per_s": round(j["requests"] / secs, 1),
         "p50_ms": ms("p50"), "p90_ms": ms("p90"), "p99_ms": ms("p99"), "p999_ms": ms("p999"), "max_ms": ms("max"),
         "bytes_per_response": round(j["bytes"] / max(j["requests"], 1)),
         "non_2xx": e["status"], "socket_errors": e["connect"] + e["read"] + e["write"] + e["timeout"],
         "connections": connections, "threads": threads, "cpu_cores": cpu}
    bad = f"  {r['non_2xx']:,} non-2xx, {r['socket_errors']:,} socket errors" if r["non_2xx"] or r["socket_errors"] else ""
    progress(f"  {label:<34} {r['req_per_s']:>10,.0f} req/s  p50 {fms(r['p50_ms']):>7} ms  "
             f"p99 {fms(r['p99_ms']):>7} ms  cores: " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()) + bad)
    return r


def fms(v):
    return "-" if v is None else f"{v:.2f}"


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def summary(runs):
    rps = statistics.median(r["req_per_s"] for r in runs)
    return {"req_per_s": round(rps) if rps >= 100 else round(rps, 1),
            "p50_ms": median(r["p50_ms"] for r in runs), "p99_ms": median(r["p99_ms"] for r in runs),
            "req_per_s_min": min(r["req_per_s"] for r in runs), "req_per_s_max": max(r["req_per_s"] for r in runs), "requests": sum(r["requests"] for r in runs),
            "non_2xx": sum(r["non_2xx"] for r in runs), "socket_errors": sum(r["socket_errors"] for r in runs),
            "bytes_per_response": runs[-1]["bytes_per_response"],
            "cpu_cores": {k: median(r["cpu_cores"][k] for r in runs) for k in runs[0]["cpu_cores"]}, "runs": runs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tinhso-bin", required=True)
    ap.add_argument("--baseline-bin", required=True)
    ap.add_argument("--data", required=True, help="the folder gen.py wrote")
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--results", required=True, nargs="+", help="JSON result files to write")
    ap.add_argument("--duration", type=int, default=20, help="seconds of each measured wrk run")
    ap.add_argument("--warmup", type=int, default=5, help="seconds of the warm-up run of each server")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--single-duration", type=int, default=10, help="seconds of the 1-connection runs (0: none)")
    ap.add_argument("--list-duration", type=int, default=10, help="seconds of the list-endpoint run (0: none)")
    ap.add_argument("--access-duration", type=int, default=10,
                    help="seconds of the /access run: key and grant without the audit write (0: none)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ratio-target", type=float, default=0.5, help="tinhso/baseline req/s at least (2x overhead)")
    ap.add_argument("--rps-target", type=float, default=5000)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    a.here = os.path.dirname(os.path.abspath(__file__))
    os.makedirs(os.path.join(a.work, "logs"), exist_ok=True)

    git = lambda *args: subprocess.run(["git", "-C", a.here, *args], capture_output=True, text=True).stdout.strip()  # noqa: E731
    res = {
        "benchmark": "gateway",
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(),
                    "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                    "kernel": platform.release(), "python": platform.python_version(),
                    "load_avg_before": [round(x, 2) for x in os.getloadavg()]},
        "git_commit": git("rev-parse", "--short", "HEAD") or None,
        "crates_modified": bool(git("status", "--porcelain", "--", os.path.join(a.here, "..", "..", "crates"))),
        "tinhso_bin": a.tinhso_bin,
        "wrk": (subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines() or [""])[0],
        "method": f"wrk -t{a.threads} -c{a.connections} -d{a.duration}s on loopback, random keys (keys.lua, same "
                  f"sequence for both); {a.warmup}s warm-up of each, then {a.rounds} rounds baseline, tinhso; "
                  "medians of the rounds; ratio = median of the per-round tinhso/baseline req/s",
        "targets": {"ratio_min": a.ratio_target, "tinhso_req_per_s_min": a.rps_target},
        "rows": a.rows,
    }
    tin, base = Tinhso(a), None
    scen = {}
    try:
        progress(f"gateway: starting tinhso ({a.tinhso_bin}) on a fresh data dir ...")
        tin.start()
        SERVERS["tinhso"] = tin.server
        progress(f"gateway: setting up {SLUG} ({a.rows:,} rows), a consumer system and its grant over HTTP ...")
        consumer, setup = tin.set_up(os.path.join(a.data, "benh-nhan.csv"), a.rows)
        res["setup"] = setup
        progress(f"  upload {setup['upload_s']:.1f} s; first keyed read {setup['first_row_read_ms']:.0f} ms "
                 f"(builds the key index), the next {setup['second_row_read_ms']:.1f} ms; one list read of "
                 f"{setup['list_read_rows']} rows {setup['list_read_ms']:.0f} ms")
        base = Server("baseline", [a.baseline_bin, SLUG, os.path.join(a.data, "baseline.csv"), "ma", "0"], None,
                      os.path.join(a.work, "logs", "baseline-server.log"), re.compile(r"listening on 127\.0\.0\.1:(\d+)"))
        SERVERS["baseline"] = base
        _, b, _ = http("GET", f"{base.url}/rows/{FIRST_KEY}")
        res["baseline_sample"] = b

        n = str(a.rows)
        t_args = [f"/api/v1/datasets/{SLUG}/rows/", n, consumer, str(a.seed)]
        b_args = ["/rows/", n, "-", str(a.seed)]
        c, t = a.connections, a.threads
        progress(f"gateway: keyed reads, {c} connections, {t} wrk threads; warm-up {a.warmup} s each, "
                 f"then {a.rounds} rounds of {a.duration} s each")
        if a.warmup > 0:
            wrk(a, base.url, b_args, a.warmup, c, t, "baseline warm-up", "wrk-baseline-warmup.log")
            wrk(a, tin.server.url, t_args, a.warmup, c, t, "tinhso warm-up", "wrk-tinhso-warmup.log")
        b_runs, t_runs = [], []
        for i in range(a.rounds):
            b_runs.append(wrk(a, base.url, b_args, a.duration, c, t, f"baseline round {i + 1}", f"wrk-baseline-{i + 1}.log"))
            t_runs.append(wrk(a, tin.server.url, t_args, a.duration, c, t, f"tinhso round {i + 1}", f"wrk-tinhso-{i + 1}.log"))
        scen["baseline_keyed"], scen["tinhso_keyed"] = summary(b_runs), summary(t_runs)
        pairs = [tr["req_per_s"] / br["req_per_s"] for tr, br in zip(t_runs, b_runs)]
        scen["tinhso_keyed"]["ratio"] = round(statistics.median(pairs), 3)
        scen["tinhso_keyed"]["ratio_pairs"] = [round(p, 3) for p in pairs]

        if a.single_duration > 0:
            progress(f"gateway: keyed reads over 1 connection, {a.single_duration} s each (latency without queueing)")
            b1 = wrk(a, base.url, b_args, a.single_duration, 1, 1, "baseline 1 connection", "wrk-baseline-c1.log")
            t1 = wrk(a, tin.server.url, t_args, a.single_duration, 1, 1, "tinhso 1 connection", "wrk-tinhso-c1.log")
            scen["baseline_keyed_c1"], scen["tinhso_keyed_c1"] = summary([b1]), summary([t1])
            scen["tinhso_keyed_c1"]["ratio"] = round(t1["req_per_s"] / b1["req_per_s"], 3)

        if a.access_duration > 0:
            progress(f"gateway: what the caller may read (/access: key check and grant lookup, no audit entry), "
                     f"{a.access_duration} s")
            a_args = [f"/api/v1/datasets/{SLUG}/access?", "1", consumer, str(a.seed)]
            scen["tinhso_access"] = summary([wrk(a, tin.server.url, a_args, a.access_duration, c, t,
                                                 "tinhso /access (no audit)", "wrk-tinhso-access.log")])

        if a.list_duration > 0:
            progress(f"gateway: list endpoint, 100 rows of one commune, {a.list_duration} s (tinhso only)")
            l_args = [f"/api/v1/datasets/{SLUG}/rows?limit=100&ma_xa=", "@" + os.path.join(a.data, "ma-xa.txt"),
                      consumer, str(a.seed)]
            scen["tinhso_list"] = summary([wrk(a, tin.server.url, l_args, a.list_duration, c, t,
                                               "tinhso list ?limit=100&ma_xa=", "wrk-tinhso-list.log")])
        res["tinhso_peak_rss_mib"] = tin.server.rss_mib()
        res["baseline_peak_rss_mib"] = base.rss_mib()
        base.stop()
        progress("gateway: stopping tinhso; `tinhso audit verify` ...")
        audit = tin.audit()
    except Failed as e:
        print(f"bench gateway: {e}", file=sys.stderr)
        for s in (base, tin.server):
            if s is not None:
                s.stop()
        print(f"  the tinhso log: {tin.log}", file=sys.stderr)
        return 1
    res["scenarios"] = scen
    res["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]

    # wrk counts answers it read; requests in flight when it stopped may be answered (and audited) too.
    audited = ("tinhso_keyed", "tinhso_keyed_c1", "tinhso_list")  # /access writes no audit entry
    answered = sum(r["requests"] for k, s in scen.items() if k in audited for r in s["runs"])
    warmup = 0
    if a.warmup > 0:
        with open(os.path.join(a.work, "logs", "wrk-tinhso-warmup.log"), encoding="utf-8") as f:
            warmup = json.loads(re.search(r"^WRK_JSON (\{.*\})$", f.read(), re.M).group(1))["requests"]
    reads = sum(n for k, n in audit["by_action"].items() if k.startswith(("row.read", "rows.read")))
    audit["gateway_reads_answered_by_wrk"] = answered + warmup
    audit["setup_requests"] = tin.setup_requests
    audit["setup_reads"] = tin.setup_reads
    audit["read_entries"] = reads
    res["audit"] = audit

    tk = scen["tinhso_keyed"]
    ratio_ok = tk["ratio"] >= a.ratio_target
    rps_ok = tk["req_per_s"] >= a.rps_target
    clean = all(s["non_2xx"] == 0 and s["socket_errors"] == 0 for s in scen.values())
    res["verdict"] = {"ratio": "PASS" if ratio_ok else "SHORT", "req_per_s": "PASS" if rps_ok else "SHORT",
                      "all_2xx": clean, "audit_intact": audit["intact"]}

    def row(name, s, ratio="", target=""):
        errs = f"  {s['non_2xx']:,} non-2xx!" if s["non_2xx"] else ""
        return (f"{name:<38} {s['req_per_s']:>9,} {fms(s['p50_ms']):>8} {fms(s['p99_ms']):>8} {ratio:>8} "
                f"{s['bytes_per_response']:>7}  "
                f"{target}{errs}")

    lines = ["", f"gateway — GET one row by key, {a.rows:,} rows, random keys; wrk -t{t} -c{c}, median of "
                 f"{a.rounds} rounds of {a.duration} s after a {a.warmup} s warm-up; loopback, {os.cpu_count()} cores "
                 "shared by wrk and the server", "",
             f"{'scenario':<38} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>8} {'B/resp':>7}  target met?",
             "-" * 100,
             row("baseline (axum + HashMap)", scen["baseline_keyed"], "1.00"),
             row("tinhso gateway (key, grant, mask, audit)", tk, f"{tk['ratio']:.2f}",
                 f"{'yes' if ratio_ok and rps_ok else 'NO'} (ratio ≥ {a.ratio_target:g}: {'yes' if ratio_ok else 'no'}; "
                 f"≥ {a.rps_target:,.0f} req/s: {'yes' if rps_ok else 'no'})")]
    if "tinhso_keyed_c1" in scen:
        lines.append(row("baseline, 1 connection", scen["baseline_keyed_c1"], "1.00"))
        lines.append(row("tinhso, 1 connection", scen["tinhso_keyed_c1"], f"{scen['tinhso_keyed_c1']['ratio']:.2f}",
                         "(no target)"))
    if "tinhso_access" in scen:
        lines.append(row("tinhso /access: key + grant, no audit", scen["tinhso_access"], "", "(diagnostic)"))
    if "tinhso_list" in scen:
        lines.append(row("tinhso list, 100 rows of a commune", scen["tinhso_list"], "", "(no target)"))
    lines += ["",
              f"ratio = tinhso req/s ÷ baseline req/s, per round: {', '.join(f'{p:.2f}' for p in tk['ratio_pairs'])}; "
              f"tinhso req/s per round {tk['req_per_s_min']:,.0f}–{tk['req_per_s_max']:,.0f}, "
              f"baseline {scen['baseline_keyed']['req_per_s_min']:,.0f}–{scen['baseline_keyed']['req_per_s_max']:,.0f}",
              f"target (issue 4): overhead ≤ 2× (ratio ≥ {a.ratio_target:g}) {res['verdict']['ratio']}, "
              f"≥ {a.rps_target:,.0f} req/s {res['verdict']['req_per_s']}",
              f"setup: upload of {a.rows:,} rows {setup['upload_s']:.1f} s; first keyed read {setup['first_row_read_ms']:.0f} ms "
              f"(builds the key index), the next {setup['second_row_read_ms']:.1f} ms, one list read "
              f"{setup['list_read_ms']:.0f} ms; peak RSS tinhso "
              f"{res['tinhso_peak_rss_mib']} MiB, baseline {res['baseline_peak_rss_mib']} MiB",
              f"audit: {audit['verify'] or 'verify printed nothing'}",
              f"  {reads:,} read entries (row.read, rows.read) for {answered + warmup:,} answers wrk read (warm-up "
              f"included) and {tin.setup_reads} reads of the setup; the requests in flight when each wrk run stops are answered and "
              f"audited but not counted by wrk (up to {c} a run)",
              "  by action: " + ", ".join(f"{k} {v:,}" for k, v in audit["by_action"].items())]
    if not clean:
        lines.append("WARNING: some answers were not 2xx or had socket errors: the figures above do not measure "
                     f"successful reads; see {os.path.join(a.work, 'logs')} and {tin.log}")
    bc, tc = scen["baseline_keyed"]["cpu_cores"], tk["cpu_cores"]
    others = max(r["cpu_cores"]["other"] for s in scen.values() for r in s["runs"])
    lines.append(f"cores used (median of the rounds, of {os.cpu_count()}): baseline rounds: baseline {bc['baseline']:.2f}, "
                 f"wrk {bc['wrk']:.2f}; tinhso rounds: tinhso {tc['tinhso']:.2f}, wrk {tc['wrk']:.2f}; other processes "
                 f"at most {others:.2f} in any run" + (" — the machine was shared, the figures are low" if others > 0.2 else ""))

    for path in a.results:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(res, f, indent=1, ensure_ascii=False)
            f.write("\n")
    lines += ["", "results: " + ", ".join(a.results)]
    print("\n".join(lines))
    if not a.keep:
        shutil.rmtree(tin.data, ignore_errors=True)
    return 0 if clean and audit["intact"] else 1


if __name__ == "__main__":
    sys.exit(main())
