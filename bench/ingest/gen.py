#!/usr/bin/env python3
"""Generates the `ingest` benchmark's CSV: Vietnamese-shaped administrative dossiers.

    python3 bench/ingest/gen.py --rows 1000000 bench/out/ho-so-1m.csv
    python3 bench/ingest/gen.py --bytes 2GiB   bench/out/ho-so-2gb.csv

20 columns (headers = the field labels of bench/ingest/dataset.json) covering every
field type: text, integer, decimal, boolean, date, datetime, money, enum,
admin_unit, cccd, mst, phone, email, point. Formats are the Vietnamese ones:
dates dd/mm/yyyy, datetimes dd/mm/yyyy HH:MM:SS, money 1.250.000, decimals 12,5,
booleans Có/Không, names with diacritics in NFC.

About 1% of rows (--bad-rate) carry exactly one deliberately bad value (a CCCD of
the wrong shape, 31/02/2024, a tax code with a wrong check digit, a landline
number, a commune code that does not exist, an empty required field, ...), so
validation has work to do. The key column (ma_ho_so) is never touched: every row
has a unique key.

Deterministic: the same --seed and --rows give the same bytes, whatever --jobs.
Rows are made in blocks of BLOCK rows, each from its own seeded generator, and
written in order as they come: the file is streamed, never held in memory.
Standard library only (Python 3.11). Next to the CSV it writes FILE.meta.json:
rows, bad rows (total and per kind), bytes, seed.
"""
import argparse
import csv
import datetime as dt
import io
import json
import math
import multiprocessing as mp
import os
import random
import sys
import time
import unicodedata

GENERATOR_VERSION = 2  # bump when the bytes written change: bench/ingest/run then regenerates its files
BLOCK = 50_000
PROVINCE = "52"  # Gia Lai (merged with Bình Định on 2025-07-01)
PROVINCE_NAME = "tỉnh Gia Lai"
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_UNITS = os.path.join(HERE, "..", "..", "crates", "tinhso-domain", "data", "units.tsv")

# (name, label) in column order; must match dataset.json (checked by --check-def).
COLUMNS = [
    ("ma_ho_so", "Mã hồ sơ"),
    ("ho_ten", "Họ và tên"),
    ("ngay_sinh", "Ngày sinh"),
    ("gioi_tinh", "Giới tính"),
    ("so_cccd", "Số CCCD"),
    ("so_dien_thoai", "Số điện thoại"),
    ("email", "Thư điện tử"),
    ("dia_chi", "Địa chỉ"),
    ("ma_xa", "Mã xã"),
    ("ma_so_thue", "Mã số thuế"),
    ("linh_vuc", "Lĩnh vực"),
    ("trang_thai", "Trạng thái"),
    ("ngay_tiep_nhan", "Ngày tiếp nhận"),
    ("ngay_hen_tra", "Ngày hẹn trả"),
    ("so_ngay_xu_ly", "Số ngày xử lý"),
    ("le_phi", "Lệ phí"),
    ("dien_tich", "Diện tích (m²)"),
    ("nop_truc_tuyen", "Nộp trực tuyến"),
    ("toa_do", "Tọa độ"),
    ("ghi_chu", "Ghi chú"),
]
COL = {name: i for i, (name, _) in enumerate(COLUMNS)}

GENDERS = ["Nam", "Nữ"]
LINH_VUC = ["Đất đai", "Hộ tịch", "Đầu tư", "Xây dựng", "Giáo dục", "Y tế", "Lao động", "Tư pháp", "Giao thông", "Nông nghiệp"]
TRANG_THAI = ["Mới tiếp nhận", "Đang xử lý", "Đã giải quyết", "Trả lại", "Quá hạn"]
BOOL = ["Có", "Không"]

SURNAMES = (
    ["Nguyễn"] * 38 + ["Trần"] * 11 + ["Lê"] * 9 + ["Phạm"] * 7 + ["Huỳnh"] * 5 + ["Hoàng"] * 3 + ["Võ"] * 4
    + ["Phan"] * 4 + ["Vũ"] * 2 + ["Đặng"] * 2 + ["Bùi"] * 2 + ["Đỗ"] * 2 + ["Hồ"] * 2 + ["Ngô"] + ["Dương"] + ["Lý"]
    + ["Đinh", "Đoàn", "Lâm", "Mai", "Trịnh", "Trương", "Tô", "Cao", "La", "Lương", "Kpă", "Rơ Châm", "Siu", "Ksor"]
)
MIDDLE_M = ["Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Công", "Ngọc", "Xuân", "Đình", "Anh", "Trung", "Hoàng"]
MIDDLE_F = ["Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Hồng", "Bích", "Thuỳ", "Phương", "Minh", "Hoài"]
GIVEN_M = [
    "An", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Giang", "Hải", "Hào", "Hiếu", "Hoàng", "Hùng", "Huy",
    "Khang", "Khánh", "Kiên", "Lâm", "Long", "Luân", "Minh", "Nam", "Nghĩa", "Phát", "Phong", "Phúc", "Quân", "Quang",
    "Sơn", "Tài", "Tâm", "Thái", "Thắng", "Thành", "Thịnh", "Toàn", "Trí", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ",
]
GIVEN_F = [
    "An", "Anh", "Châu", "Chi", "Diệp", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hương", "Huyền",
    "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Quỳnh", "Thảo",
    "Thơ", "Thu", "Thuỷ", "Trang", "Trâm", "Tuyết", "Uyên", "Vân", "Vy", "Xuân", "Yến",
]
STREETS = [
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Quang Trung", "Phạm Văn Đồng", "Hùng Vương",
    "Lý Thường Kiệt", "Nguyễn Thái Học", "Điện Biên Phủ", "Lê Duẩn", "Trường Chinh", "Phan Đình Phùng", "Tăng Bạt Hổ",
    "Ngô Mây", "Xuân Diệu", "Bạch Đằng", "Nguyễn Tất Thành", "Tây Sơn", "An Dương Vương", "Võ Thị Sáu", "Lê Hồng Phong",
]
HAMLETS = ["Thôn", "Làng", "Tổ dân phố", "Khu phố", "Buôn"]
NOTES = [
    "Hồ sơ đầy đủ", "Bổ sung bản sao giấy khai sinh", "Chờ xác minh thực địa", "Đã liên hệ công dân qua điện thoại",
    "Thiếu chữ ký, đề nghị bổ sung", "Chuyển phòng Tài nguyên và Môi trường", "Ưu tiên: người cao tuổi",
    'Công dân ghi chú: "cần nhận kết quả sớm"', "Nộp qua Cổng Dịch vụ công quốc gia", "Trả kết quả qua bưu điện",
    "Đã thu lệ phí, chờ ký duyệt", "Sai thông tin thửa đất, trả lại để điều chỉnh",
]
FEES = [0, 0, 15_000, 20_000, 25_000, 30_000, 50_000, 75_000, 100_000, 150_000, 200_000, 500_000, 1_250_000, 2_000_000]
MAIL_DOMAINS = ["gmail.com"] * 6 + ["yahoo.com", "outlook.com", "gialai.gov.vn", "vnpt.vn"]
MOBILE_PREFIXES = (
    ["032", "033", "034", "035", "036", "037", "038", "039", "052", "056", "058", "059", "070", "076", "077", "078", "079"]
    + ["081", "082", "083", "084", "085", "086", "088", "089", "090", "091", "093", "094", "096", "097", "098", "099"]
)
CCCD_PROVINCES = ["052", "052", "052", "064", "064"]  # pre-2025 codes: Bình Định, Gia Lai
MST_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)

# Kinds of bad value and their weights (a bad row gets exactly one).
BAD_KINDS = [
    ("cccd", 3), ("date", 3), ("datetime", 1), ("phone", 1), ("mst", 1), ("admin_unit", 1), ("enum", 1),
    ("email", 1), ("money", 1), ("integer", 1), ("decimal", 1), ("boolean", 1), ("point", 1), ("required", 1),
]


def nfc(values):
    return [unicodedata.normalize("NFC", v) for v in values]


def fold(s):
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def load_units(path):
    """The province's current communes, and 5-digit codes next to theirs that no unit ever had.

    (A commune code abolished in 2025 is not a bad value: tinhso maps it to its successor.)
    """
    current, every = [], set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 10:
                continue
            every.add(p[0])
            if p[1] == "commune" and p[2] == PROVINCE and p[9] == "":
                current.append((p[0], p[5]))
    unknown = sorted({f"{int(c) + d:05d}" for c, _ in current for d in (-2, -1, 1, 2)} - every)
    if not current or not unknown:
        sys.exit(f"gen.py: no communes of province {PROVINCE} in {path}")
    return current, unknown


def mst_check(d9):
    r = sum(int(c) * w for c, w in zip(d9, MST_WEIGHTS)) % 11
    return None if r == 0 else 10 - r  # check = 10 - r; r == 0 gives 10: no such tax code


def money(v):
    return f"{v:,}".replace(",", ".")


def make_block(args):
    """Rows [start, start+count) of the file, as CSV text, plus the bad-row tally."""
    seed, block, start, count, bad_rate, units_path = args
    rng = random.Random(seed * 1_000_003 + block)
    r = rng.random
    ri = rng.randrange
    current, unknown_codes = load_units(units_path)
    n_cur = len(current)

    surnames, mid_m, mid_f = nfc(SURNAMES), nfc(MIDDLE_M), nfc(MIDDLE_F)
    giv_m, giv_f = nfc(GIVEN_M), nfc(GIVEN_F)
    streets, hamlets, notes = nfc(STREETS), nfc(HAMLETS), nfc(NOTES)
    linh_vuc, trang_thai, genders, bools = nfc(LINH_VUC), nfc(TRANG_THAI), nfc(GENDERS), nfc(BOOL)
    wards = [(c, unicodedata.normalize("NFC", n)) for c, n in current]
    fold_cache = {}

    birth0 = dt.date(1940, 1, 1).toordinal()
    birth_span = dt.date(2007, 12, 31).toordinal() - birth0 + 1
    recv0 = dt.date(2024, 1, 1).toordinal()
    recv_span = dt.date(2025, 12, 31).toordinal() - recv0 + 1

    bad_kinds = [k for k, w in BAD_KINDS for _ in range(w)]
    n_bad_kinds = len(bad_kinds)
    tally = {}
    rows = []
    append = rows.append
    for i in range(start, start + count):
        male = r() < 0.5
        sur = surnames[int(r() * len(surnames))]
        if male:
            mid = mid_m[int(r() * len(mid_m))]
            giv = giv_m[int(r() * len(giv_m))]
        else:
            mid = mid_f[int(r() * len(mid_f))]
            giv = giv_f[int(r() * len(giv_f))]
        name = f"{sur} {mid} {giv}"

        birth = dt.date.fromordinal(birth0 + int(r() * birth_span))
        by = birth.year
        cccd = f"{CCCD_PROVINCES[int(r() * 5)]}{(0 if by < 2000 else 2) + (0 if male else 1)}{by % 100:02d}{ri(1_000_000):06d}"

        if r() < 0.85:
            phone = f"{MOBILE_PREFIXES[int(r() * len(MOBILE_PREFIXES))]}{ri(10_000_000):07d}"
        else:
            phone = ""
        if r() < 0.45:
            key = (sur, mid, giv)
            f = fold_cache.get(key)
            if f is None:
                f = fold_cache[key] = (fold(giv) + fold(sur) + fold(mid)[0]).lower().replace(" ", "")
            email = f"{f}{ri(100)}@{MAIL_DOMAINS[int(r() * len(MAIL_DOMAINS))]}"
        else:
            email = ""

        ward_code, ward_name = wards[int(r() * n_cur)]
        if r() < 0.5:
            addr = f"Số {ri(1, 400)} đường {streets[int(r() * len(streets))]}, {ward_name}, {PROVINCE_NAME}"
        else:
            addr = f"{hamlets[int(r() * len(hamlets))]} {ri(1, 15)}, {ward_name}, {PROVINCE_NAME}"

        if r() < 0.3:
            while True:
                d9 = f"{ri(100_000_000, 1_000_000_000)}"
                c = mst_check(d9)
                if c is not None:
                    break
            mst = d9 + str(c)
        else:
            mst = ""

        lv = linh_vuc[int(r() * len(linh_vuc))]
        tt = trang_thai[int(r() * len(trang_thai))]
        recv = dt.date.fromordinal(recv0 + int(r() * recv_span))
        recv_s = f"{recv.day:02d}/{recv.month:02d}/{recv.year} {ri(7, 17):02d}:{ri(60):02d}:{ri(60):02d}"
        days = ri(1, 31)
        due = dt.date.fromordinal(recv.toordinal() + days)
        due_s = f"{due.day:02d}/{due.month:02d}/{due.year}"
        fee = money(FEES[int(r() * len(FEES))])
        area = f"{ri(150, 50_000) / 10:.1f}".replace(".", ",") if lv == linh_vuc[0] or r() < 0.1 else ""
        online = bools[0] if r() < 0.6 else bools[1]
        point = f"{13.0 + r() * 1.6:.5f}, {107.9 + r() * 1.35:.5f}" if r() < 0.9 else ""
        note = notes[int(r() * len(notes))] if r() < 0.3 else ""

        row = [
            f"HS{recv.year}-{i + 1:09d}", name, f"{birth.day:02d}/{birth.month:02d}/{by}", genders[0 if male else 1],
            cccd, phone, email, addr, ward_code, mst, lv, tt, recv_s, due_s, str(days), fee, area, online, point, note,
        ]

        if r() < bad_rate:
            kind = bad_kinds[int(r() * n_bad_kinds)]
            tally[kind] = tally.get(kind, 0) + 1
            if kind == "cccd":
                row[COL["so_cccd"]] = cccd[:-1] if r() < 0.5 else cccd[:6] + "A" + cccd[7:]
            elif kind == "date":
                row[COL["ngay_sinh"]] = ["31/02/2024", "30/02/1985", "29/02/2023", "31/04/1990", "00/01/1975"][ri(5)]
            elif kind == "datetime":
                row[COL["ngay_tiep_nhan"]] = ["31/06/2025 08:30:00", "15/13/2024 10:00:00", "12/03/2025 25:10:00"][ri(3)]
            elif kind == "phone":
                row[COL["so_dien_thoai"]] = ["0256382" + f"{ri(1000):03d}", "09" + f"{ri(10_000_000):07d}"][ri(2)]
            elif kind == "mst":
                d9 = f"{ri(100_000_000, 1_000_000_000)}"
                c = mst_check(d9)
                row[COL["ma_so_thue"]] = d9 + str(((c if c is not None else 0) + 1 + ri(9)) % 10)
            elif kind == "admin_unit":
                row[COL["ma_xa"]] = unknown_codes[int(r() * len(unknown_codes))]
            elif kind == "enum":
                row[COL["trang_thai"]] = ["Hoàn thành", "Đã huỷ", "Chờ bổ sung"][ri(3)]
            elif kind == "email":
                row[COL["email"]] = ["nguyenvan.a@@gmail.com", "tranthib.gmail.com", "le thi c@yahoo.com"][ri(3)]
            elif kind == "money":
                row[COL["le_phi"]] = ["1.25O.000", "hai trăm nghìn", "50.000.00"][ri(3)]
            elif kind == "integer":
                row[COL["so_ngay_xu_ly"]] = ["mười", "12a", "7,5"][ri(3)]
            elif kind == "decimal":
                row[COL["dien_tich"]] = ["12,5,3", "khoảng 100", "1O0,5"][ri(3)]
            elif kind == "boolean":
                row[COL["nop_truc_tuyen"]] = ["Chưa rõ", "Có thể", "Khong phai"][ri(3)]
            elif kind == "point":
                row[COL["toa_do"]] = ["13.78, ", "95.5, 108.2", "Quy Nhơn"][ri(3)]
            elif kind == "required":
                row[COL[["ho_ten", "ngay_sinh", "so_cccd", "ma_xa"][ri(4)]]] = ""
        append(row)

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8"), count, tally


def parse_bytes(s):
    units = {"": 1, "B": 1, "K": 10**3, "KB": 10**3, "M": 10**6, "MB": 10**6, "G": 10**9, "GB": 10**9,
             "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}
    s = s.strip().upper()
    num = s.rstrip("KMGIB")
    return int(float(num) * units[s[len(num):]])


def blocks(seed, first_row, rows, bad_rate, units):
    out, start, b = [], first_row, first_row // BLOCK
    while start < first_row + rows:
        n = min(BLOCK, first_row + rows - start)
        out.append((seed, b, start, n, bad_rate, units))
        start += n
        b += 1
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="CSV file to write")
    size = ap.add_mutually_exclusive_group(required=True)
    size.add_argument("--rows", type=int, help="number of data rows")
    size.add_argument("--bytes", help="target file size, e.g. 2GiB or 2GB; rows = ceil(size / measured bytes per row)")
    ap.add_argument("--seed", type=int, default=20250701)
    ap.add_argument("--bad-rate", type=float, default=0.01, help="share of rows with one bad value (default 0.01)")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes (default: up to 2)")
    ap.add_argument("--units", default=DEFAULT_UNITS, help="units.tsv with the current communes (default: the repo's)")
    a = ap.parse_args()
    if a.rows is not None and a.rows < 1:
        ap.error("--rows must be >= 1")
    load_units(a.units)  # fail early

    header = ",".join(label for _, label in COLUMNS).encode("utf-8") + b"\n"
    t0 = time.monotonic()
    first = None
    if a.bytes:
        # Measure bytes per row on the first block (which is also the file's first block).
        target = parse_bytes(a.bytes)
        first = make_block(blocks(a.seed, 0, BLOCK, a.bad_rate, a.units)[0])
        per_row = len(first[0]) / BLOCK
        rows = max(BLOCK, math.ceil((target - len(header)) / per_row))
        print(f"gen.py: {per_row:.1f} bytes per row measured; {rows:,} rows for {target:,} bytes", file=sys.stderr)
    else:
        rows = a.rows

    tmp = a.out + ".part"
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    written, done, bad, tally = len(header), 0, 0, {}
    todo = blocks(a.seed, 0, rows, a.bad_rate, a.units)
    if first is not None:
        todo = todo[1:]
    with open(tmp, "wb") as f:
        f.write(header)

        def take(res):
            nonlocal written, done, bad
            data, n, t = res
            f.write(data)
            written += len(data)
            done += n
            for k, v in t.items():
                tally[k] = tally.get(k, 0) + v
                bad += v
            if sys.stderr.isatty():
                print(f"\rgen.py: {done:,}/{rows:,} rows", end="", file=sys.stderr)

        if first is not None:
            take(first)
            first = None
        if a.jobs > 1 and len(todo) > 1:
            with mp.get_context("fork").Pool(a.jobs) as pool:
                for res in pool.imap(make_block, todo):  # in order; at most a few blocks in flight
                    take(res)
        else:
            for job in todo:
                take(make_block(job))
    os.replace(tmp, a.out)
    secs = time.monotonic() - t0
    if sys.stderr.isatty():
        print(file=sys.stderr)
    meta = {
        "generator_version": GENERATOR_VERSION, "seed": a.seed, "rows": rows, "columns": len(COLUMNS),
        "bad_rate": a.bad_rate, "bad_rows": bad, "bad_by_kind": dict(sorted(tally.items())), "bytes": written,
        "bytes_per_row": round((written - len(header)) / rows, 1), "seconds": round(secs, 1),
    }
    with open(a.out + ".meta.json", "w", encoding="utf-8") as m:
        json.dump(meta, m, indent=1)
        m.write("\n")
    print(f"gen.py: wrote {a.out}: {rows:,} rows, {written / 1e6:,.1f} MB, {bad:,} bad rows "
          f"({100 * bad / rows:.2f}%) in {secs:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
