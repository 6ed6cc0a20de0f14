#!/usr/bin/env python3
"""Generates the `ioc` benchmark's CSV: administrative-procedure dossiers of Gia Lai.

    bench/.venv/bin/python bench/ioc/gen.py --rows 10000000 bench/out/ho-so-tthc-10m.csv

One row per dossier ("hồ sơ thủ tục hành chính") received by the province's one-stop
offices over the 365 days before --today, valid against bench/ioc/dataset.json
(slug `ho-so-tthc`): the header holds the field names, values are in the formats
tinhso's ingest reads (dates dd/mm/yyyy, datetimes dd/mm/yyyy HH:MM:SS in Vietnam's
local time, booleans Có/Không, the status exactly as the enum spells it).

- ma_thu_tuc, ten_thu_tuc, linh_vuc: procedures of the national public-service portal
  (the list of the demo dataset, crates/tinhso-warehouse/src/demo/data.rs), each with
  its receiving agency, time limit in working days and relative frequency. 2% of the
  rows have no linh_vuc.
- co_quan: the department (SNNMT, STP, STC, SXD, SKHCN, CAT) or, for commune-level
  procedures, the applicant's commune office XA-<commune code>.
- xa: one of Gia Lai's 135 communes (the feature ids of
  /work/shared/data/geo/communes-2025-gia-lai/communes.geojson), weighted.
- ngay_tiep_nhan: working days carry ~30 times the dossiers of a Sunday; office hours,
  online dossiers at any hour from 06:00 to 23:00. The rows are in the order of the
  day received.
- han_xu_ly: the time limit in working days after the first working day.
- ngay_tra_ket_qua, trang_thai, dung_han: each receiving agency solves 80–96% of its
  dossiers in time (~88% overall); late ones come back 1–11 working days after the
  due date, 0.3% are stuck. The state is the one at the start of --today: returned
  ("Đã trả kết quả", dung_han = returned on or before the due date), overdue
  ("Quá hạn", dung_han = Không), else in progress ("Đang xử lý", or "Đã tiếp nhận" on
  the day received) with no dung_han.
- truc_tuyen: online share by agency kind; 1% empty.

DuckDB SQL does the work (range() with hash-based pseudo-random columns, then
COPY ... TO csv): about a minute per 10 million rows on 2 cores. Deterministic: the same
--rows, --seed and --today give the same bytes. Next to the CSV it writes
FILE.meta.json (rows, bytes, today, seed, generator version, counts by status).
"""
import argparse
import datetime as dt
import json
import os
import sys
import time

import duckdb

GENERATOR_VERSION = 1  # bump when the bytes written change: bench/ioc/run then regenerates its file
HERE = os.path.dirname(os.path.abspath(__file__))
COMMUNES = "/work/shared/data/geo/communes-2025-gia-lai/communes.geojson"
COLUMNS = ["ma_ho_so", "ma_thu_tuc", "ten_thu_tuc", "linh_vuc", "co_quan", "xa", "ngay_tiep_nhan", "han_xu_ly",
           "ngay_tra_ket_qua", "truc_tuyen", "trang_thai", "dung_han"]
STATUSES = ["Đã tiếp nhận", "Đang xử lý", "Đã trả kết quả", "Quá hạn"]

# (code, name, field, receiving agency ("XA": the applicant's commune), limit in working days, weight).
PROCEDURES = [
    ("1.001193", "Thủ tục đăng ký khai sinh", "Hộ tịch", "XA", 1, 30),
    ("1.000894", "Thủ tục đăng ký kết hôn", "Hộ tịch", "XA", 3, 8),
    ("1.000656", "Thủ tục đăng ký khai tử", "Hộ tịch", "XA", 1, 6),
    ("1.004884", "Thủ tục đăng ký lại khai sinh", "Hộ tịch", "XA", 5, 2),
    ("1.001022", "Thủ tục đăng ký nhận cha, mẹ, con", "Hộ tịch", "XA", 3, 2),
    ("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của Việt Nam "
                 "cấp hoặc chứng nhận", "Chứng thực", "XA", 1, 40),
    ("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản", "Chứng thực", "XA", 1, 18),
    ("2.001019", "Chứng thực di chúc", "Chứng thực", "XA", 2, 2),
    ("2.000913", "Chứng thực việc sửa đổi, bổ sung, hủy bỏ giao dịch", "Chứng thực", "XA", 2, 1),
    ("1.012753", "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
     "Đất đai", "XA", 20, 4),
    ("1.001612", "Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)", "XA", 3, 6),
    ("1.001266", "Chấm dứt hoạt động hộ kinh doanh", "Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)", "XA", 3, 2),
    ("1.011606", "Công nhận hộ nghèo, hộ cận nghèo; hộ thoát nghèo, hộ thoát cận nghèo định kỳ hằng năm",
     "Giảm nghèo", "XA", 10, 3),
    ("3.000412", "Công nhận người lao động có thu nhập thấp", "Giảm nghèo", "XA", 7, 2),
    ("1.001662", "Đăng ký khai thác nước dưới đất", "Tài nguyên nước", "XA", 10, 1),
    ("1.004222", "Đăng ký thường trú", "Đăng ký, quản lý cư trú", "CAT", 7, 6),
    ("1.004194", "Đăng ký tạm trú", "Đăng ký, quản lý cư trú", "CAT", 3, 8),
    ("1.003197", "Xóa đăng ký thường trú", "Đăng ký, quản lý cư trú", "CAT", 3, 2),
    ("1.002755", "Gia hạn tạm trú", "Đăng ký, quản lý cư trú", "CAT", 3, 2),
    ("1.012783", "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "Đất đai",
     "SNNMT", 7, 6),
    ("1.012786", "Cấp lại Giấy chứng nhận do bị mất", "Đất đai", "SNNMT", 10, 2),
    ("1.012784", "Tách thửa hoặc hợp thửa đất", "Đất đai", "SNNMT", 15, 3),
    ("1.012790", "Đính chính Giấy chứng nhận đã cấp", "Đất đai", "SNNMT", 10, 1),
    ("1.014257", "Cấp giấy phép khai thác khoáng sản (cấp Tỉnh)", "Địa chất và khoáng sản", "SNNMT", 45, 1),
    ("1.010727", "Cấp giấy phép môi trường (cấp Tỉnh)", "Môi trường", "SNNMT", 30, 1),
    ("1.004122", "Cấp giấy phép hành nghề khoan nước dưới đất", "Tài nguyên nước", "SNNMT", 10, 1),
    ("1.002338", "Cấp giấy chứng nhận kiểm dịch động vật, sản phẩm động vật trên cạn vận chuyển ra khỏi địa bàn "
                 "cấp tỉnh", "Thú y", "SNNMT", 3, 2),
    ("1.001686", "Cấp Giấy chứng nhận đủ điều kiện buôn bán thuốc thú y", "Thú y", "SNNMT", 10, 1),
    ("3.000333", "Cấp Phiếu Lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
     "Lý lịch tư pháp", "STP", 10, 5),
    ("1.013803", "Bổ nhiệm công chứng viên", "Công chứng", "STP", 20, 1),
    ("2.001583", "Đăng ký thành lập công ty TNHH một thành viên", "Thành lập và hoạt động của doanh nghiệp",
     "STC", 3, 3),
    ("2.001199", "Đăng ký thành lập công ty TNHH hai thành viên trở lên", "Thành lập và hoạt động của doanh nghiệp",
     "STC", 3, 2),
    ("2.001610", "Đăng ký thành lập doanh nghiệp tư nhân", "Thành lập và hoạt động của doanh nghiệp", "STC", 3, 1),
    ("3.000348", "Cấp lại giấy phép lái xe", "Sát hạch, cấp giấy phép lái xe", "SXD", 5, 4),
    ("1.013217", "Cấp lại chứng chỉ hành nghề hoạt động xây dựng", "Hoạt động xây dựng", "SXD", 20, 1),
    ("1.012900", "Cấp giấy phép hoạt động của Sàn giao dịch bất động sản", "Kinh doanh bất động sản", "SXD", 15, 1),
    ("1.014565", "Đăng ký kinh doanh của tổ chức khoa học công nghệ", "Khoa học công nghệ", "SKHCN", 5, 1),
    ("1.004030", "Tuyển chọn công dân vào Công an nhân dân (thực hiện tại cấp tỉnh)", "Tổ chức, cán bộ", "CAT", 30, 1),
    ("1.005388", "Cấp giấy phép hoạt động đối với cơ sở khám bệnh, chữa bệnh", "Khám bệnh, chữa bệnh", "SYT", 20, 1),
    ("1.004616", "Cấp chứng chỉ hành nghề dược", "Dược phẩm", "SYT", 10, 1),
    ("1.000748", "Giải quyết khiếu nại lần đầu", "Giải quyết khiếu nại", "VP-UBND", 30, 1),
]


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def sql_list(values):
    return "[" + ", ".join(sql_str(v) if isinstance(v, str) else repr(v) for v in values) + "]"


def communes(path):
    with open(path, encoding="utf-8") as f:
        feats = json.load(f)["features"]
    codes = sorted(str(x.get("id") or x["properties"]["code"]) for x in feats)
    if len(codes) != 135:
        sys.exit(f"gen.py: {path} has {len(codes)} communes, expected Gia Lai's 135")
    return codes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--today", help="YYYY-MM-DD: the day after the last day received (default: today in Vietnam)")
    ap.add_argument("--communes", default=COMMUNES)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    a = ap.parse_args()
    if a.rows < 1:
        sys.exit("gen.py: --rows wants a number >= 1")
    today = (dt.date.fromisoformat(a.today) if a.today
             else (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=7)).date())
    codes = communes(a.communes)
    # Commune weights 1..6 from the code (a fixed, uneven spread), so the map has something to show.
    cw = [1 + int(c) * 7919 % 6 for c in codes]
    commune_pick = [i + 1 for i, w in enumerate(cw) for _ in range(w)]
    proc_pick = [i + 1 for i, p in enumerate(PROCEDURES) for _ in range(p[5])]

    t0 = time.monotonic()
    con = duckdb.connect()
    con.execute(f"PRAGMA threads={a.threads}")
    con.execute("SET preserve_insertion_order = true")
    s = int(a.seed)
    # u(i, k): a pseudo-random number in [0, 1) for row i and draw k.
    con.execute(f"CREATE MACRO u(i, k) AS (hash(i, k, {s}) % 1000000007)::DOUBLE / 1000000007.0")
    # Working days: Monday..Friday (no public holidays). wd(d): d itself if a weekday, else the next Monday.
    con.execute("CREATE MACRO wd(d) AS CASE isodow(d) WHEN 6 THEN d + 2 WHEN 7 THEN d + 1 ELSE d END")
    # add_wd(d, n): n working days after the weekday d.
    con.execute("CREATE MACRO add_wd(d, n) AS d + (n + 2 * ((isodow(d) - 1 + n) // 5))::INTEGER")
    # An office-hours time (7:30–11:30 for 60%, 13:30–17:00) as seconds after midnight, from a draw x.
    con.execute("CREATE MACRO office(x) AS CASE WHEN x < 0.6 THEN 27000 + floor(x / 0.6 * 14400) "
                "ELSE 48600 + floor((x - 0.6) / 0.4 * 12600) END::INTEGER")
    # The days: 365 before today, each with its share of the rows (weekday 76, Saturday 11, Sunday 2.5).
    first = today - dt.timedelta(days=365)
    con.execute(f"""
        CREATE TABLE days AS
        WITH d AS (
          SELECT (DATE '{first}' + i::INTEGER) AS day, i AS k,
                 CASE isodow(DATE '{first}' + i::INTEGER) WHEN 6 THEN 11.0 WHEN 7 THEN 2.5 ELSE 76.0 END
                   * (0.85 + 0.3 * u(i, 99)) AS w
          FROM range(365) t(i)),
        c AS (SELECT day, k, sum(w) OVER (ORDER BY k) AS cw, sum(w) OVER () AS tw FROM d)
        SELECT day, k, round(({a.rows} * (cw - 0))::DOUBLE / tw)::BIGINT AS hi FROM c""")
    con.execute("CREATE TABLE days2 AS SELECT day, k, coalesce(lag(hi) OVER (ORDER BY k), 0) AS lo, hi FROM days")
    n_pick, c_pick = len(proc_pick), len(commune_pick)
    con.execute(f"""
        CREATE MACRO proc_code(p) AS {sql_list([p[0] for p in PROCEDURES])}[p];
        CREATE MACRO proc_name(p) AS {sql_list([p[1] for p in PROCEDURES])}[p];
        CREATE MACRO proc_field(p) AS {sql_list([p[2] for p in PROCEDURES])}[p];
        CREATE MACRO proc_who(p) AS {sql_list([p[3] for p in PROCEDURES])}[p];
        CREATE MACRO proc_limit(p) AS {sql_list([p[4] for p in PROCEDURES])}[p];
        CREATE MACRO pick_proc(x) AS {sql_list(proc_pick)}[1 + floor(x * {n_pick})::INTEGER];
        CREATE MACRO pick_commune(x) AS {sql_list(codes)}[{sql_list(commune_pick)}[1 + floor(x * {c_pick})::INTEGER]];
    """)
    as_of = f"TIMESTAMP '{today} 00:00:00'"
    query = f"""
    WITH s AS (SELECT i, day FROM days2, range(days2.lo, days2.hi) t(i) ORDER BY i),
    r AS (
      SELECT i, day, pick_proc(u(i, 1)) AS p, pick_commune(u(i, 2)) AS xa, u(i, 3) AS x_online,
             u(i, 4) AS x_time, u(i, 5) AS x_late, u(i, 6) AS x_done, u(i, 7) AS x_done_t, u(i, 8) AS x_misc
      FROM s),
    a AS (
      SELECT *, proc_who(p) AS who, proc_limit(p) AS lim,
             CASE WHEN proc_who(p) = 'XA' THEN 'XA-' || xa ELSE proc_who(p) END AS co_quan
      FROM r),
    b AS (
      SELECT a.*,
             isodow(day) >= 6 OR x_online < CASE WHEN who = 'XA' AND proc_field(p) = 'Chứng thực' THEN 0.2
                                                  WHEN who = 'XA' THEN 0.55 WHEN who = 'CAT' THEN 0.85 ELSE 0.7 END
               AS online
      FROM a),
    c AS (
      SELECT b.*,
             CASE WHEN online AND x_misc < 0.3 THEN 21600 + floor(x_time * 61200)::INTEGER ELSE office(x_time) END AS secs
      FROM b),
    d AS (
      SELECT c.*, day + to_seconds(secs) AS received,
             wd(CASE WHEN secs >= 57600 THEN day + 1 ELSE day END) AS first_day
      FROM c),
    e AS (
      SELECT d.*, add_wd(first_day, lim) AS due, 0.80 + 0.16 * (hash(co_quan, {s}) % 1000) / 1000.0 AS rate
      FROM d),
    f AS (
      SELECT e.*,
             CASE WHEN x_late < rate THEN add_wd(first_day, floor(x_done * (lim + 1))::INTEGER)
                  WHEN x_late > 0.997 THEN DATE '9999-12-31'
                  ELSE add_wd(due, 1 + floor(x_done * 11)::INTEGER) END AS done_day
      FROM e),
    g AS (
      SELECT f.*,
             CASE WHEN done_day = DATE '9999-12-31' THEN NULL
                  WHEN done_day + to_seconds(office(x_done_t)) <= received
                    THEN received + to_minutes(20 + floor(x_done_t * 70)::INTEGER)
                  ELSE done_day + to_seconds(office(x_done_t)) END AS done
      FROM f),
    h AS (
      SELECT g.*,
             CASE WHEN done IS NOT NULL AND done <= {as_of} THEN 2
                  WHEN DATE '{today}' > due THEN 3
                  WHEN CAST(received AS DATE) = DATE '{today}' - 1 AND x_misc < 0.5 THEN 0
                  ELSE 1 END AS st
      FROM g)
    SELECT
      replace(co_quan, '-', '') || '-' || strftime(day, '%y%m%d') || '-' || lpad(i::VARCHAR, 8, '0') AS ma_ho_so,
      proc_code(p) AS ma_thu_tuc,
      proc_name(p) AS ten_thu_tuc,
      CASE WHEN u(i, 9) < 0.02 THEN NULL ELSE proc_field(p) END AS linh_vuc,
      co_quan,
      xa,
      strftime(received, '%d/%m/%Y %H:%M:%S') AS ngay_tiep_nhan,
      strftime(due, '%d/%m/%Y') AS han_xu_ly,
      CASE WHEN st = 2 THEN strftime(done, '%d/%m/%Y %H:%M:%S') END AS ngay_tra_ket_qua,
      CASE WHEN u(i, 10) < 0.01 THEN NULL WHEN online THEN 'Có' ELSE 'Không' END AS truc_tuyen,
      {sql_list(STATUSES)}[st + 1] AS trang_thai,
      CASE WHEN st = 2 THEN CASE WHEN CAST(done AS DATE) <= due THEN 'Có' ELSE 'Không' END
           WHEN st = 3 THEN 'Không' END AS dung_han
    FROM h
    """
    tmp = a.out + ".tmp"
    con.execute(f"COPY ({query}) TO {sql_str(tmp)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"')")
    gen_s = time.monotonic() - t0
    counts = dict(con.execute(
        f"SELECT trang_thai, count(*) FROM read_csv({sql_str(tmp)}, all_varchar = true) GROUP BY 1 ORDER BY 1").fetchall())
    rows = sum(counts.values())
    if rows != a.rows:
        sys.exit(f"gen.py: wrote {rows} rows, wanted {a.rows}")
    os.replace(tmp, a.out)
    meta = {"generator_version": GENERATOR_VERSION, "rows": rows, "columns": len(COLUMNS),
            "bytes": os.path.getsize(a.out), "seed": a.seed, "today": str(today),
            "first_day": str(first), "last_day": str(today - dt.timedelta(days=1)),
            "by_status": counts, "seconds": round(gen_s, 1), "duckdb": duckdb.__version__}
    with open(a.out + ".meta.json", "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(json.dumps(meta, ensure_ascii=False))


if __name__ == "__main__":
    main()
