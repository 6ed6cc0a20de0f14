//! The thirteen demo datasets, one builder each: definition, then the files an agency would send.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde_json::{json, Value};

use super::{
    add_months, add_working_days, address, bad_mst, capitalise, csv_bytes, data, date_vn, datetime_vn, decompose,
    definition, field, first_of_month, hamlet, headers, is_working_day, landline, lower_first, messy_spaces, mobile,
    money, mst, mst_prefix, person, point, tcvn3_bytes, tcvn3_safe, upload, vn_dec, vn_int, xlsx_bytes, Built, Cell,
    Commune, CsvStyle, Ctx, Decomposed, Header, Meta, Person, Rng, CSV, F,
};

pub(super) fn all(ctx: &Ctx) -> Vec<Built> {
    let sites = sites(ctx);
    vec![
        dan_so_xa(ctx),
        truong_hoc(ctx),
        co_so_y_te(ctx),
        diem_du_lich(ctx, &sites),
        luot_khach_du_lich(ctx, &sites),
        ho_so_tthc(ctx),
        thua_dat(ctx),
        giay_phep_khoang_san(ctx),
        can_bo_cong_chuc(ctx),
        vung_thien_tai(ctx),
        to_cong_nghe_so(ctx),
        doanh_nghiep(ctx),
        tai_khoan_thanh_toan(ctx),
    ]
}

/// A row of strings for a CSV file.
type Row = Vec<String>;

fn coverage() -> Value {
    json!({"field": "xa", "level": "commune"})
}

fn policy(share: f64) -> Value {
    json!({"max_reject_share": share})
}

/// A current-commune field labelled `label`.
fn commune_field(label: &str) -> F {
    field("xa", label, "Commune", "admin_unit").req()
}

// ---------------------------------------------------------------------------------------------
// 1. Population by commune (CAT, from the national population database), an Excel report with a
// title block, one commune missing and a total line at the bottom.

fn dan_so_xa(ctx: &Ctx) -> Built {
    let mut rng = Rng::new("dan-so-xa");
    let meta = Meta {
        slug: "dan-so-xa",
        name: "Dân số theo đơn vị hành chính cấp xã",
        name_en: "Population by commune",
        zone: "shared",
        owner: "CAT",
        sector: "Dân cư",
        description: "Dân số, số hộ, cơ cấu giới tính, diện tích và mật độ của từng xã, phường, tổng hợp từ Cơ sở dữ \
            liệu quốc gia về dân cư.",
        frequency: "yearly",
        key: &["xa", "nam_bao_cao"],
    };
    let fields = vec![
        commune_field("Mã xã"),
        field("ten_xa", "Tên đơn vị hành chính", "Administrative unit", "text").req(),
        field("nam_bao_cao", "Năm báo cáo", "Reporting year", "integer").req().with("min", 2000).with("max", 2100),
        field("so_ho", "Số hộ", "Households", "integer").with("min", 0),
        field("dan_so", "Dân số", "Population", "integer").req().with("min", 0),
        field("dan_so_nam", "Dân số nam", "Male population", "integer").with("min", 0),
        field("dan_so_nu", "Dân số nữ", "Female population", "integer").with("min", 0),
        field("dien_tich_km2", "Diện tích (km²)", "Area (km²)", "decimal").with("min", 0),
        field("mat_do", "Mật độ dân số (người/km²)", "Density (people/km²)", "decimal").with("min", 0),
    ];
    let mut def = definition(&meta, &fields);
    def["coverage"] = coverage();
    let age = 40;
    let day = ctx.day(age);
    let year = (day - Duration::days(60)).year();
    let missing = rng.below(ctx.communes.len() as u64) as usize;
    let mut rows = Vec::new();
    let (mut total_pop, mut total_hh, mut total_m, mut total_f, mut total_area) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, c) in ctx.communes.iter().enumerate() {
        if i == missing {
            continue;
        }
        let pop = f64::from(c.pop);
        let households = (pop / rng.uniform(3.5, 4.2)).round();
        let male = (pop * rng.uniform(0.48, 0.51)).round();
        let area = (c.area_km2 * 10.0).round() / 10.0;
        total_pop += pop;
        total_hh += households;
        total_m += male;
        total_f += pop - male;
        total_area += area;
        rows.push(vec![
            Cell::S(c.code.clone()),
            Cell::S(c.full_name.clone()),
            Cell::N(f64::from(year)),
            Cell::N(households),
            Cell::N(pop),
            Cell::N(male),
            Cell::N(pop - male),
            Cell::N(area),
            Cell::N((pop / area.max(0.1) * 10.0).round() / 10.0),
        ]);
    }
    // The total line every report has; it has no commune code and is rejected.
    rows.push(vec![
        Cell::Empty,
        Cell::S("Tổng cộng".into()),
        Cell::Empty,
        Cell::N(total_hh),
        Cell::N(total_pop),
        Cell::N(total_m),
        Cell::N(total_f),
        Cell::N((total_area * 10.0).round() / 10.0),
        Cell::N((total_pop / total_area * 10.0).round() / 10.0),
    ]);
    let title = vec![
        format!("UBND {}", ctx.province_full.to_uppercase()),
        format!("BÁO CÁO DÂN SỐ, SỐ HỘ THEO ĐƠN VỊ HÀNH CHÍNH CẤP XÃ NĂM {year}"),
        format!("(Nguồn: Cơ sở dữ liệu quốc gia về dân cư, số liệu đến ngày {})", date_vn(day - Duration::days(5))),
    ];
    let heads = headers(&fields, Header::Label);
    let bytes = xlsx_bytes("Dân số", &title, &heads, &rows, day);
    let mut b = Built::new(def);
    b.push(upload(format!("bao-cao-dan-so-{year}.xlsx"), bytes, "replace", age), rows.len(), heads);
    b
}

// ---------------------------------------------------------------------------------------------
// 2. Schools (SGDDT): `;`-separated with a byte-order mark, money in "tỷ"/"triệu".

const FAMOUS: &[&str] = &[
    "Nguyễn Du",
    "Lê Lợi",
    "Trần Phú",
    "Lê Quý Đôn",
    "Nguyễn Huệ",
    "Quang Trung",
    "Ngô Mây",
    "Võ Thị Sáu",
    "Chu Văn An",
    "Nguyễn Trãi",
    "Lý Tự Trọng",
    "Phan Bội Châu",
    "Trần Quốc Toản",
    "Kim Đồng",
    "Hùng Vương",
    "Nguyễn Bỉnh Khiêm",
    "Lương Thế Vinh",
    "Tây Sơn",
    "Trần Hưng Đạo",
    "Nguyễn Văn Cừ",
];
const KINDERGARTENS: &[&str] =
    &["Hoa Sen", "Họa Mi", "Sơn Ca", "Hoa Hồng", "Vành Khuyên", "Bình Minh", "Tuổi Thơ", "Hướng Dương", "Măng Non"];
const LEVELS: &[&str] = &["Mầm non", "Tiểu học", "THCS", "THPT"];

fn truong_hoc(ctx: &Ctx) -> Built {
    let mut rng = Rng::new("truong-hoc");
    let meta = Meta {
        slug: "truong-hoc",
        name: "Trường học",
        name_en: "Schools",
        zone: "shared",
        owner: "SGDDT",
        sector: "Giáo dục",
        description:
            "Danh mục trường mầm non, tiểu học, trung học cơ sở và trung học phổ thông: quy mô học sinh, giáo \
            viên, ngân sách, hiệu trưởng và vị trí.",
        frequency: "yearly",
        key: &["ma_truong"],
    };
    let fields = vec![
        field("ma_truong", "Mã trường", "School code", "text").req().with("pattern", "^[0-9]{8}$"),
        field("ten_truong", "Tên trường", "School name", "text").req().with("max_length", 200),
        field("cap_hoc", "Cấp học", "Level", "enum").req().values(LEVELS),
        commune_field("Xã/phường"),
        field("dia_chi", "Địa chỉ", "Address", "text"),
        field("so_hoc_sinh", "Số học sinh", "Pupils", "integer").with("min", 0).with("max", 5000),
        field("so_giao_vien", "Số giáo viên", "Teachers", "integer").with("min", 0).with("max", 400),
        field("ngay_thanh_lap", "Ngày thành lập", "Established", "date")
            .with("min", "1900-01-01")
            .with("max", ctx.today.to_string()),
        field("ngan_sach", "Ngân sách năm", "Annual budget", "money").with("min", 0),
        field("cccd_hieu_truong", "CCCD hiệu trưởng", "Principal's citizen ID", "cccd").personal("basic"),
        field("dien_thoai", "Điện thoại", "Phone", "phone"),
        field("toa_do", "Tọa độ", "Location", "point"),
    ];
    let mut def = definition(&meta, &fields);
    def["coverage"] = coverage();
    def["policy"] = policy(0.2);
    let age = 25;
    let mut seq = [0u32; 4];
    let mut rows: Vec<Row> = Vec::new();
    for c in &ctx.communes {
        let counts = if c.ward {
            [rng.range(2, 4), rng.range(2, 4), rng.range(1, 2), i64::from(rng.chance(0.6))]
        } else {
            [rng.range(1, 2), rng.range(1, 3), rng.range(1, 2), i64::from(rng.chance(0.25))]
        };
        for (level, &n) in counts.iter().enumerate() {
            let mut used = BTreeSet::new();
            for k in 0..n {
                seq[level] += 1;
                let code = format!("{}{}{:05}", ctx.province_code, level + 1, seq[level]);
                let name = loop {
                    let name = match level {
                        0 if k == 0 => format!("Trường Mầm non {}", c.name),
                        0 => format!("Trường Mầm non {}", rng.pick(KINDERGARTENS)),
                        1 if rng.chance(0.5) => format!("Trường Tiểu học Số {} {}", k + 1, c.name),
                        1 => format!("Trường Tiểu học {}", rng.pick(FAMOUS)),
                        2 if c.highland && !c.ward && rng.chance(0.4) => {
                            format!("Trường Phổ thông Dân tộc bán trú THCS {}", c.name)
                        }
                        2 => format!("Trường THCS {}", rng.pick(FAMOUS)),
                        _ => format!("Trường THPT {}", rng.pick(FAMOUS)),
                    };
                    if used.insert(name.clone()) {
                        break name;
                    }
                };
                let (lo, hi, ratio, since, until) = [
                    (80, 350, 12.0, 1976, 2020),
                    (150, 900, 20.0, 1960, 2015),
                    (200, 1100, 18.0, 1965, 2015),
                    (500, 1800, 20.0, 1960, 2012),
                ][level];
                let boost = if c.ward { 1.4 } else { 1.0 };
                let pupils = (rng.range(lo, hi) as f64 * boost) as i64;
                let teachers = ((pupils as f64 / ratio) * rng.uniform(0.85, 1.2)).round().max(3.0) as i64;
                let founded = NaiveDate::from_ymd_opt(rng.range(since, until) as i32, rng.range(1, 12) as u32, 1)
                    .expect("valid date")
                    + Duration::days(rng.range(0, 27));
                let budget = (pupils * rng.range(9, 16) * 1_000_000 + teachers * 110_000_000) / 1_000_000 * 1_000_000;
                let principal = person(&mut rng, c, 1966, 1988);
                let phone = if rng.chance(0.6) { landline(&mut rng, c) } else { mobile(&mut rng) };
                let mut row = vec![
                    code,
                    name,
                    LEVELS[level].to_string(),
                    c.code.clone(),
                    address(&mut rng, c),
                    pupils.to_string(),
                    teachers.to_string(),
                    date_vn(founded),
                    money(&mut rng, budget),
                    if rng.chance(0.04) { String::new() } else { principal.cccd },
                    phone,
                    point(&mut rng, c, 0.6),
                ];
                if rng.chance(0.017) {
                    match rng.below(5) {
                        0 => row[5] = format!("-{}", row[5]),
                        1 => row[10] = "0905 12 34".into(),
                        2 => row[7] = format!("31/02/{}", founded.year()),
                        3 => row[9] = row[9].get(..11).unwrap_or("05209012345").to_string(),
                        _ => row[2] = "Liên cấp".into(),
                    }
                }
                rows.push(row);
            }
        }
    }
    let heads = headers(&fields, Header::Label);
    let style = CsvStyle { delimiter: b';', bom: true, crlf: true };
    let bytes = csv_bytes(&heads, &rows, &style);
    let mut b = Built::new(def);
    let year = ctx.day(age).year();
    b.push(upload(format!("danh-sach-truong-hoc-{year}.csv"), bytes, "replace", age), rows.len(), heads);
    b
}

// ---------------------------------------------------------------------------------------------
// 3. Health facilities (SYT): a JSON export with a few duplicated records.

/// (name, current commune short name, beds from, beds to, public).
const HOSPITALS: &[(&str, &str, i64, i64, bool)] = &[
    ("Bệnh viện Đa khoa tỉnh Gia Lai", "Diên Hồng", 800, 1200, true),
    ("Bệnh viện Đa khoa Bình Định", "Quy Nhơn", 1000, 1400, true),
    ("Bệnh viện Nhi Gia Lai", "Pleiku", 300, 500, true),
    ("Bệnh viện Phong - Da liễu Trung ương Quy Hòa", "Quy Nhơn Nam", 300, 450, true),
    ("Bệnh viện Quân y 13", "Quy Nhơn Bắc", 150, 250, true),
    ("Bệnh viện Quân y 211", "Pleiku", 300, 500, true),
    ("Bệnh viện Đa khoa khu vực Bồng Sơn", "Bồng Sơn", 250, 400, true),
    ("Bệnh viện Đa khoa khu vực Phú Phong", "Tây Sơn", 200, 350, true),
    ("Bệnh viện Đa khoa khu vực Ayun Pa", "Ayun Pa", 200, 320, true),
    ("Bệnh viện Đa khoa khu vực An Khê", "An Khê", 200, 320, true),
    ("Bệnh viện Lao và Bệnh phổi", "Quy Nhơn Tây", 120, 200, true),
    ("Bệnh viện Mắt", "Quy Nhơn", 80, 150, true),
    ("Bệnh viện Tâm thần", "Quy Nhơn Tây", 100, 180, true),
    ("Bệnh viện Y học cổ truyền và Phục hồi chức năng", "Quy Nhơn", 150, 250, true),
    ("Bệnh viện Đại học Y Dược Hoàng Anh Gia Lai", "Pleiku", 200, 300, false),
    ("Bệnh viện Đa khoa Hòa Bình", "Pleiku", 80, 150, false),
    ("Bệnh viện Đa khoa Bình An", "Quy Nhơn", 80, 150, false),
];
const FACILITY_KINDS: &[&str] =
    &["Bệnh viện", "Trung tâm y tế", "Trạm y tế", "Phòng khám đa khoa", "Phòng khám chuyên khoa"];
const CLINIC_BRANDS: &[&str] = &[
    "Tâm An",
    "Thiện Nhân",
    "Hồng Phúc",
    "Medic",
    "An Phước",
    "Phúc Khang",
    "Nhân Ái",
    "Thái An",
    "Bình An",
    "Việt Mỹ",
    "Minh Tâm",
    "Hạnh Phúc",
    "An Tâm",
    "Tâm Đức",
    "Thành Công",
];
const SPECIALTIES: &[&str] = &["Răng Hàm Mặt", "Nhi", "Sản phụ khoa", "Tai Mũi Họng", "Mắt", "Nội", "Da liễu"];

fn co_so_y_te(ctx: &Ctx) -> Built {
    let mut rng = Rng::new("co-so-y-te");
    let meta = Meta {
        slug: "co-so-y-te",
        name: "Cơ sở y tế",
        name_en: "Health facilities",
        zone: "shared",
        owner: "SYT",
        sector: "Y tế",
        description:
            "Bệnh viện, trung tâm y tế, trạm y tế xã và phòng khám: loại hình, giường bệnh, bác sĩ, liên hệ và vị trí.",
        frequency: "quarterly",
        key: &["ma_co_so"],
    };
    let fields = vec![
        field("ma_co_so", "Mã cơ sở", "Facility code", "text").req().with("pattern", "^CSYT-[0-9]{4}$"),
        field("ten_co_so", "Tên cơ sở", "Facility name", "text").req(),
        field("loai_hinh", "Loại hình", "Kind", "enum").req().values(FACILITY_KINDS),
        field("cong_lap", "Công lập", "Public", "boolean"),
        commune_field("Xã/phường"),
        field("dia_chi", "Địa chỉ", "Address", "text"),
        field("so_giuong", "Số giường bệnh", "Beds", "integer").with("min", 0),
        field("so_bac_si", "Số bác sĩ", "Doctors", "integer").with("min", 0),
        field("dien_thoai", "Điện thoại", "Phone", "phone"),
        field("toa_do", "Tọa độ", "Location", "point"),
    ];
    let def = definition(&meta, &fields);
    let fallback = ctx.communes.iter().position(|c| c.ward).unwrap_or(0);
    // (name, kind, public, commune, beds, doctors)
    let mut facilities: Vec<(String, usize, bool, usize, i64, i64)> = Vec::new();
    for &(name, commune, lo, hi, public) in HOSPITALS {
        let beds = rng.range(lo, hi);
        let at = ctx.commune_named(commune).unwrap_or(fallback);
        facilities.push((name.to_string(), 0, public, at, beds, beds / rng.range(4, 7)));
    }
    for d in &ctx.districts {
        let beds = rng.range(60, 250);
        facilities.push((format!("Trung tâm Y tế {}", lower_first(&d.full_name)), 1, true, d.commune, beds, beds / 5));
    }
    for (i, c) in ctx.communes.iter().enumerate() {
        facilities.push((
            format!("Trạm Y tế {}", lower_first(&c.full_name)),
            2,
            true,
            i,
            rng.range(3, 8),
            rng.range(0, 2),
        ));
    }
    let weights = ctx.pop_weights(5.0);
    for _ in 0..120 {
        let at = rng.weighted(&weights);
        let (name, kind) = if rng.chance(0.4) {
            (format!("Phòng khám đa khoa {}", rng.pick(CLINIC_BRANDS)), 3)
        } else {
            (format!("Phòng khám chuyên khoa {} {}", rng.pick(SPECIALTIES), rng.pick(CLINIC_BRANDS)), 4)
        };
        facilities.push((name, kind, false, at, rng.range(0, 15), rng.range(1, 8)));
    }
    let mut records: Vec<Value> = Vec::new();
    for (i, (name, kind, public, at, beds, doctors)) in facilities.into_iter().enumerate() {
        let c = &ctx.communes[at];
        let mut phone = if kind <= 2 { landline(&mut rng, c) } else { mobile(&mut rng) };
        let mut location = point(&mut rng, c, 0.5);
        if rng.chance(0.015) {
            phone = phone.chars().filter(char::is_ascii_digit).take(5).collect();
        } else if rng.chance(0.01) {
            location = format!("1{location}");
        }
        records.push(json!({
            "ma_co_so": format!("CSYT-{:04}", i + 1),
            "ten_co_so": name,
            "loai_hinh": FACILITY_KINDS[kind],
            "cong_lap": public,
            "xa": c.code,
            "dia_chi": address(&mut rng, c),
            "so_giuong": beds,
            "so_bac_si": if rng.chance(0.03) { Value::Null } else { doctors.into() },
            "dien_thoai": phone,
            "toa_do": location,
        }));
    }
    // Duplicates: three records sent twice, three sent again with another bed count.
    let n = records.len() as u64;
    for k in 0..6 {
        let mut copy = records[rng.below(n) as usize].clone();
        if k >= 3 {
            let beds = copy["so_giuong"].as_i64().unwrap_or(0);
            copy["so_giuong"] = (beds + rng.range(1, 10)).into();
        }
        let at = rng.below(records.len() as u64) as usize;
        records.insert(at, copy);
    }
    let rows = records.len();
    let bytes = serde_json::to_vec_pretty(&Value::Array(records)).expect("JSON");
    let mut b = Built::new(def);
    b.push(upload("co-so-y-te.json", bytes, "replace", 30), rows, headers(&fields, Header::Name));
    b
}

// ---------------------------------------------------------------------------------------------
// 4 and 5. Tourism sites (SVHTTDL) and monthly visitors per site, appended month by month.

const SITE_KINDS: &[&str] = &[
    "Di tích lịch sử - văn hóa",
    "Danh lam thắng cảnh",
    "Du lịch biển",
    "Du lịch sinh thái",
    "Du lịch cộng đồng",
    "Làng nghề",
    "Bảo tàng",
];
const SITE_RANKS: &[&str] = &["Di tích quốc gia đặc biệt", "Di tích quốc gia", "Di tích cấp tỉnh", "Chưa xếp hạng"];

struct Site {
    code: String,
    name: &'static str,
    kind: &'static str,
    rank: &'static str,
    commune: usize,
    location: String,
    /// Typical domestic visitors a month.
    base: f64,
    /// Share of international visitors.
    foreign: f64,
}

fn sites(ctx: &Ctx) -> Vec<Site> {
    let mut rng = Rng::new("diem-du-lich");
    let fallback = ctx.communes.iter().position(|c| c.ward).unwrap_or(0);
    data::SITES
        .iter()
        .enumerate()
        .map(|(i, &(name, kind, rank, commune))| {
            let at = ctx.commune_named(commune).unwrap_or(fallback);
            let c = &ctx.communes[at];
            let base = match kind {
                "Du lịch biển" | "Danh lam thắng cảnh" if !c.highland => rng.uniform(15_000.0, 60_000.0),
                "Danh lam thắng cảnh" | "Du lịch sinh thái" => rng.uniform(3_000.0, 18_000.0),
                "Bảo tàng" => rng.uniform(4_000.0, 12_000.0),
                _ => rng.uniform(1_000.0, 9_000.0),
            };
            Site {
                code: format!("DL{:03}", i + 1),
                name,
                kind,
                rank,
                commune: at,
                location: point(&mut rng, c, 0.3),
                base,
                foreign: if c.highland { rng.uniform(0.01, 0.05) } else { rng.uniform(0.03, 0.12) },
            }
        })
        .collect()
}

fn diem_du_lich(ctx: &Ctx, sites: &[Site]) -> Built {
    let mut rng = Rng::new("diem-du-lich-file");
    let meta = Meta {
        slug: "diem-du-lich",
        name: "Điểm du lịch",
        name_en: "Tourism sites",
        zone: "open",
        owner: "SVHTTDL",
        sector: "Du lịch",
        description: "Điểm đến, di tích và khu du lịch: loại hình, xếp hạng di tích, địa bàn và vị trí.",
        frequency: "yearly",
        key: &["ma_diem"],
    };
    let fields = vec![
        field("ma_diem", "Mã điểm", "Site code", "text").req().with("pattern", "^DL[0-9]{3}$"),
        field("ten_diem", "Tên điểm du lịch", "Site name", "text").req(),
        field("loai_hinh", "Loại hình", "Kind", "enum").req().values(SITE_KINDS),
        field("xep_hang", "Xếp hạng di tích", "Heritage rank", "enum").values(SITE_RANKS),
        commune_field("Mã xã"),
        field("toa_do", "Tọa độ", "Location", "point"),
        field("mo_ta", "Mô tả", "Description", "text"),
    ];
    let def = definition(&meta, &fields);
    let mut rows: Vec<Row> = sites
        .iter()
        .map(|s| {
            let c = &ctx.communes[s.commune];
            vec![
                s.code.clone(),
                s.name.to_string(),
                s.kind.to_string(),
                s.rank.to_string(),
                c.code.clone(),
                s.location.clone(),
                format!("{} tại {}, {}.", s.kind, c.full_name, ctx.province_full),
            ]
        })
        .collect();
    // A site added this year, with a rank the list does not have: rejected. It has no visitor
    // figures yet, so the visitors dataset does not depend on it.
    let near = sites.iter().find(|s| s.name.contains("Hầm Hô")).or(sites.first());
    let c = &ctx.communes[near.map_or(0, |s| s.commune)];
    rows.push(vec![
        format!("DL{:03}", sites.len() + 1),
        "Khu du lịch sinh thái Hầm Hô mở rộng".to_string(),
        "Du lịch sinh thái".to_string(),
        "Cấp quốc gia".to_string(),
        c.code.clone(),
        point(&mut rng, c, 0.5),
        String::new(),
    ]);
    let heads = headers(&fields, Header::Ascii);
    let bytes = csv_bytes(&heads, &rows, &CSV);
    let mut b = Built::new(def);
    b.push(upload("diem-du-lich.csv", bytes, "replace", 100), rows.len(), heads);
    b
}

fn luot_khach_du_lich(ctx: &Ctx, sites: &[Site]) -> Built {
    let mut rng = Rng::new("luot-khach-du-lich");
    let meta = Meta {
        slug: "luot-khach-du-lich",
        name: "Lượt khách du lịch theo tháng",
        name_en: "Monthly visitors by site",
        zone: "open",
        owner: "SVHTTDL",
        sector: "Du lịch",
        description:
            "Lượt khách nội địa, quốc tế và doanh thu của từng điểm du lịch theo tháng, báo cáo bổ sung hằng tháng.",
        frequency: "monthly",
        key: &["ma_diem", "thang"],
    };
    let fields = vec![
        field("ma_diem", "Mã điểm", "Site code", "reference").req().with("references", "diem-du-lich"),
        field("thang", "Tháng", "Month", "date").req(),
        field("khach_noi_dia", "Khách nội địa (lượt)", "Domestic visitors", "integer").with("min", 0),
        field("khach_quoc_te", "Khách quốc tế (lượt)", "International visitors", "integer").with("min", 0),
        field("doanh_thu", "Doanh thu", "Revenue", "money").with("min", 0),
    ];
    let def = definition(&meta, &fields);
    let (age_new, age_old) = (3, 33);
    let last = add_months(first_of_month(ctx.day(age_new)), -1);
    let months: Vec<NaiveDate> = (0..24).map(|k| add_months(last, k - 23)).collect();
    let beach = [0.6, 1.0, 0.7, 0.9, 1.1, 1.5, 1.7, 1.6, 0.9, 0.6, 0.5, 0.7];
    let inland = [0.9, 1.4, 1.1, 1.0, 1.0, 1.1, 1.1, 1.1, 0.9, 0.8, 0.8, 0.9];
    let mut by_month: Vec<Vec<Row>> = vec![Vec::new(); months.len()];
    for (mi, &m) in months.iter().enumerate() {
        let growth = 1.0 + 0.12 * (mi as f64 / 12.0);
        for s in sites {
            let season = if s.kind == "Du lịch biển" || !ctx.communes[s.commune].highland {
                beach[m.month0() as usize]
            } else {
                inland[m.month0() as usize]
            };
            let domestic = (s.base * season * growth * rng.uniform(0.85, 1.15)).round() as i64;
            let foreign = (domestic as f64 * s.foreign * rng.uniform(0.7, 1.3)).round() as i64;
            let revenue = domestic * rng.range(150, 450) * 1_000 + foreign * rng.range(600, 1500) * 1_000;
            let mut row =
                vec![s.code.clone(), date_vn(m), domestic.to_string(), foreign.to_string(), money(&mut rng, revenue)];
            if rng.chance(0.01) {
                if rng.chance(0.5) {
                    row[0] = format!("DL{:03}", sites.len() + 50 + rng.range(0, 40) as usize);
                } else {
                    row[2] = format!("{}O", vn_int(domestic / 10));
                }
            }
            by_month[mi].push(row);
        }
    }
    let heads = headers(&fields, Header::Upper);
    let history: Vec<Row> = by_month[..months.len() - 1].concat();
    let latest = &by_month[months.len() - 1];
    let mut b = Built::new(def);
    let name = |m: NaiveDate| m.format("%Y-%m").to_string();
    b.push(
        upload(
            format!("luot-khach-{}-den-{}.csv", name(months[0]), name(months[months.len() - 2])),
            csv_bytes(&heads, &history, &CSV),
            "replace",
            age_old,
        ),
        history.len(),
        heads.clone(),
    );
    b.push(
        upload(format!("luot-khach-{}.csv", name(last)), csv_bytes(&heads, latest, &CSV), "append", age_new),
        latest.len(),
        heads,
    );
    b
}

// ---------------------------------------------------------------------------------------------
// 6. Administrative-procedure dossiers (VP-UBND): a year of one-stop-shop records, then today's
// update sent as an upsert.

const STATUSES: &[&str] = &["Đã tiếp nhận", "Đang xử lý", "Đã trả kết quả", "Quá hạn"];

struct Dossier {
    id: String,
    procedure: usize,
    agency: String,
    commune: usize,
    received: NaiveDateTime,
    due: NaiveDate,
    done: NaiveDateTime,
    online: bool,
}

impl Dossier {
    /// The record as the one-stop system showed it at `t`: status, result time, on time.
    fn at(&self, t: NaiveDateTime) -> (usize, Option<NaiveDateTime>, Option<bool>) {
        if self.done <= t {
            (2, Some(self.done), Some(self.done.date() <= self.due))
        } else if t.date() > self.due {
            (3, None, Some(false))
        } else if self.received.date() == t.date() {
            (0, None, None)
        } else {
            (1, None, None)
        }
    }
}

fn at_time(d: NaiveDate, h: u32, m: u32, s: u32) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(h, m, s).expect("valid time"))
}

/// A time in office hours (7:30–11:30, 13:30–17:00) as seconds after midnight.
fn office_seconds(rng: &mut Rng) -> u32 {
    if rng.chance(0.6) {
        rng.range(7 * 3600 + 1800, 11 * 3600 + 1800) as u32
    } else {
        rng.range(13 * 3600 + 1800, 17 * 3600) as u32
    }
}

fn ho_so_tthc(ctx: &Ctx) -> Built {
    let mut rng = Rng::new("ho-so-tthc");
    let meta = Meta {
        slug: "ho-so-tthc",
        name: "Hồ sơ thủ tục hành chính",
        name_en: "Administrative procedure dossiers",
        zone: "shared",
        owner: "VP-UBND",
        sector: "Hành chính công",
        description: "Hồ sơ thủ tục hành chính tiếp nhận qua Hệ thống thông tin giải quyết thủ tục hành chính: thủ \
            tục, cơ quan, thời điểm tiếp nhận, hạn và trả kết quả, trực tuyến, đúng hạn.",
        frequency: "daily",
        key: &["ma_ho_so"],
    };
    let agency_pattern = "^(UBND|VP-UBND|S[A-Z]+|CAT|XA-[0-9]{5})$";
    let fields = vec![
        field("ma_ho_so", "Mã hồ sơ", "Dossier number", "text").req(),
        field("ma_thu_tuc", "Mã thủ tục", "Procedure code", "text").req().with("pattern", "^[0-9]\\.[0-9]{6}$"),
        field("ten_thu_tuc", "Tên thủ tục", "Procedure", "text").req(),
        field("linh_vuc", "Lĩnh vực", "Field", "text"),
        field("co_quan", "Cơ quan tiếp nhận", "Receiving agency", "text").req().with("pattern", agency_pattern),
        commune_field("Địa bàn (xã/phường)"),
        field("ngay_tiep_nhan", "Ngày tiếp nhận", "Received", "datetime").req(),
        field("han_xu_ly", "Hạn xử lý", "Due date", "date").req(),
        field("ngay_tra_ket_qua", "Ngày trả kết quả", "Result returned", "datetime")
            .with("not_before", "ngay_tiep_nhan"),
        field("truc_tuyen", "Nộp trực tuyến", "Submitted online", "boolean"),
        field("trang_thai", "Trạng thái", "Status", "enum").req().values(STATUSES),
        field("dung_han", "Đúng hạn", "On time", "boolean"),
        field("so_hoa_ket_qua", "Số hóa kết quả", "Result digitised", "boolean"),
    ];
    let mut def = definition(&meta, &fields);
    def["policy"] = policy(0.1);
    let weights: Vec<f64> = data::PROCEDURES.iter().map(|p| f64::from(p.5)).collect();
    let commune_weights = ctx.pop_weights(1.5);
    let mut agency_rate = std::collections::BTreeMap::new();
    let mut rate = |agency: &str| -> f64 {
        *agency_rate.entry(agency.to_string()).or_insert_with(|| Rng::new(agency).uniform(0.80, 0.96))
    };
    let start = ctx.today - Duration::days(364);
    let mut dossiers: Vec<Dossier> = Vec::new();
    let mut day = start;
    while day <= ctx.today {
        let weekday = day.weekday().num_days_from_monday();
        let mean = match weekday {
            0..=4 => 76.0,
            5 => 11.0,
            _ => 2.5,
        };
        let n = rng.normal(mean, mean.sqrt()).round().max(0.0) as usize;
        let mut seq: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
        for _ in 0..n {
            let p = rng.weighted(&weights);
            let (_, _, field, who, limit, _) = data::PROCEDURES[p];
            let commune = rng.weighted(&commune_weights);
            let agency = if who == "XA" { format!("XA-{}", ctx.communes[commune].code) } else { who.to_string() };
            let online_share = match (who, field) {
                ("XA", "Chứng thực") => 0.2,
                ("XA", _) => 0.55,
                ("CAT", _) => 0.85,
                _ => 0.7,
            };
            let online = weekday >= 5 || rng.chance(online_share);
            let secs = if online && rng.chance(0.3) {
                rng.range(6 * 3600, 23 * 3600) as u32
            } else {
                office_seconds(&mut rng)
            };
            let received = at_time(day, secs / 3600, secs / 60 % 60, secs % 60);
            let mut first = day;
            if !is_working_day(first) || secs >= 16 * 3600 {
                first = add_working_days(first, 1);
            }
            let due = add_working_days(first, limit);
            let done_day = if rng.chance(rate(&agency)) {
                add_working_days(first, rng.below(u64::from(limit) + 1) as u32)
            } else {
                add_working_days(due, rng.range(1, 12) as u32)
            };
            let mut done = at_time(done_day, 0, 0, 0) + Duration::seconds(i64::from(office_seconds(&mut rng)));
            if done <= received {
                done = received + Duration::minutes(rng.range(20, 90));
            }
            let n = seq.entry(agency.clone()).or_insert(0);
            *n += 1;
            let id = format!("{}-{}-{:04}", agency.replace('-', ""), day.format("%y%m%d"), n);
            dossiers.push(Dossier { id, procedure: p, agency, commune, received, due, done, online });
        }
        day += Duration::days(1);
    }
    dossiers.sort_by(|a, b| a.received.cmp(&b.received).then(a.id.cmp(&b.id)));
    let yes_no = |b: bool| if b { "Có" } else { "Không" }.to_string();
    let row = |rng: &mut Rng, d: &Dossier, t: NaiveDateTime, faults: bool| -> Row {
        let (code, name, field, ..) = data::PROCEDURES[d.procedure];
        let (status, result, on_time) = d.at(t);
        let mut r = vec![
            d.id.clone(),
            code.to_string(),
            name.to_string(),
            field.to_string(),
            d.agency.clone(),
            ctx.communes[d.commune].code.clone(),
            datetime_vn(d.received),
            date_vn(d.due),
            result.map(datetime_vn).unwrap_or_default(),
            yes_no(d.online),
            STATUSES[status].to_string(),
            on_time.map(yes_no).unwrap_or_default(),
            // Results digitised: about 55% a year ago, 95% now (its own generator, so the
            // other columns do not change; the same answer in both uploads).
            result
                .map(|_| {
                    let age = (ctx.today - d.received.date()).num_days().clamp(0, 365) as f64;
                    yes_no(Rng::new(&d.id).chance(0.95 - 0.4 * age / 365.0))
                })
                .unwrap_or_default(),
        ];
        if faults && rng.chance(0.007) {
            match (result, rng.below(3)) {
                // The result keyed in before the dossier was received.
                (Some(done), 0 | 1) => r[8] = datetime_vn(done - Duration::days(rng.range(3, 20))),
                _ => {
                    r[6] = format!(
                        "31/{:02}/{} 08:{:02}:00",
                        [4, 6, 9, 11][rng.below(4) as usize],
                        d.received.year(),
                        d.received.minute()
                    )
                }
            }
        }
        r
    };
    let t1 = at_time(ctx.day(7), 23, 59, 59);
    let t2 = at_time(ctx.today, 17, 30, 0);
    let first: Vec<Row> = dossiers.iter().filter(|d| d.received <= t1).map(|d| row(&mut rng, d, t1, true)).collect();
    let update: Vec<Row> = dossiers
        .iter()
        .filter(|d| d.received <= t2)
        .filter(|d| d.received > t1 || d.at(t1) != d.at(t2))
        .map(|d| row(&mut rng, d, t2, false))
        .collect();
    let heads = headers(&fields, Header::Label);
    let mut b = Built::new(def);
    b.push(
        upload(format!("ho-so-tthc-den-{}.csv", ctx.day(7)), csv_bytes(&heads, &first, &CSV), "replace", 7),
        first.len(),
        heads.clone(),
    );
    b.push(
        upload(format!("ho-so-tthc-cap-nhat-{}.csv", ctx.today), csv_bytes(&heads, &update, &CSV), "upsert", 0),
        update.len(),
        heads,
    );
    b
}

// ---------------------------------------------------------------------------------------------
// 7. Land parcels (SNNMT): the cadastral register, partly still under pre-2025 commune codes,
// with owners' IDs that do not always agree with their dates of birth.

const LAND_USES: &[&str] = &["ODT", "ONT", "LUC", "LUK", "BHK", "HNK", "CLN", "RSX", "NTS", "TMD", "SKC"];

fn thua_dat(ctx: &Ctx) -> Built {
    let mut rng = Rng::new("thua-dat");
    let meta = Meta {
        slug: "thua-dat",
        name: "Thửa đất",
        name_en: "Land parcels",
        zone: "specialised",
        owner: "SNNMT",
        sector: "Đất đai",
        description: "Sổ địa chính: thửa đất, tờ bản đồ, diện tích, loại đất và chủ sử dụng. Dữ liệu đo đạc trước năm \
            2025 còn ghi mã xã cũ.",
        frequency: "monthly",
        key: &["ma_thua"],
    };
    let fields = vec![
        field("ma_thua", "Mã thửa", "Parcel id", "text").req(),
        field("so_to", "Số tờ bản đồ", "Map sheet", "integer").req().with("min", 1),
        field("so_thua", "Số thửa", "Parcel number", "integer").req().with("min", 1),
        commune_field("Mã xã"),
        field("dien_tich", "Diện tích (m²)", "Area (m²)", "decimal").req().with("min", 0),
        field("loai_dat", "Loại đất", "Land use", "enum").req().values(LAND_USES),
        field("chu_su_dung", "Chủ sử dụng", "Land user", "text").personal("basic"),
        field("ngay_sinh_chu", "Ngày sinh chủ sử dụng", "Land user's date of birth", "date").personal("basic"),
        field("cccd_chu", "Số CCCD chủ sử dụng", "Land user's citizen ID", "cccd")
            .personal("basic")
            .with("birth_date_field", "ngay_sinh_chu"),
        field("dia_chi_thua", "Địa chỉ thửa đất", "Parcel address", "text"),
    ];
    let def = definition(&meta, &fields);
    let mut rows: Vec<Row> = Vec::new();
    for c in &ctx.communes {
        // (land use index, weight, area from, area to)
        let uses: &[(usize, f64, f64, f64)] = if c.ward {
            &[(0, 60.0, 50.0, 250.0), (6, 12.0, 500.0, 3000.0), (9, 8.0, 100.0, 800.0), (5, 10.0, 200.0, 1500.0)]
        } else if c.highland {
            &[
                (1, 20.0, 150.0, 600.0),
                (6, 40.0, 1000.0, 20000.0),
                (5, 15.0, 500.0, 5000.0),
                (7, 12.0, 5000.0, 50000.0),
                (3, 6.0, 300.0, 3000.0),
                (4, 5.0, 300.0, 3000.0),
            ]
        } else {
            &[
                (1, 25.0, 150.0, 600.0),
                (2, 25.0, 300.0, 3000.0),
                (4, 10.0, 300.0, 3000.0),
                (6, 10.0, 500.0, 8000.0),
                (5, 10.0, 300.0, 3000.0),
                (7, 10.0, 5000.0, 40000.0),
                (8, if c.lon > 109.0 { 6.0 } else { 0.5 }, 1000.0, 10000.0),
                (10, 2.0, 1000.0, 20000.0),
            ]
        };
        let weights: Vec<f64> = uses.iter().map(|u| u.1).collect();
        let sheets = (c.area_km2.sqrt() * 4.0).clamp(12.0, 90.0) as i64;
        let mut taken = BTreeSet::new();
        for _ in 0..rng.range(30, 60) {
            let (sheet, number) = loop {
                let key = (rng.range(1, sheets), rng.range(1, 900));
                if taken.insert(key) {
                    break key;
                }
            };
            let (use_ix, _, lo, hi) = uses[rng.weighted(&weights)];
            let area = rng.uniform(lo, hi);
            let owner = person(&mut rng, c, 1945, 2000);
            let legacy = (!c.legacy.is_empty() && rng.chance(0.4)).then(|| rng.pick(&c.legacy).clone());
            let (code, place) = match &legacy {
                Some((code, name)) => (code.clone(), name.clone()),
                None => (c.code.clone(), c.full_name.clone()),
            };
            let mut row = vec![
                format!("{code}-{sheet:03}-{number:04}"),
                sheet.to_string(),
                number.to_string(),
                code,
                vn_dec(area, 1),
                LAND_USES[use_ix].to_string(),
                owner.name,
                date_vn(owner.birth),
                owner.cccd.clone(),
                format!("{}, {place}", capitalise(&hamlet(&mut rng, c))),
            ];
            if rng.chance(0.025) {
                match rng.below(5) {
                    0 | 1 => row[8] = owner.cccd[..11].to_string(),
                    2 | 3 => {
                        let shifted = owner.birth.with_year(owner.birth.year() - rng.range(3, 9) as i32);
                        row[7] = date_vn(shifted.unwrap_or(owner.birth - Duration::days(1500)));
                    }
                    _ => row[4] = "không rõ".into(),
                }
            }
            rows.push(row);
        }
    }
    let heads = headers(&fields, Header::Label);
    let style = CsvStyle { delimiter: b',', bom: false, crlf: true };
    let bytes = csv_bytes(&heads, &rows, &style);
    let mut b = Built::new(def);
    b.push(upload(format!("so-dia-chinh-{}.csv", ctx.day(12)), bytes, "replace", 12), rows.len(), heads);
    b
}

// ---------------------------------------------------------------------------------------------
// 8. Mineral licences (SNNMT): an Excel sheet with real date cells and a few bad tax codes.

const MINERALS: &[&str] = &[
    "Cát xây dựng",
    "Đá xây dựng",
    "Đất san lấp",
    "Đá granite ốp lát",
    "Sa khoáng titan",
    "Vàng",
    "Bauxite",
    "Than bùn",
    "Nước khoáng",
];
const BRANDS: &[&str] = &[
    "Hoàng Long",
    "Phú Thịnh",
    "Tân Phát",
    "Bình Minh",
    "Trường Sơn",
    "Đại Phong",
    "Thành Công",
    "Hưng Thịnh",
    "Nam Trung",
    "Tây Nguyên",
    "Sông Kôn",
    "Sông Ba",
    "An Phú",
    "Việt Tiến",
    "Kim Long",
    "Miền Trung",
    "Phương Nam",
    "Hải Đăng",
    "Đông Á",
    "Sao Mai",
    "Trí Đức",
    "Thiên Ân",
    "Hòa Phát Đạt",
    "Quang Minh",
    "Minh Khang",
];

fn giay_phep_khoang_san(ctx: &Ctx) -> Built {
    let mut rng = Rng::new("giay-phep-khoang-san");
    let meta = Meta {
        slug: "giay-phep-khoang-san",
        name: "Giấy phép khai thác khoáng sản",
        name_en: "Mineral extraction licences",
        zone: "shared",
        owner: "SNNMT",
        sector: "Khoáng sản",
        description: "Giấy phép khai thác khoáng sản do UBND tỉnh cấp: tổ chức, mã số thuế, loại khoáng sản, diện \
            tích, thời hạn và địa bàn.",
        frequency: "quarterly",
        key: &["so_giay_phep"],
    };
    let fields = vec![
        field("so_giay_phep", "Số giấy phép", "Licence number", "text").req(),
        field("to_chuc", "Tổ chức được cấp phép", "Licensee", "text").req(),
        field("mst", "Mã số thuế", "Tax code", "mst").req(),
        field("loai_khoang_san", "Loại khoáng sản", "Mineral", "enum").req().values(MINERALS),
        commune_field("Địa bàn khai thác (mã xã)"),
        field("dien_tich_ha", "Diện tích (ha)", "Area (ha)", "decimal").with("min", 0),
        field("cong_suat", "Công suất khai thác", "Annual capacity", "text"),
        field("ngay_cap", "Ngày cấp", "Issued", "date").req(),
        field("ngay_het_han", "Ngày hết hạn", "Expires", "date").with("not_before", "ngay_cap"),
    ];
    let def = definition(&meta, &fields);
    let age = 50;
    let upto = ctx.day(age);
    let rural: Vec<usize> = (0..ctx.communes.len()).filter(|&i| !ctx.communes[i].ward).collect();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut taxes = BTreeSet::new();
    for n in 0..160 {
        let at = if rural.is_empty() { 0 } else { *rng.pick(&rural) };
        let c = &ctx.communes[at];
        let coastal = !c.highland && c.lon > 109.0;
        let choices: &[(usize, f64)] = if c.highland {
            &[(0, 30.0), (1, 30.0), (2, 20.0), (5, 3.0), (6, 5.0), (7, 4.0), (8, 2.0)]
        } else if coastal {
            &[(0, 20.0), (1, 15.0), (2, 20.0), (4, 25.0), (8, 3.0)]
        } else {
            &[(0, 30.0), (1, 30.0), (2, 20.0), (3, 15.0)]
        };
        let weights: Vec<f64> = choices.iter().map(|c| c.1).collect();
        let mineral = choices[rng.weighted(&weights)].0;
        let (lo, hi, unit) = match mineral {
            0 => (1.0, 12.0, "m³/năm"),
            1 | 3 => (3.0, 40.0, "m³/năm"),
            2 => (2.0, 25.0, "m³/năm"),
            4 => (20.0, 200.0, "tấn quặng/năm"),
            5 => (5.0, 60.0, "tấn quặng/năm"),
            6 => (50.0, 400.0, "tấn/năm"),
            7 => (5.0, 30.0, "tấn/năm"),
            _ => (0.5, 3.0, "m³/ngày"),
        };
        let area = rng.uniform(lo, hi);
        let capacity = (area * rng.uniform(2_000.0, 8_000.0) / 1_000.0).round() as i64 * 1_000;
        let issued =
            NaiveDate::from_ymd_opt(rng.range(2012, i64::from(upto.year())) as i32, rng.range(1, 12) as u32, 1)
                .expect("valid date")
                + Duration::days(rng.range(0, 27));
        let issued = issued.min(upto - Duration::days(rng.range(5, 60)));
        let years = rng.range(5, 25) as i32;
        let expires = issued.with_year(issued.year() + years).unwrap_or(issued + Duration::days(365 * years as i64));
        let kind =
            *rng.pick(&["Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Doanh nghiệp tư nhân", "Hợp tác xã"]);
        let trade = match mineral {
            0 | 2 => "Xây dựng",
            1 | 3 => "Khoáng sản và Vật liệu xây dựng",
            4..=6 => "Khoáng sản",
            _ => "Thương mại",
        };
        let company = if kind == "Doanh nghiệp tư nhân" || kind == "Hợp tác xã" {
            format!("{kind} {}", rng.pick(BRANDS))
        } else {
            format!("{kind} {trade} {}", rng.pick(BRANDS))
        };
        let tax = loop {
            let t = mst(&mut rng, mst_prefix(&c.legacy_province));
            if taxes.insert(t.clone()) {
                break t;
            }
        };
        let mut row = vec![
            Cell::S(format!("{}/GP-UBND", 10 + n * 3 + rng.range(0, 2))),
            Cell::S(company),
            Cell::S(tax.clone()),
            Cell::S(MINERALS[mineral].to_string()),
            Cell::S(c.code.clone()),
            Cell::N((area * 100.0).round() / 100.0),
            Cell::S(format!("{} {unit}", vn_int(capacity))),
            Cell::D(issued),
            Cell::S(date_vn(expires)),
        ];
        match n {
            17 | 64 | 121 => row[2] = Cell::S(bad_mst(&tax)),
            90 => row[2] = Cell::S(tax[..9].to_string()),
            133 => row[8] = Cell::S(date_vn(issued - Duration::days(400))),
            _ => {}
        }
        rows.push(row);
    }
    let heads = headers(&fields, Header::Label);
    let bytes = xlsx_bytes("Giấy phép", &[], &heads, &rows, upto);
    let mut b = Built::new(def);
    b.push(upload("giay-phep-khai-thac-khoang-san.xlsx", bytes, "replace", age), rows.len(), heads);
    b
}

// ---------------------------------------------------------------------------------------------
// 9. Civil servants (SNV): the specialised personnel register, full of personal data.

const DEPARTMENT_STAFF: &[(&str, i64)] = &[
    ("VP-UBND", 85),
    ("SKHCN", 75),
    ("STC", 115),
    ("SYT", 90),
    ("SGDDT", 95),
    ("SNNMT", 150),
    ("SVHTTDL", 80),
    ("SNV", 90),
    ("STP", 50),
    ("SXD", 120),
    ("SCT", 70),
];
/// Salary scales (hệ số lương) by grade: senior, principal, officer, assistant, staff.
const SCALES: &[&[f64]] = &[
    &[6.20, 6.56, 6.92, 7.28, 7.64, 8.00],
    &[4.40, 4.74, 5.08, 5.42, 5.76, 6.10, 6.44, 6.78],
    &[2.34, 2.67, 3.00, 3.33, 3.66, 3.99, 4.32, 4.65, 4.98],
    &[2.10, 2.41, 2.72, 3.03, 3.34, 3.65, 3.96, 4.27, 4.58, 4.89],
    &[1.86, 2.06, 2.26, 2.46, 2.66, 2.86, 3.06, 3.26, 3.46, 3.66],
];

fn can_bo_cong_chuc(ctx: &Ctx) -> Built {
    let mut rng = Rng::new("can-bo-cong-chuc");
    let meta = Meta {
        slug: "can-bo-cong-chuc",
        name: "Cán bộ, công chức, viên chức",
        name_en: "Civil servants",
        zone: "specialised",
        owner: "SNV",
        sector: "Nội vụ",
        description:
            "Cơ sở dữ liệu cán bộ, công chức các sở, ngành và xã, phường: cơ quan, chức vụ, hệ số lương, liên \
            hệ. Chứa dữ liệu cá nhân.",
        frequency: "quarterly",
        key: &["ma_can_bo"],
    };
    let fields = vec![
        field("ma_can_bo", "Mã cán bộ", "Staff id", "text").req().with("pattern", "^CB[0-9]{6}$"),
        field("ho_ten", "Họ và tên", "Full name", "text").req().personal("basic"),
        field("cccd", "Số CCCD", "Citizen ID", "cccd").personal("basic").with("birth_date_field", "ngay_sinh"),
        field("ngay_sinh", "Ngày sinh", "Date of birth", "date").personal("basic").with("min", "1955-01-01"),
        field("gioi_tinh", "Giới tính", "Sex", "enum").values(&["Nam", "Nữ"]),
        field("co_quan", "Mã cơ quan", "Agency code", "text")
            .req()
            .with("pattern", "^(UBND|VP-UBND|S[A-Z]+|CAT|XA-[0-9]{5})$"),
        field("chuc_vu", "Chức vụ", "Position", "text"),
        field("he_so_luong", "Hệ số lương", "Salary coefficient", "decimal").with("min", 1).with("max", 10),
        field("email", "Thư điện tử", "Email", "email"),
        field("dien_thoai", "Số điện thoại", "Phone", "phone").personal("basic"),
    ];
    let def = definition(&meta, &fields);
    let age = 45;
    let as_of = ctx.day(age);
    let mut units: Vec<(String, i64, Option<usize>)> =
        DEPARTMENT_STAFF.iter().map(|(code, n)| (code.to_string(), *n, None)).collect();
    for (i, c) in ctx.communes.iter().enumerate() {
        units.push((format!("XA-{}", c.code), rng.range(12, 20), Some(i)));
    }
    let city = ctx.communes.iter().position(|c| c.ward).unwrap_or(0);
    let mut rows: Vec<Row> = Vec::new();
    let mut mails = BTreeSet::new();
    for (agency, n, commune) in units {
        let c = &ctx.communes[commune.unwrap_or(city)];
        for k in 0..n {
            let (position, grade) = match (commune.is_some(), k) {
                (false, 0) => ("Giám đốc", 0),
                (false, 1..=3) => ("Phó Giám đốc", 1),
                (false, 4) => ("Chánh Văn phòng", 1),
                (false, 5..=9) => ("Trưởng phòng", 1),
                (false, 10..=17) => ("Phó Trưởng phòng", 2),
                (true, 0) => ("Chủ tịch UBND", 1),
                (true, 1 | 2) => ("Phó Chủ tịch UBND", 1),
                (true, 3) => ("Chánh Văn phòng HĐND và UBND", 2),
                (true, 4) if c.ward => ("Trưởng phòng Kinh tế, Hạ tầng và Đô thị", 2),
                (true, 4) => ("Trưởng phòng Kinh tế", 2),
                (true, 5) => ("Trưởng phòng Văn hóa - Xã hội", 2),
                _ => match rng.below(10) {
                    0 | 1 => ("Chuyên viên chính", 1),
                    2..=7 => ("Chuyên viên", 2),
                    8 => ("Cán sự", 3),
                    _ => ("Nhân viên", 4),
                },
            };
            let p: Person = person(&mut rng, c, as_of.year() - 60, as_of.year() - 23);
            let scale = SCALES[grade];
            let step = ((as_of.year() - p.birth.year() - 23) / 3).clamp(0, scale.len() as i32 - 1) as usize;
            let coefficient = scale[step.saturating_sub(rng.below(2) as usize)];
            let given = p.name.rsplit(' ').next().unwrap_or_default();
            let initials: String = p.name.split(' ').rev().skip(1).filter_map(|w| w.chars().next()).collect();
            let initials: String = initials.chars().rev().collect();
            let local = super::fold(&format!("{given}{initials}")).replace([' ', '\''], "");
            let unit = agency.to_lowercase().replace('-', "");
            let mut mail = format!("{local}.{unit}@{}", ctx.mail_domain);
            let mut k2 = 1;
            while !mails.insert(mail.clone()) {
                k2 += 1;
                mail = format!("{local}{k2}.{unit}@{}", ctx.mail_domain);
            }
            let mut row = vec![
                format!("CB{:06}", rows.len() + 1),
                p.name.clone(),
                p.cccd.clone(),
                date_vn(p.birth),
                if p.male { "Nam" } else { "Nữ" }.to_string(),
                agency.clone(),
                position.to_string(),
                vn_dec(coefficient, 2),
                mail,
                mobile(&mut rng),
            ];
            if rng.chance(0.02) {
                match rng.below(3) {
                    0 => row[8] = row[8].replace('@', "."),
                    1 => row[3] = date_vn(p.birth.with_year(p.birth.year() + 4).unwrap_or(p.birth)),
                    _ => row[9] = row[9].chars().filter(char::is_ascii_digit).take(8).collect(),
                }
            }
            rows.push(row);
        }
    }
    let heads = headers(&fields, Header::Label);
    let bytes = csv_bytes(&heads, &rows, &CSV);
    let mut b = Built::new(def);
    b.push(upload(format!("csdl-can-bo-{}.csv", as_of), bytes, "replace", age), rows.len(), heads);
    b
}

// ---------------------------------------------------------------------------------------------
// 10. Disaster-prone areas (SNNMT).

const HAZARDS: &[&str] = &["Lũ quét", "Sạt lở đất", "Ngập lụt", "Hạn hán"];
const RIVERS_COAST: &[&str] = &["sông Kôn", "sông Hà Thanh", "sông Lại Giang", "sông La Tinh", "sông An Lão"];
const RIVERS_HIGHLAND: &[&str] = &["sông Ba", "sông Ayun", "sông Sê San", "suối Ia Hrung", "sông Pơ Cô"];

fn vung_thien_tai(ctx: &Ctx) -> Built {
    let mut rng = Rng::new("vung-thien-tai");
    let meta = Meta {
        slug: "vung-thien-tai",
        name: "Vùng có nguy cơ thiên tai",
        name_en: "Disaster-prone areas",
        zone: "open",
        owner: "SNNMT",
        sector: "Phòng, chống thiên tai",
        description: "Khu vực có nguy cơ lũ quét, sạt lở đất, ngập lụt, hạn hán: cấp độ rủi ro, số hộ và số người có \
            nguy cơ, vị trí.",
        frequency: "yearly",
        key: &["ma_vung"],
    };
    let fields = vec![
        field("ma_vung", "Mã vùng", "Area id", "text").req(),
        commune_field("Xã/phường"),
        field("ten_khu_vuc", "Tên khu vực", "Area name", "text").req(),
        field("loai_thien_tai", "Loại thiên tai", "Hazard", "enum").req().values(HAZARDS),
        field("cap_do_rui_ro", "Cấp độ rủi ro", "Risk level", "integer").req().with("min", 1).with("max", 5),
        field("so_ho", "Số hộ có nguy cơ", "Households at risk", "integer").with("min", 0),
        field("so_nguoi", "Số người có nguy cơ", "People at risk", "integer").with("min", 0),
        field("toa_do", "Tọa độ", "Location", "point"),
        field("ngay_cap_nhat", "Ngày cập nhật", "Updated", "date"),
    ];
    let def = definition(&meta, &fields);
    let age = 120;
    let upto = ctx.day(age);
    let mut rows: Vec<Row> = Vec::new();
    for c in &ctx.communes {
        let dry = c.highland && c.lon > 108.3 && c.lat < 13.6;
        let hazards: &[(usize, f64)] = if dry {
            &[(3, 5.0), (2, 2.0), (0, 1.0)]
        } else if c.highland {
            &[(1, 4.0), (0, 3.0), (2, 1.0), (3, 1.0)]
        } else if c.lon < 108.95 {
            &[(0, 3.0), (1, 3.0), (2, 2.0)]
        } else {
            &[(2, 5.0), (1, 1.0), (0, 1.0)]
        };
        let weights: Vec<f64> = hazards.iter().map(|h| h.1).collect();
        let n = if c.ward { rng.range(0, 2) } else { rng.range(2, 4) };
        for k in 0..n {
            let hazard = hazards[rng.weighted(&weights)].0;
            let place = capitalise(&hamlet(&mut rng, c));
            let river = if c.highland { rng.pick(RIVERS_HIGHLAND) } else { rng.pick(RIVERS_COAST) };
            let name = match hazard {
                0 => format!("Khu dân cư ven {river}, {}", lower_first(&place)),
                1 => format!("Sườn đồi {}", lower_first(&place)),
                2 => format!("Vùng trũng thấp {}", lower_first(&place)),
                _ => format!("Vùng sản xuất thiếu nước {}", lower_first(&place)),
            };
            let level = (rng.normal(2.6, 0.9).round() as i64).clamp(1, 5);
            let households = rng.range(10, if hazard == 2 { 450 } else { 180 });
            let mut row = vec![
                format!("VTT-{}-{:02}", c.code, k + 1),
                c.code.clone(),
                name,
                HAZARDS[hazard].to_string(),
                level.to_string(),
                households.to_string(),
                ((households as f64) * rng.uniform(3.4, 4.3)).round().to_string(),
                point(&mut rng, c, 0.8),
                date_vn(upto - Duration::days(rng.range(0, 300))),
            ];
            if rng.chance(0.012) {
                if rng.chance(0.5) {
                    row[4] = "6".into();
                } else {
                    let (lat, lon) =
                        row[7].split_once(", ").map(|(a, b)| (a.to_string(), b.to_string())).unwrap_or_default();
                    row[7] = format!("{lon}, {lat}");
                }
            }
            rows.push(row);
        }
    }
    let heads = headers(&fields, Header::Label);
    let bytes = csv_bytes(&heads, &rows, &CSV);
    let mut b = Built::new(def);
    b.push(upload(format!("vung-nguy-co-thien-tai-{}.csv", upto.year()), bytes, "replace", age), rows.len(), heads);
    b
}

// ---------------------------------------------------------------------------------------------
// 11. Community digital technology teams (SKHCN): sent from an old office PC in TCVN3.

fn to_cong_nghe_so(ctx: &Ctx) -> Built {
    let mut rng = Rng::new("to-cong-nghe-so");
    let meta = Meta {
        slug: "to-cong-nghe-so",
        name: "Tổ công nghệ số cộng đồng",
        name_en: "Community digital technology teams",
        zone: "shared",
        owner: "SKHCN",
        sector: "Chuyển đổi số",
        description:
            "Tổ công nghệ số cộng đồng cấp xã và thôn, làng, tổ dân phố: thành viên, số hộ được hướng dẫn, số \
            buổi tập huấn, tổ trưởng.",
        frequency: "quarterly",
        key: &["ma_to"],
    };
    let fields = vec![
        field("ma_to", "Mã tổ", "Team id", "text").req(),
        field("ten_to", "Tên tổ", "Team name", "text").req(),
        field("cap", "Cấp", "Level", "enum").req().values(&["Thôn", "Xã", "Huyện"]),
        commune_field("Mã xã"),
        field("so_thanh_vien", "Số thành viên", "Members", "integer").with("min", 1).with("max", 60),
        field("so_ho_huong_dan", "Số hộ được hướng dẫn", "Households guided", "integer").with("min", 0),
        field("so_buoi_tap_huan", "Số buổi tập huấn", "Training sessions", "integer").with("min", 0),
        field("to_truong", "Tổ trưởng", "Team leader", "text").personal("basic"),
        field("dien_thoai", "Điện thoại tổ trưởng", "Leader's phone", "phone").personal("basic"),
        field("ngay_thanh_lap", "Ngày thành lập", "Founded", "date"),
    ];
    let def = definition(&meta, &fields);
    let age = 20;
    let mut rows: Vec<Row> = Vec::new();
    let leader = |rng: &mut Rng, c: &Commune| -> String {
        for _ in 0..20 {
            let p = person(rng, c, 1975, 2003);
            if tcvn3_safe(&p.name) {
                return p.name;
            }
        }
        "Nguyễn Văn Hùng".to_string()
    };
    let founded =
        |rng: &mut Rng| NaiveDate::from_ymd_opt(2021, 9, 1).expect("valid") + Duration::days(rng.range(0, 600));
    // The seed scenario: 843 village teams, 31 commune teams and 2 district teams (legacy
    // data from before the 2025 reorganisation), over 3,600 members.
    for (ci, c) in ctx.communes.iter().enumerate() {
        let villages = if ci < 843usize.saturating_sub(6 * ctx.communes.len()) { 7 } else { 6 };
        let mut used = BTreeSet::new();
        let mut team_rows = Vec::new();
        if ci % 4 == 0 && ci / 4 < 31 {
            team_rows.push(vec![
                format!("{}-00", c.code),
                format!("Tổ công nghệ số cộng đồng {}", lower_first(&c.full_name)),
                "Xã".to_string(),
                c.code.clone(),
                rng.range(7, 15).to_string(),
                rng.range(150, 900).to_string(),
                rng.range(4, 16).to_string(),
                leader(&mut rng, c),
                mobile(&mut rng),
                date_vn(founded(&mut rng)),
            ]);
        }
        for k in 0..villages {
            let place = loop {
                let h = hamlet(&mut rng, c);
                if used.insert(h.clone()) {
                    break h;
                }
            };
            team_rows.push(vec![
                format!("{}-{:02}", c.code, k + 1),
                format!("Tổ công nghệ số cộng đồng {place}"),
                "Thôn".to_string(),
                c.code.clone(),
                rng.range(3, 6).to_string(),
                rng.range(30, 260).to_string(),
                rng.range(1, 8).to_string(),
                leader(&mut rng, c),
                mobile(&mut rng),
                date_vn(founded(&mut rng)),
            ]);
        }
        rows.extend(team_rows);
    }
    // Reports as they come in: a few extra teams typed with zero members or a truncated phone
    // number. They are rejected (and kept with the reason); the counts above are the accepted teams.
    for k in 0..8usize {
        let c = &ctx.communes[(k * 17 + 5) % ctx.communes.len()];
        let mut row = vec![
            format!("{}-9{k}", c.code),
            format!("Tổ công nghệ số cộng đồng {}", hamlet(&mut rng, c)),
            "Thôn".to_string(),
            c.code.clone(),
            rng.range(3, 6).to_string(),
            rng.range(30, 260).to_string(),
            rng.range(1, 8).to_string(),
            leader(&mut rng, c),
            mobile(&mut rng),
            date_vn(founded(&mut rng)),
        ];
        if k % 2 == 0 {
            row[4] = "0".into();
        } else {
            row[8] = row[8].chars().filter(char::is_ascii_digit).take(6).collect();
        }
        rows.push(row);
    }
    for (k, d) in ctx.districts.iter().take(2).enumerate() {
        let c = &ctx.communes[d.commune];
        rows.push(vec![
            format!("H{}-{:02}", c.code, k + 1),
            format!("Tổ công nghệ số cộng đồng {} (trước sắp xếp)", lower_first(&d.full_name)),
            "Huyện".to_string(),
            c.code.clone(),
            rng.range(10, 16).to_string(),
            rng.range(400, 1200).to_string(),
            rng.range(6, 20).to_string(),
            leader(&mut rng, c),
            mobile(&mut rng),
            date_vn(NaiveDate::from_ymd_opt(2021, 6, 1).expect("valid") + Duration::days(rng.range(0, 60))),
        ]);
    }
    let heads = headers(&fields, Header::Label);
    let text = super::csv_text(&heads, &rows, &CSV);
    debug_assert!(tcvn3_safe(&text), "{:?}", text.chars().filter(|c| !tcvn3_safe(&c.to_string())).collect::<String>());
    let bytes = tcvn3_bytes(&text);
    let mut b = Built::new(def);
    b.push(upload("to-cong-nghe-so-cong-dong.csv", bytes, "replace", age), rows.len(), heads);
    b
}

// ---------------------------------------------------------------------------------------------
// 12. Enterprises (STC): the business register, typed on many machines — decomposed Unicode and
// stray spaces in names and addresses.

const COMPANY_KINDS: &[&str] =
    &["Công ty TNHH một thành viên", "Công ty TNHH hai thành viên trở lên", "Công ty cổ phần", "Doanh nghiệp tư nhân"];
const SIZES: &[&str] = &["Siêu nhỏ", "Nhỏ", "Vừa", "Lớn"];
/// (trade in the company name, main activity).
const TRADES: &[(&str, &str)] = &[
    ("Thương mại", "Bán buôn tổng hợp"),
    ("Thương mại và Dịch vụ", "Bán lẻ khác trong các cửa hàng kinh doanh tổng hợp"),
    ("Xây dựng", "Xây dựng nhà để ở"),
    ("Vận tải", "Vận tải hàng hóa bằng đường bộ"),
    ("Du lịch", "Dịch vụ lưu trú ngắn ngày"),
    ("Nông sản", "Bán buôn nông, lâm sản nguyên liệu (trừ gỗ, tre, nứa)"),
    ("Chế biến gỗ", "Cưa, xẻ, bào gỗ và bảo quản gỗ"),
    ("Thủy sản", "Chế biến, bảo quản thủy sản và các sản phẩm từ thủy sản"),
    ("Cà phê", "Trồng cây cà phê"),
    ("Công nghệ", "Lập trình máy vi tính"),
    ("Phần mềm", "Xuất bản phần mềm"),
    ("Dược phẩm", "Bán lẻ thuốc, dụng cụ y tế, mỹ phẩm trong các cửa hàng chuyên doanh"),
    ("Vật liệu xây dựng", "Bán buôn vật liệu, thiết bị lắp đặt khác trong xây dựng"),
    ("Thực phẩm", "Sản xuất thực phẩm khác chưa được phân vào đâu"),
    ("Môi trường", "Thu gom rác thải không độc hại"),
    ("Cơ khí", "Gia công cơ khí; xử lý và tráng phủ kim loại"),
    ("Tư vấn", "Hoạt động tư vấn quản lý"),
    ("Bất động sản", "Kinh doanh bất động sản, quyền sử dụng đất thuộc chủ sở hữu, chủ sử dụng hoặc đi thuê"),
    ("Điện", "Sản xuất điện"),
    ("Nhà hàng", "Nhà hàng và các dịch vụ ăn uống phục vụ lưu động"),
];

fn doanh_nghiep(ctx: &Ctx) -> Built {
    let mut rng = Rng::new("doanh-nghiep");
    let meta = Meta {
        slug: "doanh-nghiep",
        name: "Doanh nghiệp",
        name_en: "Enterprises",
        zone: "shared",
        owner: "STC",
        sector: "Doanh nghiệp",
        description: "Doanh nghiệp đăng ký trên địa bàn: mã số thuế, loại hình, ngành nghề, vốn điều lệ, quy mô và \
            việc sử dụng nền tảng số (chỉ tiêu 50% doanh nghiệp nhỏ và vừa).",
        frequency: "monthly",
        key: &["mst"],
    };
    let fields = vec![
        field("mst", "Mã số thuế", "Tax code", "mst").req(),
        field("ten_doanh_nghiep", "Tên doanh nghiệp", "Enterprise name", "text").req(),
        field("loai_hinh", "Loại hình doanh nghiệp", "Legal form", "enum").values(COMPANY_KINDS),
        field("nganh_nghe", "Ngành nghề kinh doanh chính", "Main activity", "text"),
        commune_field("Xã/phường"),
        field("dia_chi", "Địa chỉ trụ sở", "Registered address", "text"),
        field("ngay_thanh_lap", "Ngày thành lập", "Founded", "date").with("min", "1990-01-01"),
        field("von_dieu_le", "Vốn điều lệ", "Charter capital", "money").with("min", 0),
        field("quy_mo", "Quy mô", "Size", "enum").values(SIZES),
        field("nen_tang_so", "Sử dụng nền tảng số", "Uses digital platforms", "boolean"),
    ];
    let def = definition(&meta, &fields);
    let age = 9;
    let upto = ctx.day(age);
    let weights = ctx.pop_weights(4.0);
    let mut taxes = BTreeSet::new();
    let mut rows: Vec<Row> = Vec::new();
    for _ in 0..4000 {
        let c = &ctx.communes[rng.weighted(&weights)];
        let size = rng.weighted(&[70.0, 22.0, 6.0, 2.0]);
        let kind = rng.weighted(&[40.0, 20.0, 25.0, 15.0]);
        let (trade, activity) = *rng.pick(TRADES);
        let brand = rng.pick(BRANDS);
        let name = match kind {
            0 | 1 => format!("Công ty TNHH {trade} {brand}"),
            2 => format!("Công ty Cổ phần {trade} {brand}"),
            _ => format!("Doanh nghiệp tư nhân {brand}"),
        };
        let tax = loop {
            let t = mst(&mut rng, mst_prefix(&c.legacy_province));
            if taxes.insert(t.clone()) {
                break t;
            }
        };
        let years = (rng.unit().powf(1.8) * 30.0) as i64;
        let founded = (upto - Duration::days(years * 365 + rng.range(0, 364)))
            .max(NaiveDate::from_ymd_opt(1995, 1, 1).expect("valid date"));
        let capital = match size {
            0 => rng.range(1, 30) * 100_000_000,
            1 => rng.range(3, 20) * 1_000_000_000,
            2 => rng.range(20, 100) * 1_000_000_000,
            _ => rng.range(100, 2_000) * 1_000_000_000,
        };
        let platform = rng.chance([0.38, 0.55, 0.7, 0.9][size]);
        let mut row = vec![
            tax.clone(),
            name,
            COMPANY_KINDS[kind].to_string(),
            activity.to_string(),
            c.code.clone(),
            address(&mut rng, c),
            date_vn(founded),
            money(&mut rng, capital),
            SIZES[size].to_string(),
            if platform { "1" } else { "0" }.to_string(),
        ];
        // Decomposed text from other machines, stray spaces from hand typing.
        if rng.chance(0.2) {
            let how = if rng.chance(0.5) { Decomposed::Nfd } else { Decomposed::ToHop };
            row[1] = decompose(&row[1], how);
            row[5] = decompose(&row[5], how);
        }
        if rng.chance(0.12) {
            row[1] = messy_spaces(&mut rng, &row[1]);
        }
        if rng.chance(0.08) {
            row[5] = messy_spaces(&mut rng, &row[5]);
        }
        if rng.chance(0.012) {
            row[0] = bad_mst(&tax);
        }
        rows.push(row);
    }
    let heads = headers(&fields, Header::Label);
    let bytes = csv_bytes(&heads, &rows, &CSV);
    let mut b = Built::new(def);
    b.push(upload(format!("doanh-nghiep-{}.csv", upto.format("%Y-%m")), bytes, "replace", age), rows.len(), heads);
    b
}

// ---------------------------------------------------------------------------------------------
// 13. E-payment accounts by commune (STC): monthly, but the last file came 200 days ago.

fn tai_khoan_thanh_toan(ctx: &Ctx) -> Built {
    let mut rng = Rng::new("tai-khoan-thanh-toan");
    let meta = Meta {
        slug: "tai-khoan-thanh-toan",
        name: "Tài khoản thanh toán điện tử theo xã",
        name_en: "E-payment accounts by commune",
        zone: "shared",
        owner: "STC",
        sector: "Tài chính - Ngân hàng",
        description:
            "Số người từ 15 tuổi trở lên và số người có tài khoản thanh toán điện tử theo xã, phường và tháng \
            (chỉ tiêu 35% dân số trưởng thành).",
        frequency: "monthly",
        key: &["xa", "thang"],
    };
    let fields = vec![
        commune_field("Mã xã"),
        field("thang", "Tháng báo cáo", "Month", "date").req(),
        field("so_nguoi_truong_thanh", "Số người từ 15 tuổi trở lên", "Adults (15+)", "integer").req().with("min", 0),
        field(
            "so_co_tai_khoan",
            "Số người có tài khoản thanh toán điện tử",
            "Adults with e-payment accounts",
            "integer",
        )
        .req()
        .with("min", 0),
        field("so_giao_dich", "Số giao dịch không dùng tiền mặt", "Cashless transactions", "integer").with("min", 0),
    ];
    let mut def = definition(&meta, &fields);
    def["coverage"] = coverage();
    let age = 200;
    let last = add_months(first_of_month(ctx.day(age)), -1);
    let mut rows: Vec<Row> = Vec::new();
    for k in 0..12 {
        let month = add_months(last, k - 11);
        let mut rng_m = Rng::new(&format!("tai-khoan-{k}"));
        for c in &ctx.communes {
            let mut rc = Rng::new(&c.code);
            let start = match (c.ward, c.highland) {
                (true, _) => rc.uniform(0.38, 0.55),
                (false, false) => rc.uniform(0.22, 0.35),
                (false, true) => rc.uniform(0.12, 0.28),
            };
            let growth = rc.uniform(0.006, 0.012);
            let adults = (f64::from(c.pop) * 0.76 * (1.0 + 0.0008 * k as f64)).round() as i64;
            let share = (start + growth * k as f64 + rng_m.uniform(-0.004, 0.004)).min(0.95);
            let accounts = (adults as f64 * share).round() as i64;
            let mut row = vec![
                c.code.clone(),
                date_vn(month),
                adults.to_string(),
                accounts.to_string(),
                (accounts as f64 * rng.uniform(2.0, 6.0)).round().to_string(),
            ];
            if rng.chance(0.005) {
                if rng.chance(0.5) {
                    // A code that never existed (typed 9 for 2).
                    row[0] = format!("9{}", &c.code[1..]);
                } else {
                    row[3] = String::new();
                }
            }
            rows.push(row);
        }
    }
    let heads = headers(&fields, Header::Label);
    let bytes = csv_bytes(&heads, &rows, &CSV);
    let mut b = Built::new(def);
    b.push(upload(format!("tai-khoan-ttdt-{}.csv", last.format("%Y-%m")), bytes, "replace", age), rows.len(), heads);
    b
}
