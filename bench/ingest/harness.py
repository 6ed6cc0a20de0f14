#!/usr/bin/env python3
"""Times the `ingest` benchmark's two engines and prints the table. Called by bench/ingest/run.

Each measured run is one whole process, started and reaped here: wall seconds
from a monotonic clock around it, user/system seconds and peak RSS from the
kernel's accounting of the finished child (os.wait4, the same figures GNU
`/usr/bin/time -v` prints). tinhso and DuckDB run in turn, A B A B ..., after
the warm-up runs, and the ratio is taken pair by pair, so the comparison holds
when the machine's speed drifts. The medians are quoted. Standard library only.
"""
import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

SLUG = "ho-so-bench"
MIB = 1024 * 1024


class Failed(Exception):
    pass


def clean_env():
    # The benchmark always uses SQLite in its own fresh data dir: drop TINHSO_* settings (a database URL,
    # a config file) that the caller's shell may carry.
    return {k: v for k, v in os.environ.items() if not k.startswith("TINHSO_")}


def measure(cmd, log, env=None):
    """Runs cmd to completion, its output to log; returns wall/user/sys seconds, peak RSS and exit code."""
    with open(log, "wb") as out:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
    p.returncode = code = os.waitstatus_to_exitcode(status)
    return {"wall_s": round(wall, 3), "user_s": round(ru.ru_utime, 3), "sys_s": round(ru.ru_stime, 3),
            "peak_rss_mib": round(ru.ru_maxrss / 1024, 1), "exit": code}


def tail(path, n=15):
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8", "replace").rstrip("\n").split("\n")
    return "\n".join("    " + x for x in lines[-n:])


def last_json(path):
    with open(path, "rb") as f:
        lines = [x for x in f.read().decode("utf-8", "replace").split("\n") if x.strip()]
    for line in reversed(lines):
        try:
            return json.loads(line)
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


class Tinhso:
    name = "tinhso"

    def __init__(self, a, csv, tag):
        self.bin, self.a, self.csv, self.tag = a.tinhso_bin, a, csv, tag
        self.data = os.path.join(a.work, "ingest-data", f"tinhso-{tag}")
        self.env = clean_env()

    def step(self, args, log):
        m = measure([self.bin, *args], log, self.env)
        if m["exit"] != 0:
            raise Failed(f"`tinhso {' '.join(args)}` exited with {m['exit']}; the end of {log}:\n{tail(log)}")

    def seed(self, log):
        env = dict(self.env, TINHSO_DEMO_SKIP_WAREHOUSE="1", TINHSO_DEMO_PASSWORD="mat-khau-bench")
        cmd = [self.bin, "demo", "--data-dir", self.data, "--listen", "127.0.0.1:0"]
        with open(log, "wb") as out:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=out, env=env)
            for line in p.stdout:
                out.write(line)
                if b"http://" in line:
                    break
            p.terminate()
            p.wait()
        if not os.path.exists(os.path.join(self.data, "tinhso.db")):
            raise Failed(f"`tinhso demo` did not seed {self.data}; see {log}:\n{tail(log)}")

    def run(self, i):
        logs = os.path.join(self.a.work, "logs")
        shutil.rmtree(self.data, ignore_errors=True)
        os.makedirs(self.data)
        # Not timed: a fresh data dir with the demo province's agencies (the dataset's owner) and the
        # dataset's definition. `demo` starts a server once seeded: stop it when it prints its address.
        self.seed(os.path.join(logs, f"tinhso-{self.tag}-seed.log"))
        self.step(["dataset", "create", "--data-dir", self.data, "--file", self.a.dataset],
                  os.path.join(logs, f"tinhso-{self.tag}-dataset-create.log"))
        log = os.path.join(logs, f"tinhso-{self.tag}-ingest-{i}.log")
        cmd = [self.bin, "ingest", "--data-dir", self.data, SLUG, self.csv, "--no-progress"]
        m = measure(cmd, log, self.env)
        if m["exit"] != 0:
            raise Failed(f"`tinhso ingest` exited with {m['exit']}; the end of {log}:\n{tail(log)}")
        summary = last_json(log)
        if not isinstance(summary, dict) or "rows_read" not in summary:
            raise Failed(f"`tinhso ingest` printed no JSON summary with rows_read on its last line; see {log}:\n{tail(log)}")
        m["rows"] = summary["rows_read"]
        m["summary"] = {k: summary.get(k) for k in ("version", "rows_read", "rows_accepted", "rows_rejected")}
        m["quality"] = summary.get("quality")
        m["data_dir_bytes"] = du(self.data)
        return m

    def cleanup(self):
        if not self.a.keep:
            shutil.rmtree(self.data, ignore_errors=True)


class DuckDB:
    name = "duckdb"

    def __init__(self, a, csv, tag):
        self.a, self.csv, self.tag = a, csv, tag
        self.out = os.path.join(a.work, "ingest-data", f"duckdb-{tag}.parquet")
        os.makedirs(os.path.dirname(self.out), exist_ok=True)

    def run(self, i):
        if os.path.exists(self.out):
            os.remove(self.out)
        log = os.path.join(self.a.work, "logs", f"duckdb-{self.tag}-{i}.log")
        cmd = [self.a.duckdb_python, os.path.join(self.a.here, "duckdb_copy.py"), self.csv, self.out]
        m = measure(cmd, log)
        if m["exit"] != 0:
            raise Failed(f"the DuckDB COPY exited with {m['exit']}; the end of {log}:\n{tail(log)}")
        out = last_json(log) or {}
        m["rows"] = out.get("rows")
        m["inner_s"] = out.get("seconds")
        m["version"] = out.get("duckdb")
        m["parquet_bytes"] = os.path.getsize(self.out)
        return m

    def cleanup(self):
        if not self.a.keep and os.path.exists(self.out):
            os.remove(self.out)


def series(engine, warmup, repeat, progress):
    runs = []
    for i in range(warmup + repeat):
        label = f"warm-up {i + 1}" if i < warmup else f"run {i - warmup + 1}/{repeat}"
        m = engine.run(i)
        progress(f"  {engine.name:<7} {label:<11} {m['wall_s']:>9.2f} s  {m['peak_rss_mib']:>8.0f} MiB")
        if i >= warmup:
            runs.append(m)
    return runs


def interleaved(a_eng, b_eng, warmup, repeat, progress):
    a_runs, b_runs = [], []
    for i in range(warmup + repeat):
        label = f"warm-up {i + 1}" if i < warmup else f"run {i - warmup + 1}/{repeat}"
        for eng, runs in ((a_eng, a_runs), (b_eng, b_runs)):
            m = eng.run(i)
            progress(f"  {eng.name:<7} {label:<11} {m['wall_s']:>9.2f} s  {m['peak_rss_mib']:>8.0f} MiB")
            if i >= warmup:
                runs.append(m)
    return a_runs, b_runs


def summarize(runs, rows):
    wall = statistics.median(r["wall_s"] for r in runs)
    return {
        "rows": rows, "runs": len(runs),
        "wall_s": {"median": round(wall, 3), "min": min(r["wall_s"] for r in runs), "max": max(r["wall_s"] for r in runs)},
        "rows_per_s": round(rows / wall),
        "cpu_s_median": round(statistics.median(r["user_s"] + r["sys_s"] for r in runs), 3),
        "peak_rss_mib": {"median": statistics.median(r["peak_rss_mib"] for r in runs),
                         "max": max(r["peak_rss_mib"] for r in runs)},
    }


def fmt_row(name, s):
    return (f"{name:<16} {s['rows']:>12,} {s['wall_s']['median']:>10.2f} {s['rows_per_s']:>12,} "
            f"{s['peak_rss_mib']['median']:>13,.0f}   ({s['wall_s']['min']:.2f}–{s['wall_s']['max']:.2f} s)")


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def num(v):
    return f"{v:,}" if isinstance(v, int) else str(v)


def verdict(ok):
    return "PASS" if ok else "SHORT"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tinhso-bin")
    ap.add_argument("--duckdb-python", required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--csv-2gb")
    ap.add_argument("--duckdb-2gb", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeat-2gb", type=int, default=1)
    ap.add_argument("--work", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--ratio-target", type=float, default=1.0)
    ap.add_argument("--rss-target-mib", type=float, default=512)
    ap.add_argument("--keep", action="store_true", help="keep the data dirs and Parquet files")
    a = ap.parse_args()
    a.here = os.path.dirname(os.path.abspath(__file__))
    os.makedirs(os.path.join(a.work, "logs"), exist_ok=True)

    def progress(msg):
        print(msg, file=sys.stderr, flush=True)

    with open(a.csv + ".meta.json", encoding="utf-8") as f:
        meta = json.load(f)
    rows = meta["rows"]
    res = {
        "benchmark": "ingest",
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                    "kernel": platform.release(), "python": platform.python_version()},
        "git_commit": subprocess.run(["git", "-C", a.here, "rev-parse", "--short", "HEAD"], capture_output=True,
                                     text=True).stdout.strip() or None,
        "tinhso_bin": a.tinhso_bin,
        "method": "whole process, wall = monotonic clock around it, peak RSS = wait4 ru_maxrss; medians; "
                  "tinhso and DuckDB alternate A B A B after the warm-ups; ratio = median of the pairwise ratios",
        "targets": {"ratio_min": a.ratio_target, "peak_rss_mib_max": a.rss_target_mib},
        "csv": {"path": a.csv, "rows": rows, "columns": meta["columns"], "bytes": meta["bytes"],
                "bad_rows": meta["bad_rows"], "seed": meta["seed"]},
        "repeat": a.repeat, "warmup": a.warmup,
    }
    progress(f"ingest: {rows:,} rows x {meta['columns']} columns, {meta['bytes'] / 1e6:,.1f} MB; "
             f"{plural(a.warmup, 'warm-up')} + {plural(a.repeat, 'run')} of each")
    duck = DuckDB(a, a.csv, "main")
    try:
        if a.tinhso_bin:
            tin = Tinhso(a, a.csv, "main")
            t_runs, d_runs = interleaved(tin, duck, a.warmup, a.repeat, progress)
            tin.cleanup()
        else:
            t_runs, d_runs = [], series(duck, a.warmup, a.repeat, progress)
        duck.cleanup()
    except Failed as e:
        print(f"bench ingest: {e}", file=sys.stderr)
        return 1

    for r in d_runs:
        if r["rows"] != rows:
            progress(f"  warning: DuckDB wrote {r['rows']} rows, the CSV has {rows}")
    d_sum = summarize(d_runs, rows)
    d_sum["version"] = d_runs[0]["version"]
    d_sum["parquet_bytes"] = d_runs[0]["parquet_bytes"]
    res["duckdb"] = {**d_sum, "raw": d_runs}

    lines = ["", f"ingest — {rows:,} rows × {meta['columns']} columns, {meta['bytes'] / 1e6:,.1f} MB CSV "
                 f"({meta['bad_rows']:,} rows with a bad value, {100 * meta['bad_rows'] / rows:.2f}%); "
                 f"median of {plural(a.repeat, 'run')} after {plural(a.warmup, 'warm-up')}",
             "", f"{'engine':<16} {'rows':>12} {'seconds':>10} {'rows/s':>12} {'peak RSS MiB':>13}   (min–max)",
             "-" * 90]
    duck_name = f"DuckDB {d_sum['version']}"
    if t_runs:
        t_sum = summarize(t_runs, rows)
        last = t_runs[-1]
        t_sum["summary"] = last["summary"]
        t_sum["quality"] = last["quality"]
        t_sum["data_dir_bytes"] = last["data_dir_bytes"]
        res["tinhso"] = {**t_sum, "raw": t_runs}
        pairs = [d["wall_s"] / t["wall_s"] for t, d in zip(t_runs, d_runs)]  # (rows/t_t) / (rows/t_d)
        ratio = statistics.median(pairs)
        rss = t_sum["peak_rss_mib"]["max"]
        res["ratio"] = {"tinhso_over_duckdb_rows_per_s": round(ratio, 3), "pairs": [round(p, 3) for p in pairs],
                        "verdict": verdict(ratio >= a.ratio_target)}
        res["rss"] = {"tinhso_peak_rss_mib_max": rss, "verdict": verdict(rss <= a.rss_target_mib)}
        lines.append(fmt_row("tinhso", t_sum))
        lines.append(fmt_row(duck_name, d_sum))
        lines.append("")
        lines.append(f"ratio tinhso rows/s ÷ DuckDB rows/s  {ratio:6.2f}   target ≥ {a.ratio_target:.1f}      "
                     f"{verdict(ratio >= a.ratio_target)}   (pairs: {', '.join(f'{p:.2f}' for p in pairs)})")
        lines.append(f"tinhso peak RSS (max of runs)  {rss:8,.0f} MiB  target ≤ {a.rss_target_mib:g} MiB  "
                     f"{verdict(rss <= a.rss_target_mib)}")
        s = last["summary"]
        lines.append(f"tinhso summary: rows read {num(s['rows_read'])}, accepted {num(s['rows_accepted'])}, rejected "
                     f"{num(s['rows_rejected'])} (the generator planted {meta['bad_rows']:,} rows with a bad value); "
                     f"data dir {last['data_dir_bytes'] / 1e6:,.1f} MB")
        if isinstance(s["rows_rejected"], int) and s["rows_rejected"] != meta["bad_rows"]:
            lines.append(f"  note: tinhso rejected {s['rows_rejected']:,} rows, the generator planted {meta['bad_rows']:,}: "
                         f"they disagree on a rule (see the rejects)")
        if s["rows_read"] != rows:
            lines.append(f"  warning: tinhso read {s['rows_read']} rows, the CSV has {rows:,}")
    else:
        lines.append(fmt_row(duck_name, d_sum))
        lines.append("")
        lines.append("tinhso not run (--duckdb-only): no ratio")
    lines.append(f"DuckDB Parquet {d_sum['parquet_bytes'] / 1e6:,.1f} MB; DuckDB runs COPY (SELECT * FROM read_csv(f)) "
                 f"TO parquet with its own type sniffing and no validation")

    if a.csv_2gb:
        with open(a.csv_2gb + ".meta.json", encoding="utf-8") as f:
            big = json.load(f)
        progress(f"2 GB file: {big['rows']:,} rows, {big['bytes'] / 1e6:,.1f} MB")
        res["big"] = {"csv": {"path": a.csv_2gb, "rows": big["rows"], "bytes": big["bytes"], "bad_rows": big["bad_rows"]}}
        lines += ["", f"2 GB file — {big['rows']:,} rows, {big['bytes'] / 1e6:,.1f} MB "
                      f"({big['bytes'] / 2**30:.2f} GiB); {plural(a.repeat_2gb, 'run')}, no warm-up", "",
                  f"{'engine':<16} {'rows':>12} {'seconds':>10} {'rows/s':>12} {'peak RSS MiB':>13}   (min–max)", "-" * 90]
        try:
            if a.tinhso_bin:
                tin = Tinhso(a, a.csv_2gb, "2gb")
                runs = series(tin, 0, a.repeat_2gb, progress)
                tin.cleanup()
                b = summarize(runs, big["rows"])
                b["summary"] = runs[-1]["summary"]
                rss = b["peak_rss_mib"]["max"]
                res["big"]["tinhso"] = {**b, "raw": runs}
                res["big"]["rss"] = {"tinhso_peak_rss_mib_max": rss, "verdict": verdict(rss <= a.rss_target_mib)}
                lines.append(fmt_row("tinhso", b))
            if a.duckdb_2gb:
                dk = DuckDB(a, a.csv_2gb, "2gb")
                runs = series(dk, 0, a.repeat_2gb, progress)
                dk.cleanup()
                b = summarize(runs, big["rows"])
                res["big"]["duckdb"] = {**b, "raw": runs}
                lines.append(fmt_row(duck_name, b))
        except Failed as e:
            print(f"bench ingest (2 GB): {e}", file=sys.stderr)
            res["big"]["error"] = str(e)
            lines.append(f"failed: {str(e).splitlines()[0]}")
        if "rss" in res["big"]:
            rss = res["big"]["rss"]["tinhso_peak_rss_mib_max"]
            lines += ["", f"tinhso peak RSS on the 2 GB file  {rss:8,.0f} MiB  target ≤ {a.rss_target_mib:g} MiB  "
                          f"{res['big']['rss']['verdict']}"]

    with open(a.results, "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1, ensure_ascii=False)
        f.write("\n")
    lines += ["", f"results: {a.results}"]
    print("\n".join(lines))
    return 1 if "error" in res.get("big", {}) else 0


if __name__ == "__main__":
    sys.exit(main())
