#!/usr/bin/env python3
"""Checks a CSV made by gen.py against dataset.json, independently of tinhso.

    python3 bench/ingest/check.py bench/out/ho-so-1m.csv

Reads the file row by row with the csv module, checks the header against the
field labels, that every row has 20 cells, and every cell against its field's
type and the formats gen.py writes (the rules tinhso's validation applies, as
this benchmark understands them). Prints the rows, the rows with a bad value
and the bad share per column, and compares with FILE.meta.json: exit 1 if the
header or a row's width is wrong, or the count of bad rows differs from the
generator's own tally. Standard library only.
"""
import csv
import datetime as dt
import json
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import gen  # noqa: E402

MST_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
RE_INT = re.compile(r"-?\d+\Z")
RE_DEC = re.compile(r"-?\d+(,\d+)?\Z")
RE_MONEY = re.compile(r"\d{1,3}(\.\d{3})*\Z")
RE_CCCD = re.compile(r"\d{3}[0-3]\d{8}\Z")
RE_PHONE = re.compile(r"0[35789]\d{8}\Z")
RE_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
RE_POINT = re.compile(r"(-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?)\Z")
RE_MST = re.compile(r"\d{10}\Z")


def date_ok(s):
    try:
        dt.datetime.strptime(s, "%d/%m/%Y")
        return re.fullmatch(r"\d\d/\d\d/\d{4}", s) is not None
    except ValueError:
        return False


def datetime_ok(s):
    try:
        dt.datetime.strptime(s, "%d/%m/%Y %H:%M:%S")
        return True
    except ValueError:
        return False


def mst_ok(s):
    if not RE_MST.match(s):
        return False
    r = sum(int(c) * w for c, w in zip(s[:9], MST_WEIGHTS)) % 11
    return r != 0 and int(s[9]) == 10 - r


def point_ok(s):
    m = RE_POINT.match(s)
    return bool(m) and -90 <= float(m[1]) <= 90 and -180 <= float(m[2]) <= 180


def main():
    path = sys.argv[1]
    with open(os.path.join(HERE, "dataset.json"), encoding="utf-8") as f:
        ds = json.load(f)
    fields = ds["fields"]
    current, _ = gen.load_units(gen.DEFAULT_UNITS)
    communes = {c for c, _ in current}
    checks = {
        "text": lambda s: True,
        "integer": lambda s: bool(RE_INT.match(s)),
        "decimal": lambda s: bool(RE_DEC.match(s)),
        "boolean": lambda s: s in ("Có", "Không"),  # what gen.py writes; tinhso also takes c/k, x, 1/0, ...
        "date": date_ok,
        "datetime": datetime_ok,
        "money": lambda s: bool(RE_MONEY.match(s)),
        "admin_unit": lambda s: s in communes,
        "cccd": lambda s: bool(RE_CCCD.match(s)),
        "mst": mst_ok,
        "phone": lambda s: bool(RE_PHONE.match(s)),
        "email": lambda s: bool(RE_EMAIL.match(s)),
        "point": point_ok,
    }
    fn = []
    for fd in fields:
        if fd["type"] == "enum":
            vals = set(fd["values"])
            fn.append(lambda s, vals=vals: s in vals)
        else:
            fn.append(checks[fd["type"]])
    required = [bool(fd.get("required")) for fd in fields]
    index = {fd["name"]: j for j, fd in enumerate(fields)}
    birth = [(j, index[fd["birth_date_field"]]) for j, fd in enumerate(fields) if fd.get("birth_date_field")]
    not_before = [(j, index[fd["not_before"]]) for j, fd in enumerate(fields) if fd.get("not_before")]
    minimum = [(j, fd["min"]) for j, fd in enumerate(fields) if "min" in fd]
    problems = 0
    rows = bad_rows = 0
    bad_col = [0] * len(fields)
    keys = set()
    not_nfc = 0
    with open(path, encoding="utf-8", newline="") as f:
        rd = csv.reader(f)
        header = next(rd)
        want = [fd["label"] for fd in fields]
        if header != want:
            print(f"header differs from dataset.json labels:\n  {header}\n  {want}")
            problems += 1
        for row in rd:
            rows += 1
            if len(row) != len(fields):
                print(f"row {rows}: {len(row)} cells")
                problems += 1
                continue
            bad = False
            oks = []
            for j, v in enumerate(row):
                if v == "":
                    ok = not required[j]
                else:
                    ok = fn[j](v)
                oks.append(ok)
                if not ok:
                    bad_col[j] += 1
                    bad = True
            # Cross-field rules, on cells that passed: CCCD birth year = birth date's year; due date not
            # before the reception time; lower bounds.
            for j, d in birth:
                if row[j] and row[d] and oks[j] and oks[d]:
                    year = (1900 if row[j][3] in "01" else 2000 if row[j][3] in "23" else 2100) + int(row[j][4:6])
                    if year != int(row[d][6:10]):
                        bad_col[j] += 1
                        bad = True
            for j, d in not_before:
                if row[j] and row[d] and oks[j] and oks[d]:
                    due = dt.datetime.strptime(row[j], "%d/%m/%Y")
                    if due < dt.datetime.strptime(row[d], "%d/%m/%Y %H:%M:%S").replace(hour=0, minute=0, second=0):
                        bad_col[j] += 1
                        bad = True
            for j, lo in minimum:
                if row[j] and oks[j] and float(row[j].replace(".", "").replace(",", ".")) < lo:
                    bad_col[j] += 1
                    bad = True
            if row[0] in keys:
                print(f"row {rows}: duplicate key {row[0]}")
                problems += 1
            keys.add(row[0])
            if rows <= 20000 and not unicodedata.is_normalized("NFC", row[1] + row[7]):
                not_nfc += 1
            bad_rows += bad
    print(f"{path}: {rows:,} rows x {len(header)} columns, {bad_rows:,} rows with a bad value "
          f"({100 * bad_rows / max(rows, 1):.2f}%)")
    for j, fd in enumerate(fields):
        if bad_col[j]:
            print(f"  {fd['name']:<16} {fd['type']:<10} {bad_col[j]:>7,} bad")
    if not_nfc:
        print(f"{not_nfc} of the first 20,000 rows are not NFC")
        problems += 1
    meta_path = path + ".meta.json"
    if os.path.exists(meta_path):
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
        if meta["rows"] != rows or meta["bad_rows"] != bad_rows:
            print(f"meta says {meta['rows']:,} rows, {meta['bad_rows']:,} bad: differs")
            problems += 1
        else:
            print(f"matches {os.path.basename(meta_path)} (rows and bad rows)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
