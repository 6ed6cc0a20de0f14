//! Demo datasets for the shared warehouse (kho dữ liệu dùng chung): the "13 inter-agency
//! databases" of the demo province, generated deterministically and written in the shapes real
//! agencies send — Excel with a title block, `;` with a BOM, TCVN3 bytes, JSON, non-NFC text,
//! pre-2025 commune codes, duplicate keys and a few bad rows. Every figure is demo data.

mod data;
mod sets;

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use serde_json::{json, Map, Value};
use tinhso_domain::admin_unit::reform_date;
use tinhso_domain::text::fold;
use tinhso_domain::{AdminUnits, Level};

/// One demo dataset: its definition and the files to ingest into it.
pub struct DemoDataset {
    /// Dataset definition as JSON (slug, names, zone, owner, sector, frequency, key, fields…).
    pub definition: serde_json::Value,
    /// Uploads to ingest in order, each becoming a table version.
    pub uploads: Vec<DemoUpload>,
}

/// One file as an agency would upload it.
pub struct DemoUpload {
    /// File name; the extension tells the format (`.csv`, `.xlsx`, `.json`).
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// "replace" | "append" | "upsert".
    pub mode: &'static str,
    /// How many days before `today` this upload is dated (for liveness, "sống").
    pub age_days: i64,
}

/// The demo datasets of `province_code` as of `today`. Deterministic: the same `today` gives the
/// same definitions and the same bytes. Empty when the province is unknown on that day.
pub fn demo_datasets(units: &AdminUnits, province_code: &str, today: NaiveDate) -> Vec<DemoDataset> {
    build(units, province_code, today).into_iter().map(|b| b.dataset).collect()
}

/// A dataset with, for each upload, its number of data rows and its header row (for tests).
struct Built {
    dataset: DemoDataset,
    #[cfg_attr(not(test), allow(dead_code))]
    rows: Vec<usize>,
    #[cfg_attr(not(test), allow(dead_code))]
    headers: Vec<Vec<String>>,
}

impl Built {
    fn new(definition: Value) -> Built {
        Built { dataset: DemoDataset { definition, uploads: Vec::new() }, rows: Vec::new(), headers: Vec::new() }
    }
    fn push(&mut self, upload: DemoUpload, rows: usize, headers: Vec<String>) {
        self.dataset.uploads.push(upload);
        self.rows.push(rows);
        self.headers.push(headers);
    }
}

fn build(units: &AdminUnits, province_code: &str, today: NaiveDate) -> Vec<Built> {
    match Ctx::new(units, province_code, today) {
        Some(ctx) => sets::all(&ctx),
        None => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness.

/// splitmix64: small, fast and good enough for demo data; seeded from a name so each dataset
/// draws its own stream and adding rows to one leaves the others unchanged.
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Rng {
        // FNV-1a of the seed.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo + 1) as u64) as i64
        }
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    /// An index drawn with the given non-negative weights.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }
    /// Normally distributed (Box–Muller).
    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

// ---------------------------------------------------------------------------------------------
// The province as the generators see it.

/// Former provinces of the Central Highlands (legacy GSO codes): their people, villages and
/// hazards differ from the coast's.
const HIGHLAND_PROVINCES: &[&str] = &["62", "64", "66", "67", "68"];

/// A current commune (xã, phường) of the province.
struct Commune {
    code: String,
    name: String,
    full_name: String,
    ward: bool,
    highland: bool,
    /// Legacy province code of most of its territory ("52" Bình Định, "64" Gia Lai…).
    legacy_province: String,
    lat: f64,
    lon: f64,
    area_km2: f64,
    /// Demo population.
    pop: u32,
    /// Legacy (pre-2025) communes wholly taken in by this one whose codes were not reused:
    /// (code, full name). Writing these codes exercises the crosswalk.
    legacy: Vec<(String, String)>,
}

/// A legacy district (huyện, thị xã, thành phố) and the current commune holding its seat.
struct District {
    full_name: String,
    commune: usize,
}

struct Ctx {
    today: NaiveDate,
    /// "52".
    province_code: String,
    /// "Tỉnh Gia Lai".
    province_full: String,
    /// "gialai.gov.vn".
    mail_domain: String,
    communes: Vec<Commune>,
    districts: Vec<District>,
}

impl Ctx {
    fn new(units: &AdminUnits, province_code: &str, today: NaiveDate) -> Option<Ctx> {
        let as_of = today.max(reform_date());
        let before = reform_date().pred_opt()?;
        let province = units.in_force(province_code, as_of)?;
        if province.level != Level::Province {
            return None;
        }
        let mut rng = Rng::new("communes");
        let mut communes = Vec::new();
        for c in units.children(province).into_iter().filter(|c| c.level == Level::Commune) {
            let preds = units.predecessors(c);
            let legacy_province = preds
                .iter()
                .find_map(|p| units.lookup(&p.code, before).ok().map(|u| u.province_code.clone()))
                .unwrap_or_else(|| province_code.to_string());
            let mut legacy = Vec::new();
            for p in &preds {
                let Ok(old) = units.lookup(&p.code, before) else { continue };
                if old.level == Level::Commune
                    && !old.in_force()
                    && units.in_force(&p.code, as_of).is_none()
                    && units.successors(old).len() == 1
                {
                    legacy.push((old.code.clone(), old.full_name.clone()));
                }
            }
            let (lat, lon, area_km2) = match data::CENTROIDS.iter().find(|(code, ..)| *code == c.code) {
                Some(&(_, lat, lon, area)) => (lat, lon, area),
                None => (rng.uniform(12.0, 16.0), rng.uniform(106.5, 109.0), rng.uniform(20.0, 300.0)),
            };
            communes.push(Commune {
                code: c.code.clone(),
                name: c.name.clone(),
                full_name: c.full_name.clone(),
                ward: c.full_name.starts_with("Phường"),
                highland: HIGHLAND_PROVINCES.contains(&legacy_province.as_str()),
                legacy_province,
                lat,
                lon,
                area_km2,
                pop: 0,
                legacy,
            });
        }
        if communes.is_empty() {
            return None;
        }
        // Population: wards dense, highland communes sparse; scaled to about 26,500 a commune
        // (Gia Lai after the merger: some 3.58 million people in 135 communes).
        let raw: Vec<f64> = communes
            .iter()
            .map(|c| {
                let base = match (c.ward, c.highland) {
                    (true, false) => 52_000.0,
                    (true, true) => 38_000.0,
                    (false, false) => 24_000.0,
                    (false, true) => 15_000.0,
                };
                base * rng.uniform(0.65, 1.4)
            })
            .collect();
        let scale = 26_546.0 * communes.len() as f64 / raw.iter().sum::<f64>();
        for (c, r) in communes.iter_mut().zip(raw) {
            c.pop = (r * scale).round() as u32;
        }
        let mut districts = Vec::new();
        let old_provinces: BTreeSet<String> = communes.iter().map(|c| c.legacy_province.clone()).collect();
        for code in old_provinces {
            let Ok(old) = units.lookup(&code, before) else { continue };
            for d in units.children(old).into_iter().filter(|d| d.level == Level::District) {
                let by_name = communes.iter().position(|c| fold(&c.name) == fold(&d.name));
                let by_successor = || {
                    let s = units.successors(d);
                    s.iter().find_map(|s| communes.iter().position(|c| c.code == s.code))
                };
                if let Some(commune) = by_name.or_else(by_successor) {
                    districts.push(District { full_name: d.full_name.clone(), commune });
                }
            }
        }
        let mail_domain = format!("{}.gov.vn", fold(&province.name).replace(' ', ""));
        Some(Ctx {
            today,
            province_code: province_code.to_string(),
            province_full: province.full_name.clone(),
            mail_domain,
            communes,
            districts,
        })
    }

    fn day(&self, age_days: i64) -> NaiveDate {
        self.today - Duration::days(age_days)
    }

    /// Index of the current commune named `name` (diacritics ignored), if any.
    fn commune_named(&self, name: &str) -> Option<usize> {
        let f = fold(name);
        self.communes.iter().position(|c| fold(&c.name) == f)
    }

    /// Commune weights proportional to population, optionally boosting wards.
    fn pop_weights(&self, ward_boost: f64) -> Vec<f64> {
        self.communes.iter().map(|c| f64::from(c.pop) * if c.ward { ward_boost } else { 1.0 }).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// People, places and identifiers.

struct Person {
    name: String,
    male: bool,
    birth: NaiveDate,
    cccd: String,
}

/// Provinces (3-digit CCCD codes) people in the province were born in besides its own.
const MIGRANT_ORIGINS: &[&str] = &["040", "038", "042", "034", "051", "054", "062", "066", "079", "046"];

fn person(rng: &mut Rng, c: &Commune, born_from: i32, born_to: i32) -> Person {
    let male = rng.chance(0.5);
    let ethnic = rng.chance(match (c.highland, c.ward) {
        (true, false) => 0.45,
        (true, true) => 0.12,
        _ => 0.03,
    });
    let name = if ethnic {
        let family = rng.pick(data::FAMILY_HIGHLAND);
        let given = if male { rng.pick(data::GIVEN_HIGHLAND_MALE) } else { rng.pick(data::GIVEN_HIGHLAND_FEMALE) };
        format!("{family} {given}")
    } else {
        let weights: Vec<f64> = data::FAMILY.iter().map(|(_, w)| f64::from(*w)).collect();
        let family = data::FAMILY[rng.weighted(&weights)].0;
        let (middle, given) = if male {
            (rng.pick(data::MIDDLE_MALE), rng.pick(data::GIVEN_MALE))
        } else {
            (rng.pick(data::MIDDLE_FEMALE), rng.pick(data::GIVEN_FEMALE))
        };
        format!("{family} {middle} {given}")
    };
    let year = rng.range(i64::from(born_from), i64::from(born_to)) as i32;
    let birth = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year") + Duration::days(rng.range(0, 364));
    let origin = if ethnic || rng.chance(0.82) {
        format!("{:0>3}", c.legacy_province)
    } else {
        rng.pick(MIGRANT_ORIGINS).to_string()
    };
    let cccd = cccd(rng, &origin, male, birth.year());
    Person { name, male, birth, cccd }
}

/// A 12-digit citizen ID: province of birth (3), century and sex (1), year of birth (2), serial (6).
fn cccd(rng: &mut Rng, origin: &str, male: bool, year: i32) -> String {
    let century = (year / 100 - 19).max(0) * 2 + i32::from(!male);
    format!("{origin}{century}{:02}{:06}", year.rem_euclid(100), rng.below(1_000_000))
}

/// A tax code (MST) of 10 digits: province tax office (2), serial (7), check digit.
fn mst(rng: &mut Rng, prefix: &str) -> String {
    loop {
        let body = format!("{prefix}{:07}", rng.below(10_000_000));
        if let Some(check) = mst_check_digit(&body) {
            return format!("{body}{check}");
        }
    }
}

/// The check digit of the first nine digits of a tax code, `None` when no valid code exists.
fn mst_check_digit(nine: &str) -> Option<u32> {
    const W: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];
    let sum: u32 = nine.chars().zip(W).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    let check = 10 - sum % 11;
    (check < 10).then_some(check)
}

/// A tax code whose check digit is wrong.
fn bad_mst(good: &str) -> String {
    let (body, last) = good.split_at(9);
    let d = last.chars().next().and_then(|c| c.to_digit(10)).unwrap_or(0);
    format!("{body}{}", (d + 1 + d % 3) % 10)
}

/// Tax-office prefix of a legacy province (the first two digits of its tax codes).
fn mst_prefix(legacy_province: &str) -> &'static str {
    match legacy_province {
        "52" => "41",
        "64" => "59",
        "62" => "61",
        "66" => "60",
        _ => "41",
    }
}

const MOBILE_PREFIXES: &[&str] = &[
    "090", "093", "089", "091", "094", "088", "086", "096", "097", "098", "032", "033", "034", "035", "036", "037",
    "038", "039", "070", "076", "077", "078", "079", "081", "082", "083", "084", "085", "056", "058", "059", "092",
];

/// A mobile number in one of the shapes people write it.
fn mobile(rng: &mut Rng) -> String {
    let prefix = rng.pick(MOBILE_PREFIXES);
    let rest = rng.below(10_000_000);
    let digits = format!("{prefix}{rest:07}");
    match rng.below(10) {
        0..=4 => digits,
        5 | 6 => format!("{} {} {}", &digits[..4], &digits[4..7], &digits[7..]),
        7 | 8 => format!("{}.{}.{}", &digits[..4], &digits[4..7], &digits[7..]),
        _ => format!("+84 {} {} {}", &digits[1..4], &digits[4..7], &digits[7..]),
    }
}

/// An office landline of the area (0256 for the coast, 0269 for the highlands).
fn landline(rng: &mut Rng, c: &Commune) -> String {
    let area = if c.highland { "0269" } else { "0256" };
    format!("{area} 3{:03} {:03}", rng.below(1000), rng.below(1000))
}

/// A point "lat, lon" near the commune's centre, within about `spread` of its radius.
fn point(rng: &mut Rng, c: &Commune, spread: f64) -> String {
    let radius_deg = (c.area_km2.max(1.0).sqrt() / 2.0) / 111.0 * spread;
    let lat = c.lat + rng.uniform(-radius_deg, radius_deg);
    let lon = c.lon + rng.uniform(-radius_deg, radius_deg);
    format!("{lat:.5}, {lon:.5}")
}

/// A hamlet, village or residential group of the commune.
fn hamlet(rng: &mut Rng, c: &Commune) -> String {
    if c.ward {
        if rng.chance(0.5) {
            format!("tổ dân phố {}", rng.range(1, 25))
        } else {
            format!("khu phố {}", rng.range(1, 12))
        }
    } else if c.highland {
        if rng.chance(0.5) {
            format!("làng {}", rng.pick(data::HAMLETS_HIGHLAND))
        } else {
            format!("thôn {}", rng.range(1, 15))
        }
    } else if rng.chance(0.6) {
        format!("thôn {}", rng.pick(data::HAMLETS_LOWLAND))
    } else {
        format!("thôn {}", rng.range(1, 12))
    }
}

/// A postal address in the commune.
fn address(rng: &mut Rng, c: &Commune) -> String {
    if c.ward {
        format!("{} {}, {}", rng.range(1, 420), rng.pick(data::STREETS), c.full_name)
    } else {
        format!("{}, {}", capitalise(&hamlet(rng, c)), c.full_name)
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Vietnamese formats.

/// 1234567 → "1.234.567".
fn vn_int(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        let left = digits.len() - i;
        if i > 0 && left.is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

/// 1234.5 → "1.234,5" with `decimals` decimals.
fn vn_dec(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let int: i64 = int.parse().unwrap_or(0);
    let sign = if x < 0.0 && s.chars().any(|c| matches!(c, '1'..='9')) { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{}", vn_int(int))
    } else {
        format!("{sign}{},{frac}", vn_int(int))
    }
}

/// A one-decimal number in words style: 1.25 → "1,3", 2.0 → "2".
fn short_dec(x: f64) -> String {
    let s = vn_dec(x, 1);
    s.strip_suffix(",0").map(str::to_string).unwrap_or(s)
}

/// An amount of đồng written the ways finance officers write it.
fn money(rng: &mut Rng, dong: i64) -> String {
    match rng.below(6) {
        0 | 1 => vn_int(dong),
        2 => format!("{} đ", vn_int(dong)),
        _ if dong >= 1_000_000_000 => format!("{} tỷ", short_dec(dong as f64 / 1e9)),
        _ if dong >= 1_000_000 => format!("{} triệu", short_dec(dong as f64 / 1e6)),
        _ => format!("{} đồng", vn_int(dong)),
    }
}

fn date_vn(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn datetime_vn(t: NaiveDateTime) -> String {
    t.format("%d/%m/%Y %H:%M:%S").to_string()
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("day 1 exists")
}

fn add_months(d: NaiveDate, months: i32) -> NaiveDate {
    let total = d.year() * 12 + d.month0() as i32 + months;
    NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1).expect("valid month")
}

fn is_working_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The day `n` working days after `d` (`d` itself when `n` is 0).
fn add_working_days(mut d: NaiveDate, n: u32) -> NaiveDate {
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if is_working_day(d) {
            left -= 1;
        }
    }
    d
}

// ---------------------------------------------------------------------------------------------
// Messy text.

/// How a non-NFC string was produced.
#[derive(Clone, Copy)]
enum Decomposed {
    /// Canonical decomposition (what macOS file systems and some exports produce).
    Nfd,
    /// "Unicode tổ hợp": precomposed base letter plus a combining tone mark, as legacy
    /// Vietnamese keyboards type it.
    ToHop,
}

fn decompose(s: &str, how: Decomposed) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for ch in s.chars() {
        match data::DECOMPOSE.iter().find(|(c, ..)| *c == ch) {
            Some((_, nfd, to_hop)) => out.push_str(match how {
                Decomposed::Nfd => nfd,
                Decomposed::ToHop => to_hop,
            }),
            None => out.push(ch),
        }
    }
    out
}

/// Adds the stray spaces hand-typed cells have: around the value and doubled inside.
fn messy_spaces(rng: &mut Rng, s: &str) -> String {
    let inner = if rng.chance(0.6) { s.replacen(' ', "  ", 1) } else { s.to_string() };
    let lead = if rng.chance(0.5) { " " } else { "" };
    let trail = if rng.chance(0.7) { "  " } else { " " };
    format!("{lead}{inner}{trail}")
}

/// `s` without diacritics, keeping case: "Mã điểm" → "Ma diem".
fn strip_diacritics(s: &str) -> String {
    s.chars()
        .map(|ch| match ch {
            'đ' => 'd',
            'Đ' => 'D',
            _ => {
                data::DECOMPOSE.iter().find(|(c, ..)| *c == ch).and_then(|(_, nfd, _)| nfd.chars().next()).unwrap_or(ch)
            }
        })
        .collect()
}

/// Whether TCVN3 (ABC, one font) can write `s`: it has no upper-case letters with tone marks.
fn tcvn3_safe(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii() || !c.is_uppercase() || "ĂÂĐÊÔƠƯ".contains(c))
}

/// Unicode → TCVN3 (ABC) bytes, as an old office's ".VnTime" spreadsheet saves them.
fn tcvn3_bytes(s: &str) -> Vec<u8> {
    tinhso_domain::legacy::encode_tcvn3(s)
}

// ---------------------------------------------------------------------------------------------
// Definitions.

/// A field of a dataset definition.
struct F(Map<String, Value>);

fn field(name: &str, label: &str, label_en: &str, ty: &str) -> F {
    let mut m = Map::new();
    m.insert("name".into(), name.into());
    m.insert("label".into(), label.into());
    m.insert("label_en".into(), label_en.into());
    m.insert("type".into(), ty.into());
    m.insert("required".into(), false.into());
    m.insert("personal".into(), "none".into());
    F(m)
}

impl F {
    fn req(self) -> F {
        self.with("required", true)
    }
    fn personal(self, level: &str) -> F {
        self.with("personal", level)
    }
    fn with(mut self, key: &str, value: impl Into<Value>) -> F {
        self.0.insert(key.into(), value.into());
        self
    }
    fn values(self, values: &[&str]) -> F {
        self.with("values", values.iter().map(|v| Value::from(*v)).collect::<Vec<_>>())
    }
    fn label(&self) -> &str {
        self.0.get("label").and_then(Value::as_str).unwrap_or_default()
    }
    fn name(&self) -> &str {
        self.0.get("name").and_then(Value::as_str).unwrap_or_default()
    }
}

/// The catalogue entry of a dataset.
struct Meta<'a> {
    slug: &'a str,
    name: &'a str,
    name_en: &'a str,
    zone: &'a str,
    owner: &'a str,
    sector: &'a str,
    description: &'a str,
    frequency: &'a str,
    key: &'a [&'a str],
}

fn definition(m: &Meta, fields: &[F]) -> Value {
    json!({
        "slug": m.slug,
        "name": m.name,
        "name_en": m.name_en,
        "zone": m.zone,
        "owner": m.owner,
        "sector": m.sector,
        "description": m.description,
        "frequency": m.frequency,
        "key": m.key,
        "demo": true,
        "fields": fields.iter().map(|f| Value::Object(f.0.clone())).collect::<Vec<_>>(),
    })
}

/// How a file writes its header row.
#[derive(Clone, Copy)]
enum Header {
    /// The Vietnamese labels as declared.
    Label,
    /// Upper-case labels ("MÃ TRƯỜNG").
    Upper,
    /// Labels without diacritics ("Ma diem").
    Ascii,
    /// The field names ("ma_ho_so").
    Name,
}

fn headers(fields: &[F], style: Header) -> Vec<String> {
    fields
        .iter()
        .map(|f| match style {
            Header::Label => f.label().to_string(),
            Header::Upper => f.label().to_uppercase(),
            Header::Ascii => strip_diacritics(f.label()),
            Header::Name => f.name().to_string(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// File writers.

struct CsvStyle {
    delimiter: u8,
    bom: bool,
    crlf: bool,
}

const CSV: CsvStyle = CsvStyle { delimiter: b',', bom: false, crlf: false };

fn csv_text(headers: &[String], rows: &[Vec<String>], style: &CsvStyle) -> String {
    let delim = char::from(style.delimiter);
    let eol = if style.crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    if style.bom {
        out.push('\u{feff}');
    }
    for row in std::iter::once(headers).chain(rows.iter().map(Vec::as_slice)) {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(delim);
            }
            let quote = cell.contains(delim)
                || cell.contains('"')
                || cell.contains('\n')
                || cell.contains('\r')
                || cell.starts_with(' ')
                || cell.ends_with(' ');
            if quote {
                out.push('"');
                out.push_str(&cell.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(cell);
            }
        }
        out.push_str(eol);
    }
    out
}

fn csv_bytes(headers: &[String], rows: &[Vec<String>], style: &CsvStyle) -> Vec<u8> {
    csv_text(headers, rows, style).into_bytes()
}

/// A spreadsheet cell.
enum Cell {
    S(String),
    N(f64),
    /// A real Excel date (a number with a date format).
    D(NaiveDate),
    Empty,
}

/// An .xlsx workbook with one sheet: optional title lines merged across the table, a blank
/// line, then the header row and the rows. The document date is fixed so bytes are stable.
fn xlsx_bytes(sheet: &str, title: &[String], headers: &[String], rows: &[Vec<Cell>], created: NaiveDate) -> Vec<u8> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};
    let mut book = Workbook::new();
    let created =
        ExcelDateTime::from_ymd(created.year() as u16, created.month() as u8, created.day() as u8).expect("valid date");
    book.set_properties(&DocProperties::new().set_creation_datetime(&created).set_author("Demo tinhso"));
    let ws = book.add_worksheet();
    ws.set_name(sheet).expect("valid sheet name");
    let title_fmt = Format::new().set_bold().set_align(FormatAlign::Center);
    let head_fmt = Format::new().set_bold().set_border(FormatBorder::Thin).set_text_wrap();
    let date_fmt = Format::new().set_num_format("dd/mm/yyyy");
    let last_col = headers.len().saturating_sub(1) as u16;
    let mut row: u32 = 0;
    for line in title {
        if last_col > 0 {
            ws.merge_range(row, 0, row, last_col, line, &title_fmt).expect("merge title");
        } else {
            ws.write_string_with_format(row, 0, line, &title_fmt).expect("write title");
        }
        row += 1;
    }
    if !title.is_empty() {
        row += 1;
    }
    for (col, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row, col as u16, h, &head_fmt).expect("write header");
        ws.set_column_width(col as u16, (h.chars().count() as f64 + 4.0).clamp(10.0, 40.0)).expect("width");
    }
    for cells in rows {
        row += 1;
        for (col, cell) in cells.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::S(s) => ws.write_string(row, col, s).map(|_| ()),
                Cell::N(n) => ws.write_number(row, col, *n).map(|_| ()),
                Cell::D(d) => {
                    let dt =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).expect("valid date");
                    ws.write_datetime_with_format(row, col, &dt, &date_fmt).map(|_| ())
                }
                Cell::Empty => Ok(()),
            }
            .expect("write cell");
        }
    }
    book.save_to_buffer().expect("xlsx in memory")
}

fn upload(file_name: impl Into<String>, bytes: Vec<u8>, mode: &'static str, age_days: i64) -> DemoUpload {
    DemoUpload { file_name: file_name.into(), bytes, mode, age_days }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tinhso_domain::text::nfc;
    use tinhso_domain::values;

    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()
    }

    fn built() -> &'static [Built] {
        static BUILT: std::sync::OnceLock<Vec<Built>> = std::sync::OnceLock::new();
        BUILT.get_or_init(|| build(AdminUnits::embedded(), "52", today()))
    }

    fn slug(b: &Built) -> &str {
        b.dataset.definition["slug"].as_str().unwrap()
    }

    fn by_slug(s: &str) -> &'static Built {
        built().iter().find(|b| slug(b) == s).unwrap_or_else(|| panic!("no dataset {s}"))
    }

    /// The header row of a CSV upload, decoded from UTF-8 (BOM removed) or, failing that, as
    /// raw bytes mapped one to one.
    fn csv_header(u: &DemoUpload) -> Vec<String> {
        let text = match std::str::from_utf8(&u.bytes) {
            Ok(s) => s.trim_start_matches('\u{feff}').to_string(),
            Err(_) => u.bytes.iter().map(|&b| char::from(b)).collect(),
        };
        let line = text.lines().next().unwrap();
        let delim = if line.contains(';') { ';' } else { ',' };
        line.split(delim).map(|h| h.trim_matches('"').to_string()).collect()
    }

    #[test]
    fn thirteen_databases_with_unique_slugs() {
        let slugs: BTreeSet<&str> = built().iter().map(slug).collect();
        assert_eq!(built().len(), 13);
        assert_eq!(slugs.len(), 13);
    }

    #[test]
    fn same_day_same_bytes() {
        let again = build(AdminUnits::embedded(), "52", today());
        assert_eq!(again.len(), built().len());
        for (a, b) in again.iter().zip(built()) {
            assert_eq!(a.dataset.definition, b.dataset.definition);
            assert_eq!(a.rows, b.rows);
            for (x, y) in a.dataset.uploads.iter().zip(&b.dataset.uploads) {
                assert_eq!(x.file_name, y.file_name);
                assert!(x.bytes == y.bytes, "{} differs between runs", x.file_name);
            }
        }
        let public = demo_datasets(AdminUnits::embedded(), "52", today());
        assert_eq!(public.len(), 13);
    }

    #[test]
    fn unknown_province_gives_nothing() {
        assert!(demo_datasets(AdminUnits::embedded(), "99", today()).is_empty());
    }

    #[test]
    fn definitions_have_the_required_keys() {
        const ZONES: &[&str] = &["shared", "specialised", "open"];
        const FREQ: &[&str] = &["daily", "weekly", "monthly", "quarterly", "yearly"];
        const AGENCIES: &[&str] =
            &["UBND", "VP-UBND", "SKHCN", "STC", "SYT", "SGDDT", "SNNMT", "SVHTTDL", "SNV", "STP", "SXD", "SCT", "CAT"];
        let slugs: Vec<&str> = built().iter().map(slug).collect();
        for b in built() {
            let d = b.dataset.definition.as_object().expect("definition is an object");
            for k in [
                "slug",
                "name",
                "name_en",
                "zone",
                "owner",
                "sector",
                "description",
                "frequency",
                "key",
                "fields",
                "demo",
            ] {
                assert!(d.contains_key(k), "{} lacks {k}", slug(b));
            }
            assert!(ZONES.contains(&d["zone"].as_str().unwrap()));
            assert!(FREQ.contains(&d["frequency"].as_str().unwrap()));
            assert!(AGENCIES.contains(&d["owner"].as_str().unwrap()));
            assert_eq!(d["demo"], Value::Bool(true));
            let fields = d["fields"].as_array().unwrap();
            let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
            assert_eq!(names.iter().collect::<BTreeSet<_>>().len(), names.len(), "{}: duplicate names", slug(b));
            // A header must name one field only, whatever its case and diacritics.
            let mut owner: std::collections::BTreeMap<String, &str> = std::collections::BTreeMap::new();
            for f in fields {
                let name = f["name"].as_str().unwrap();
                for text in [name, f["label"].as_str().unwrap(), f["label_en"].as_str().unwrap()] {
                    let prev = owner.insert(values::fold_header(text), name);
                    assert!(prev.is_none_or(|p| p == name), "{}: «{text}» names {name} and {prev:?}", slug(b));
                }
            }
            for f in fields {
                let name = f["name"].as_str().unwrap();
                assert!(
                    name.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
                        && name.as_bytes()[0].is_ascii_lowercase(),
                    "{name} is not snake_case"
                );
                assert!(crate::FieldType::parse(f["type"].as_str().unwrap()).is_some(), "{name}: type");
                assert!(["none", "basic", "sensitive"].contains(&f["personal"].as_str().unwrap()));
                if f["type"] == "enum" {
                    assert!(f["values"].as_array().is_some_and(|v| !v.is_empty()), "{name}: enum values");
                }
                if f["type"] == "reference" {
                    let target = f["references"].as_str().unwrap();
                    let pos = slugs.iter().position(|s| *s == target).expect("referenced dataset exists");
                    assert!(pos < slugs.iter().position(|s| *s == slug(b)).unwrap(), "{target} comes first");
                }
                for link in ["birth_date_field", "not_before"] {
                    if let Some(other) = f.get(link) {
                        assert!(names.contains(&other.as_str().unwrap()), "{name}: {link} names a field");
                    }
                }
                for text in ["label", "label_en"] {
                    assert!(!f[text].as_str().unwrap().is_empty());
                }
            }
            for k in d["key"].as_array().unwrap() {
                assert!(names.contains(&k.as_str().unwrap()), "{}: key {k} is a field", slug(b));
            }
            if let Some(c) = d.get("coverage") {
                assert!(names.contains(&c["field"].as_str().unwrap()));
            }
            // Round trip through text, as the store keeps it.
            let text = serde_json::to_string(&b.dataset.definition).unwrap();
            let back: Value = serde_json::from_str(&text).unwrap();
            assert!(back.is_object());
        }
    }

    #[test]
    fn every_header_names_a_field() {
        for b in built() {
            let fields = b.dataset.definition["fields"].as_array().unwrap();
            let known: BTreeSet<String> = fields
                .iter()
                .flat_map(|f| [values::fold_header(f["label"].as_str().unwrap()), f["name"].as_str().unwrap().into()])
                .collect();
            for (u, heads) in b.dataset.uploads.iter().zip(&b.headers) {
                assert_eq!(heads.len(), fields.len(), "{}: one column per field", u.file_name);
                for h in heads {
                    let h = values::fold_header(h);
                    assert!(known.contains(&h), "{}: header «{h}» matches no field", u.file_name);
                }
                // The file really starts with that header.
                if u.file_name.ends_with(".csv") {
                    if slug(b) == "to-cong-nghe-so" {
                        let first = u.bytes.split(|&c| c == b'\n').next().unwrap();
                        let want: Vec<Vec<u8>> = heads.iter().map(|h| tcvn3_bytes(h)).collect();
                        assert_eq!(first, want.join(&b',').as_slice(), "{}", u.file_name);
                    } else {
                        assert_eq!(&csv_header(u), heads, "{}", u.file_name);
                    }
                } else if u.file_name.ends_with(".json") {
                    let rows: Value = serde_json::from_slice(&u.bytes).unwrap();
                    let first = rows.as_array().unwrap()[0].as_object().unwrap();
                    let keys: BTreeSet<&String> = first.keys().collect();
                    assert_eq!(keys, heads.iter().collect(), "{}", u.file_name);
                }
            }
        }
    }

    #[test]
    fn row_counts_are_demo_sized() {
        let mut total = 0;
        for b in built() {
            assert_eq!(b.rows.len(), b.dataset.uploads.len());
            assert!(b.rows.iter().all(|&n| n > 0), "{}: empty upload", slug(b));
            total += b.rows.iter().sum::<usize>();
        }
        assert!((25_000..60_000).contains(&total), "total rows {total}");
        let tthc: usize = by_slug("ho-so-tthc").rows.iter().sum();
        assert!((18_000..24_000).contains(&tthc), "dossiers {tthc}");
        // One commune left out of the population report, plus its total line.
        assert_eq!(by_slug("dan-so-xa").rows, vec![135]);
        assert_eq!(by_slug("luot-khach-du-lich").dataset.uploads.len(), 2);
        for b in built() {
            for u in &b.dataset.uploads {
                if u.file_name.ends_with(".csv") && slug(b) != "to-cong-nghe-so" {
                    let text = std::str::from_utf8(&u.bytes).unwrap();
                    let lines = text.lines().count() - 1;
                    let i = b.dataset.uploads.iter().position(|x| std::ptr::eq(x, u)).unwrap();
                    assert_eq!(lines, b.rows[i], "{}", u.file_name);
                }
            }
        }
    }

    #[test]
    fn upload_shapes_are_varied() {
        let names: Vec<&str> =
            built().iter().flat_map(|b| b.dataset.uploads.iter().map(|u| u.file_name.as_str())).collect();
        assert!(names.iter().any(|n| n.ends_with(".xlsx")));
        assert!(names.iter().any(|n| n.ends_with(".json")));
        let schools = &by_slug("truong-hoc").dataset.uploads[0];
        assert!(schools.bytes.starts_with("\u{feff}".as_bytes()));
        assert!(csv_header(schools).len() > 5);
        let xlsx = &by_slug("dan-so-xa").dataset.uploads[0];
        assert!(xlsx.bytes.starts_with(b"PK"));
        let stale = &by_slug("tai-khoan-thanh-toan").dataset.uploads;
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].age_days, 200);
        // The seeder writes every file into one folder.
        assert_eq!(names.iter().collect::<BTreeSet<_>>().len(), names.len(), "file names are unique");
        let modes: BTreeSet<&str> = built().iter().flat_map(|b| b.dataset.uploads.iter().map(|u| u.mode)).collect();
        assert_eq!(modes, ["append", "replace", "upsert"].into_iter().collect());
    }

    #[test]
    fn tcvn3_file_is_not_unicode() {
        let u = &by_slug("to-cong-nghe-so").dataset.uploads[0];
        assert!(std::str::from_utf8(&u.bytes).is_err(), "TCVN3 bytes must not be valid UTF-8");
        assert!(!u.bytes.is_ascii());
        let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&u.bytes);
        assert!(!text.contains("công nghệ"), "the Unicode text must not show through");
    }

    #[test]
    fn non_nfc_text_and_legacy_codes_are_present() {
        let dn = std::str::from_utf8(&by_slug("doanh-nghiep").dataset.uploads[0].bytes).unwrap();
        assert!(dn.contains('\u{301}') || dn.contains('\u{300}'), "decomposed tone marks");
        assert!(dn.contains("  "), "extra spaces");
        let land = std::str::from_utf8(&by_slug("thua-dat").dataset.uploads[0].bytes).unwrap();
        let units = AdminUnits::embedded();
        let legacy = land
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(3))
            .filter(|code| units.in_force(code, today()).is_none() && code.len() == 5)
            .count();
        assert!(legacy > 100, "legacy commune codes: {legacy}");
        assert!(land.contains("\r\n"));
    }

    /// Splits CSV text (quotes, doubled quotes, CRLF) into rows of cells.
    fn parse_csv(text: &str, delim: char) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let mut row = Vec::new();
        let mut cell = String::new();
        let mut quoted = false;
        let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    cell.push('"');
                    chars.next();
                }
                (true, '"') => quoted = false,
                (true, c) => cell.push(c),
                (false, '"') => quoted = true,
                (false, '\r') => {}
                (false, '\n') => {
                    row.push(std::mem::take(&mut cell));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) if c == delim => row.push(std::mem::take(&mut cell)),
                (false, c) => cell.push(c),
            }
        }
        rows
    }

    /// The rows of an upload as strings keyed by field name, when the test can read the format.
    fn records(u: &DemoUpload, fields: &[Value]) -> Option<Vec<Vec<(String, String)>>> {
        let header_of = |h: &str| {
            let h = values::fold_header(h);
            fields
                .iter()
                .find(|f| values::fold_header(f["label"].as_str().unwrap()) == h || f["name"].as_str().unwrap() == h)
                .map(|f| f["name"].as_str().unwrap().to_string())
                .expect("header maps to a field")
        };
        if u.file_name.ends_with(".json") {
            let rows: Value = serde_json::from_slice(&u.bytes).unwrap();
            let cell = |v: &Value| match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let out = rows
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_object().unwrap().iter().map(|(k, v)| (header_of(k), cell(v))).collect());
            return Some(out.collect());
        }
        if !u.file_name.ends_with(".csv") {
            return None;
        }
        let text = match std::str::from_utf8(&u.bytes) {
            Ok(text) => text.to_string(),
            Err(_) => {
                let (text, detected) = tinhso_domain::legacy::decode_bytes(&u.bytes);
                assert_eq!(detected.encoding, tinhso_domain::legacy::SourceEncoding::Tcvn3, "{}", u.file_name);
                text
            }
        };
        let rows = parse_csv(&text, if text.lines().next()?.contains(';') { ';' } else { ',' });
        let names: Vec<String> = rows[0].iter().map(|h| header_of(h)).collect();
        Some(rows[1..].iter().map(|r| names.iter().cloned().zip(r.iter().cloned()).collect()).collect())
    }

    /// Why a row would be refused, checked with the domain parsers; `None` for a good row.
    fn fault(row: &[(String, String)], fields: &[Value], keys: &BTreeMap<String, BTreeSet<String>>) -> Option<String> {
        let units = AdminUnits::embedded();
        let clean = |v: &str| if v.is_ascii() { v.trim().to_string() } else { nfc(v) };
        let get = |name: &str| row.iter().find(|(n, _)| n == name).map(|(_, v)| clean(v)).unwrap_or_default();
        for f in fields {
            let name = f["name"].as_str().unwrap();
            let v = get(name);
            if v.is_empty() {
                if f["required"] == true {
                    return Some(format!("{name}: missing"));
                }
                continue;
            }
            let num = |x: f64| {
                let lo = f.get("min").and_then(Value::as_f64).is_some_and(|m| x < m);
                let hi = f.get("max").and_then(Value::as_f64).is_some_and(|m| x > m);
                (lo || hi).then(|| format!("{name}: {x} out of range"))
            };
            let err = |e: values::ValueError| Some(format!("{name}: {}", e.en));
            let bad = match f["type"].as_str().unwrap() {
                "integer" => values::parse_integer(&v).map_or_else(err, |x| num(x as f64)),
                "decimal" => values::parse_decimal(&v).map_or_else(err, num),
                "money" => values::parse_money(&v).map_or_else(err, |x| num(x as f64)),
                "boolean" => values::parse_bool(&v).err().and_then(err),
                "date" => values::parse_date(&v).map_or_else(err, |d| {
                    let iso = d.to_string();
                    let lo = f.get("min").and_then(Value::as_str).is_some_and(|m| iso.as_str() < m);
                    let hi = f.get("max").and_then(Value::as_str).is_some_and(|m| iso.as_str() > m);
                    (lo || hi).then(|| format!("{name}: {iso} out of range"))
                }),
                "datetime" => values::parse_datetime(&v).err().and_then(err),
                "enum" => {
                    let ok = f["values"].as_array().unwrap().iter().any(|x| fold(x.as_str().unwrap()) == fold(&v));
                    (!ok).then(|| format!("{name}: «{v}» not listed"))
                }
                "admin_unit" => match units.lookup(&v, today()) {
                    Ok(u) if u.level == Level::Commune && units.belongs_to_province(u, "52") => None,
                    _ => Some(format!("{name}: no commune {v}")),
                },
                "cccd" => match values::parse_cccd(&v) {
                    Err(e) => err(e),
                    Ok(c) => f.get("birth_date_field").and_then(|b| {
                        let born = values::parse_date(&get(b.as_str().unwrap())).ok()?;
                        (born.year() != c.birth_year()).then(|| format!("{name}: born {} vs {born}", c.birth_year()))
                    }),
                },
                "mst" => values::parse_mst(&v).err().and_then(err),
                "phone" => values::parse_phone(&v).err().and_then(err),
                "email" => values::parse_email(&v).err().and_then(err),
                "point" => values::parse_point(&v).err().and_then(err),
                "reference" => {
                    let target = &keys[f["references"].as_str().unwrap()];
                    (!target.contains(&v)).then(|| format!("{name}: unknown key {v}"))
                }
                _ => None,
            };
            if bad.is_some() {
                return bad;
            }
            if let Some(other) = f.get("not_before").and_then(Value::as_str) {
                let (a, b) = (values::parse_datetime(&v), values::parse_datetime(&get(other)));
                if let (Ok(a), Ok(b)) = (a, b) {
                    if a < b {
                        return Some(format!("{name} before {other}"));
                    }
                }
            }
        }
        None
    }

    #[test]
    fn bad_rows_are_few_and_good_rows_parse() {
        let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut checked = 0;
        for b in built() {
            let fields = b.dataset.definition["fields"].as_array().unwrap();
            let key: Vec<&str> =
                b.dataset.definition["key"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
            for u in &b.dataset.uploads {
                let Some(rows) = records(u, fields) else { continue };
                checked += 1;
                let verdicts: Vec<Option<String>> = rows.iter().map(|r| fault(r, fields, &keys)).collect();
                let faults: Vec<&String> = verdicts.iter().flatten().collect();
                // Good Unicode text must not look like legacy-font mojibake to the cleaner.
                let repaired: Vec<&String> = rows
                    .iter()
                    .flatten()
                    .map(|(_, v)| v)
                    .filter(|v| !v.is_ascii() && tinhso_domain::legacy::fix_cell(&nfc(v)).is_some())
                    .collect();
                assert!(repaired.is_empty(), "{}: cells taken for mojibake: {repaired:?}", u.file_name);
                let share = faults.len() as f64 / rows.len() as f64;
                eprintln!(
                    "{}: {} of {} rows bad, e.g. {:?}",
                    u.file_name,
                    faults.len(),
                    rows.len(),
                    &faults[..faults.len().min(3)]
                );
                assert!(share <= 0.035, "{}: {} bad rows of {}: {:?}", u.file_name, faults.len(), rows.len(), faults);
                assert!(
                    slug(b) == "diem-du-lich"
                        || slug(b) == "luot-khach-du-lich"
                        || u.mode == "upsert"
                        || !faults.is_empty()
                        || rows.len() < 100,
                    "{}: no deliberate bad rows",
                    u.file_name
                );
                let set = keys.entry(slug(b).to_string()).or_default();
                let mut seen = BTreeSet::new();
                let mut dups = 0;
                for (r, bad) in rows.iter().zip(&verdicts) {
                    let k: Vec<String> = key
                        .iter()
                        .map(|k| r.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default())
                        .collect();
                    if bad.is_none() {
                        set.insert(k.join("|"));
                    }
                    dups += usize::from(!seen.insert(k.join("|")));
                }
                if slug(b) == "co-so-y-te" {
                    assert_eq!(dups, 6, "duplicated health facilities");
                } else {
                    assert!(dups <= rows.len() / 100, "{}: {dups} duplicate keys", u.file_name);
                }
            }
        }
        assert!(checked >= 12, "files checked: {checked}");
    }

    #[test]
    fn tax_codes_follow_the_check_digit() {
        let mut rng = Rng::new("t");
        for _ in 0..100 {
            let m = mst(&mut rng, "41");
            assert_eq!(m.len(), 10);
            assert_eq!(mst_check_digit(&m[..9]), m[9..].parse().ok());
            assert_ne!(mst_check_digit(&bad_mst(&m)[..9]), bad_mst(&m)[9..].parse().ok());
        }
        // Viettel's tax code, 0100109106.
        assert_eq!(mst_check_digit("010010910"), Some(6));
    }

    #[test]
    fn formats() {
        assert_eq!(vn_int(1_250_000_000), "1.250.000.000");
        assert_eq!(vn_int(-1234), "-1.234");
        assert_eq!(vn_dec(1234.5, 1), "1.234,5");
        assert_eq!(short_dec(1.2), "1,2");
        assert_eq!(short_dec(2.0), "2");
        assert_eq!(strip_diacritics("Mã điểm Đắk"), "Ma diem Dak");
        assert_eq!(fold(&decompose("Quy Nhơn Đông", Decomposed::Nfd)), fold("Quy Nhơn Đông"));
        assert_ne!(decompose("Nguyễn", Decomposed::ToHop), "Nguyễn");
        assert_eq!(decompose("Nguyễn", Decomposed::ToHop), "Nguyê\u{303}n");
        assert_eq!(add_working_days(NaiveDate::from_ymd_opt(2026, 3, 13).unwrap(), 1).day(), 16);
        let mut rng = Rng::new("x");
        let c = cccd(&mut rng, "052", false, 2003);
        assert_eq!(&c[..6], "052303");
        assert!(tcvn3_safe("Tổ công nghệ số xã Ân Hảo") && !tcvn3_safe("Ủy ban"));
    }
}
