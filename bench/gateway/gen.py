#!/usr/bin/env python3
"""Generates the `gateway` benchmark's rows: patients ("bệnh nhân") of the province.

    python3 bench/gateway/gen.py --rows 100000 OUT_DIR

Writes OUT_DIR/benh-nhan.csv, the file uploaded to tinhso (the seven fields of
bench/gateway/dataset.json), OUT_DIR/baseline.csv, the same rows with only the
columns the benchmark's grant gives the consumer (what the baseline serves), and
OUT_DIR/ma-xa.txt, the commune codes used (for the list scenario).

Every value is one tinhso accepts: keys BN0000001…, names in NFC, dates
dd/mm/yyyy, 12-digit CCCDs whose century-and-sex digit and year match the birth
date, mobiles 09xxxxxxxx, current communes of Gia Lai. Deterministic: the same
--seed and --rows give the same bytes. Standard library only; names and
communes come from bench/ingest/gen.py.
"""
import argparse
import csv
import datetime as dt
import os
import random
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ingest"))
import gen as ingest_gen  # noqa: E402  (the names, surnames and the commune table)

KEY_FORMAT = "BN{:07d}"  # keys.lua builds the same keys: keep the two in step
COLUMNS = ["ma", "ho_ten", "cccd", "ngay_sinh", "dien_thoai", "ma_xa", "so_lan_kham"]
GRANTED = ["ma", "ho_ten", "cccd", "ngay_sinh", "dien_thoai", "ma_xa"]


def nfc(values):
    return [unicodedata.normalize("NFC", v) for v in values]


def rows(n, seed):
    rng = random.Random(seed)
    r, ri = rng.random, rng.randrange
    surnames = nfc(ingest_gen.SURNAMES)
    mid_m, mid_f = nfc(ingest_gen.MIDDLE_M), nfc(ingest_gen.MIDDLE_F)
    giv_m, giv_f = nfc(ingest_gen.GIVEN_M), nfc(ingest_gen.GIVEN_F)
    communes = [c for c, _ in ingest_gen.load_units(ingest_gen.DEFAULT_UNITS)[0]]
    birth0 = dt.date(1940, 1, 1).toordinal()
    span = dt.date(2024, 12, 31).toordinal() - birth0 + 1
    for i in range(1, n + 1):
        male = r() < 0.5
        name = " ".join([surnames[ri(len(surnames))], *(
            (mid_m[ri(len(mid_m))], giv_m[ri(len(giv_m))]) if male else (mid_f[ri(len(mid_f))], giv_f[ri(len(giv_f))]))])
        birth = dt.date.fromordinal(birth0 + ri(span))
        century = (0 if birth.year < 2000 else 2) + (0 if male else 1)
        cccd = f"052{century}{birth.year % 100:02d}{ri(1_000_000):06d}"
        yield [KEY_FORMAT.format(i), name, cccd, birth.strftime("%d/%m/%Y"), f"09{ri(100_000_000):08d}",
               communes[ri(len(communes))], str(ri(40))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20251)
    ap.add_argument("out_dir")
    a = ap.parse_args()
    if a.rows < 1:
        ap.error("--rows must be >= 1")
    os.makedirs(a.out_dir, exist_ok=True)
    granted = [COLUMNS.index(c) for c in GRANTED]
    communes = set()
    with open(os.path.join(a.out_dir, "benh-nhan.csv"), "w", encoding="utf-8", newline="") as full, \
            open(os.path.join(a.out_dir, "baseline.csv"), "w", encoding="utf-8", newline="") as base:
        fw, bw = csv.writer(full, lineterminator="\n"), csv.writer(base, lineterminator="\n")
        fw.writerow(COLUMNS)
        bw.writerow(GRANTED)
        for row in rows(a.rows, a.seed):
            fw.writerow(row)
            bw.writerow([row[i] for i in granted])
            communes.add(row[COLUMNS.index("ma_xa")])
    with open(os.path.join(a.out_dir, "ma-xa.txt"), "w", encoding="utf-8") as f:
        f.write("".join(f"{c}\n" for c in sorted(communes)))


if __name__ == "__main__":
    main()
