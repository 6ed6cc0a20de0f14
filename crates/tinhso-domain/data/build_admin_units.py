#!/usr/bin/env python3
"""Builds the compact administrative-unit tables embedded in tinhso.

Reads the reference data under ../shared/data/admin-units (MIT, see LICENSE
beside this script) and writes two tab-separated files that the domain crate
embeds with include_str!:

  units.tsv      code, level, province, parent, name, full_name, name_en,
                 full_name_en, valid_from, valid_to
  crosswalk.tsv  old_code, old_level, new_code, new_name, whole (1/0)

Run from the repository root:  python3 crates/tinhso-domain/data/build_admin_units.py
"""
import json, os, sys, unicodedata

SRC = os.environ.get("ADMIN_UNITS_SRC", os.path.join(os.path.dirname(__file__), "../../../../shared/data/admin-units"))
OUT = os.path.dirname(os.path.abspath(__file__))
REFORM_START = "2025-07-01"
LEGACY_END = "2025-06-30"

PREFIXES = [  # longest first
    ("Thành phố ", "City"), ("Thị trấn ", "Township"), ("Thị xã ", "Town"), ("Đặc khu ", "Special Zone"),
    ("Phường ", "Ward"), ("Quận ", "Urban District"), ("Huyện ", "District"), ("Tỉnh ", "Province"), ("Xã ", "Commune"),
]

def fold(s):
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))

def split_name(full):
    for p, en in PREFIXES:
        if full.startswith(p):
            return full[len(p):], en
    return full, ""

def nfc(s):
    return unicodedata.normalize("NFC", s.strip())

def main():
    cur = json.load(open(os.path.join(SRC, "current/units.json"), encoding="utf-8"))
    leg = json.load(open(os.path.join(SRC, "legacy-2024/units.json"), encoding="utf-8"))
    splits = json.load(open(os.path.join(SRC, "mapping-2025/splits.json"), encoding="utf-8"))["data"]
    merges = json.load(open(os.path.join(SRC, "mapping-2025/merges.json"), encoding="utf-8"))["data"]
    rows = []
    for p in cur:
        rows.append((p["Code"], "province", p["Code"], "", nfc(p["Name"]), nfc(p["FullName"]), p["NameEn"], p["FullNameEn"], REFORM_START, ""))
        for w in p["Wards"]:
            rows.append((w["Code"], "commune", p["Code"], p["Code"], nfc(w["Name"]), nfc(w["FullName"]), w["NameEn"], w["FullNameEn"], REFORM_START, ""))
    legacy_communes = set()
    for p in leg:
        name, en = split_name(nfc(p["FullName"]))
        rows.append((p["Code"], "province", p["Code"], "", name, nfc(p["FullName"]), fold(name), f"{fold(name)} {en}".strip(), "", LEGACY_END))
        for d in p["District"] or []:
            name, en = split_name(nfc(d["FullName"]))
            rows.append((d["Code"], "district", p["Code"], p["Code"], name, nfc(d["FullName"]), fold(name), f"{fold(name)} {en}".strip(), "", LEGACY_END))
            for w in d["Ward"] or []:
                name, en = split_name(nfc(w["FullName"]))
                legacy_communes.add(w["Code"])
                rows.append((w["Code"], "commune", p["Code"], d["Code"], name, nfc(w["FullName"]), fold(name), f"{fold(name)} {en}".strip(), "", LEGACY_END))
    # The crosswalk also names a few communes merged before the 2024 snapshot;
    # they are kept as legacy communes of their province (district unknown).
    for p in splits:
        for w in p["level3s"]:
            if w["level3_id"] not in legacy_communes:
                name, en = split_name(nfc(w["name"]))
                rows.append((w["level3_id"], "commune", p["level1_id"], p["level1_id"], name, nfc(w["name"]), fold(name), f"{fold(name)} {en}".strip(), "", LEGACY_END))
    merge_type = {}
    for p in merges:
        for m in p["merges"]:
            merge_type[("province", m["old_id"], p["level1_id"])] = m["type"]
        for w in p["level2s"]:
            for m in w["merges"]:
                merge_type[("commune", m["old_id"], w["level2_id"])] = m["type"]
    walk = []
    for p in splits:
        for s in p["splits"]:
            t = merge_type.get(("province", p["level1_id"], s["new_id"]), "full" if len(p["splits"]) == 1 else "partial")
            walk.append((p["level1_id"], "province", s["new_id"], nfc(s["name"]), "1" if t == "full" else "0"))
        for w in p["level3s"]:
            for s in w["splits"]:
                t = merge_type.get(("commune", w["level3_id"], s["new_id"]), "full" if len(w["splits"]) == 1 else "partial")
                walk.append((w["level3_id"], "commune", s["new_id"], nfc(s["name"]), "1" if t == "full" else "0"))
    for fname, data in (("units.tsv", rows), ("crosswalk.tsv", walk)):
        with open(os.path.join(OUT, fname), "w", encoding="utf-8", newline="\n") as f:
            for r in data:
                assert all("\t" not in x and "\n" not in x for x in r), r
                f.write("\t".join(r) + "\n")
    print(f"{len(rows)} units, {len(walk)} crosswalk entries", file=sys.stderr)

if __name__ == "__main__":
    main()
