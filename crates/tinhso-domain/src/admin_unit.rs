//! Administrative units (đơn vị hành chính) of Vietnam, before and after the
//! 1 July 2025 reform, with validity periods and the 2025 crosswalk.
//!
//! GSO codes were reused by the reform: 21553 was Phường Nhơn Phú (Bình Định)
//! until 30 June 2025 and is Phường Quy Nhơn Bắc (Gia Lai) from 1 July 2025.
//! A code alone therefore names nothing; every lookup takes an `as_of` date.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::text::fold;

const UNITS_TSV: &str = include_str!("../data/units.tsv");
const CROSSWALK_TSV: &str = include_str!("../data/crosswalk.tsv");

/// The first day of the two-level structure (34 provinces, communes).
pub fn reform_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date")
}

/// Level of a unit: tỉnh, huyện (legacy only), xã.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Province,
    District,
    Commune,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
        }
    }
    pub fn parse(s: &str) -> Result<Level> {
        match fold(s).as_str() {
            "province" | "tinh" => Ok(Level::Province),
            "district" | "huyen" => Ok(Level::District),
            "commune" | "xa" => Ok(Level::Commune),
            _ => Err(Error::invalid(
                "level",
                format!("Cấp hành chính không hợp lệ: «{s}» (dùng province, district hoặc commune)."),
                format!("Invalid level: «{s}» (use province, district or commune)."),
            )),
        }
    }
    pub fn label(self, lang: crate::Lang) -> &'static str {
        match (self, lang) {
            (Level::Province, crate::Lang::Vi) => "Tỉnh/thành phố",
            (Level::District, crate::Lang::Vi) => "Quận/huyện (cũ)",
            (Level::Commune, crate::Lang::Vi) => "Xã/phường",
            (Level::Province, crate::Lang::En) => "Province/city",
            (Level::District, crate::Lang::En) => "District (legacy)",
            (Level::Commune, crate::Lang::En) => "Commune/ward",
        }
    }
}

/// One administrative unit during one validity period.
#[derive(Debug, Clone)]
pub struct AdminUnit {
    pub code: String,
    pub level: Level,
    pub province_code: String,
    /// The parent's code in the same period (province, or district for a legacy commune).
    pub parent_code: Option<String>,
    pub name: String,
    pub full_name: String,
    pub name_en: String,
    pub full_name_en: String,
    /// First day in force; `None` when it predates the data.
    pub valid_from: Option<NaiveDate>,
    /// Last day in force; `None` while in force.
    pub valid_to: Option<NaiveDate>,
    folded: String,
}

impl AdminUnit {
    pub fn is_valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_to.is_none_or(|t| day <= t)
    }
    /// Whether this unit still exists today (has no end date).
    pub fn in_force(&self) -> bool {
        self.valid_to.is_none()
    }
    fn same_period(&self, other: &AdminUnit) -> bool {
        self.valid_from == other.valid_from && self.valid_to == other.valid_to
    }
}

/// A current unit that took in all (`whole`) or part of a legacy unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Successor {
    pub code: String,
    pub name: String,
    pub whole: bool,
}

/// Filters for [`AdminUnits::search`].
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Only units in force on that day; `None` searches every period.
    pub as_of: Option<NaiveDate>,
    pub level: Option<Level>,
    pub province_code: Option<String>,
    pub limit: usize,
}

/// The registry of all units, current and legacy, with the crosswalk.
pub struct AdminUnits {
    units: Vec<AdminUnit>,
    by_code: HashMap<String, Vec<usize>>,
    /// Legacy code → current successors (communes and provinces).
    crosswalk: HashMap<String, Vec<Successor>>,
    /// Current code → legacy predecessors.
    predecessors: HashMap<String, Vec<Successor>>,
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.is_empty() {
        None
    } else {
        Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("embedded dates are ISO"))
    }
}

impl AdminUnits {
    /// The units shipped in the binary, parsed once.
    pub fn embedded() -> &'static AdminUnits {
        static UNITS: OnceLock<AdminUnits> = OnceLock::new();
        UNITS.get_or_init(|| AdminUnits::parse(UNITS_TSV, CROSSWALK_TSV))
    }

    fn parse(units_tsv: &str, crosswalk_tsv: &str) -> AdminUnits {
        let mut units = Vec::with_capacity(14_500);
        for line in units_tsv.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 10, "embedded units.tsv line: {line}");
            let level = Level::parse(f[1]).expect("embedded level");
            units.push(AdminUnit {
                code: f[0].to_string(),
                level,
                province_code: f[2].to_string(),
                parent_code: (!f[3].is_empty()).then(|| f[3].to_string()),
                name: f[4].to_string(),
                full_name: f[5].to_string(),
                name_en: f[6].to_string(),
                full_name_en: f[7].to_string(),
                valid_from: parse_date(f[8]),
                valid_to: parse_date(f[9]),
                folded: fold(f[5]),
            });
        }
        let mut by_code: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            by_code.entry(u.code.clone()).or_default().push(i);
        }
        let mut crosswalk: HashMap<String, Vec<Successor>> = HashMap::new();
        let mut predecessors: HashMap<String, Vec<Successor>> = HashMap::new();
        let legacy_name = |code: &str| {
            by_code
                .get(code)
                .and_then(|ix| ix.iter().map(|&i| &units[i]).find(|u| !u.in_force()))
                .map(|u| u.full_name.clone())
        };
        for line in crosswalk_tsv.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 5, "embedded crosswalk.tsv line: {line}");
            let whole = f[4] == "1";
            crosswalk.entry(f[0].to_string()).or_default().push(Successor {
                code: f[2].to_string(),
                name: f[3].to_string(),
                whole,
            });
            predecessors.entry(f[2].to_string()).or_default().push(Successor {
                code: f[0].to_string(),
                name: legacy_name(f[0]).unwrap_or_else(|| f[0].to_string()),
                whole,
            });
        }
        AdminUnits { units, by_code, crosswalk, predecessors }
    }

    /// Every unit record, all periods.
    pub fn all(&self) -> &[AdminUnit] {
        &self.units
    }

    fn records(&self, code: &str) -> impl Iterator<Item = &AdminUnit> {
        self.by_code.get(code).into_iter().flatten().map(|&i| &self.units[i])
    }

    /// The unit with `code` in force on `as_of`; failing that, the most recent
    /// unit with that code that ended before `as_of` (it carries successors).
    pub fn lookup(&self, code: &str, as_of: NaiveDate) -> Result<&AdminUnit> {
        check_code(code)?;
        if let Some(u) = self.records(code).find(|u| u.is_valid_on(as_of)) {
            return Ok(u);
        }
        self.records(code).filter(|u| u.valid_to.is_some_and(|t| t < as_of)).max_by_key(|u| u.valid_to).ok_or_else(
            || {
                Error::not_found(
                    format!("Không có đơn vị hành chính mã {code} vào ngày {}.", as_of.format("%d/%m/%Y")),
                    format!("No administrative unit with code {code} on {as_of}."),
                )
                .at("code")
            },
        )
    }

    /// The unit with `code` in force on `as_of`, and nothing else.
    pub fn in_force(&self, code: &str, as_of: NaiveDate) -> Option<&AdminUnit> {
        self.records(code).find(|u| u.is_valid_on(as_of))
    }

    /// The current units that took over a unit no longer in force; empty for a
    /// unit in force. A legacy district's successors are the communes that
    /// took in its communes; each is `whole` only if it took the entire district.
    pub fn successors(&self, unit: &AdminUnit) -> Vec<Successor> {
        if unit.in_force() {
            return Vec::new();
        }
        if unit.level != Level::District {
            return self.crosswalk.get(&unit.code).cloned().unwrap_or_default();
        }
        let mut merged: BTreeMap<String, Successor> = BTreeMap::new();
        let mut all_whole = true;
        for child in self.children(unit) {
            for s in self.crosswalk.get(&child.code).into_iter().flatten() {
                all_whole &= s.whole;
                merged.entry(s.code.clone()).or_insert_with(|| s.clone());
            }
        }
        let single = merged.len() == 1;
        merged.into_values().map(|s| Successor { whole: single && all_whole, ..s }).collect()
    }

    /// The legacy units a current unit was formed from (empty for legacy units).
    pub fn predecessors(&self, unit: &AdminUnit) -> Vec<Successor> {
        if !unit.in_force() {
            return Vec::new();
        }
        self.predecessors.get(&unit.code).cloned().unwrap_or_default()
    }

    /// The units directly under `unit` in the same period, by code.
    pub fn children(&self, unit: &AdminUnit) -> Vec<&AdminUnit> {
        let mut out: Vec<&AdminUnit> = self
            .units
            .iter()
            .filter(|c| c.parent_code.as_deref() == Some(unit.code.as_str()) && c.level > unit.level)
            .filter(|c| c.same_period(unit))
            .collect();
        out.sort_by(|a, b| a.code.cmp(&b.code));
        out
    }

    /// The parent of `unit` in the same period.
    pub fn parent(&self, unit: &AdminUnit) -> Option<&AdminUnit> {
        let code = unit.parent_code.as_deref()?;
        self.records(code).find(|p| p.level < unit.level && p.same_period(unit))
    }

    /// Whether `unit` lies in province `province` as it is today: a current
    /// unit of that province, or a legacy unit whose province was merged into it.
    pub fn belongs_to_province(&self, unit: &AdminUnit, province: &str) -> bool {
        if unit.in_force() {
            return unit.province_code == province;
        }
        self.crosswalk.get(&unit.province_code).is_some_and(|s| s.iter().any(|s| s.code == province))
    }

    /// Units whose name or code matches `q`, with or without diacritics.
    /// Exact names rank first, then prefixes; units in force before legacy ones.
    pub fn search(&self, q: &str, filter: &SearchFilter) -> Vec<&AdminUnit> {
        let folded = fold(q);
        let tokens: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
        let limit = if filter.limit == 0 { 50 } else { filter.limit };
        let mut hits: Vec<(u8, &AdminUnit)> = self
            .units
            .iter()
            .filter(|u| filter.as_of.is_none_or(|d| u.is_valid_on(d)))
            .filter(|u| filter.level.is_none_or(|l| u.level == l))
            .filter(|u| filter.province_code.as_deref().is_none_or(|p| u.province_code == p))
            .filter_map(|u| {
                if u.code == folded {
                    return Some((0, u));
                }
                if tokens.is_empty() || !tokens.iter().all(|t| u.folded.contains(t)) {
                    return None;
                }
                let name = fold(&u.name);
                let rank = if name == folded || u.folded == folded {
                    1
                } else if name.starts_with(&folded) {
                    2
                } else {
                    3
                };
                Some((rank, u))
            })
            .collect();
        hits.sort_by(|(ra, a), (rb, b)| {
            ra.cmp(rb).then(b.in_force().cmp(&a.in_force())).then(a.level.cmp(&b.level)).then(a.code.cmp(&b.code))
        });
        hits.into_iter().take(limit).map(|(_, u)| u).collect()
    }
}

/// Checks the shape of a GSO code: 2 (province), 3 (district) or 5 (commune) digits.
pub fn check_code(code: &str) -> Result<()> {
    if matches!(code.len(), 2 | 3 | 5) && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Error::invalid(
            "code",
            format!("Mã đơn vị hành chính «{code}» không hợp lệ: cần 2 (tỉnh), 3 (huyện) hoặc 5 (xã) chữ số."),
            format!("Administrative unit code «{code}» is invalid: expected 2 (province), 3 (district) or 5 (commune) digits."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn check_successors(code: &str, as_of: &str, expect: &[(&str, bool)]) {
        let units = AdminUnits::embedded();
        let u = units.lookup(code, day(as_of)).unwrap();
        let got: Vec<(String, bool)> = units.successors(u).into_iter().map(|s| (s.code, s.whole)).collect();
        let want: Vec<(String, bool)> = expect.iter().map(|(c, w)| (c.to_string(), *w)).collect();
        assert_eq!(got, want, "successors of {code} as of {as_of}");
    }

    #[test]
    fn counts_match_the_reference_data() {
        let units = AdminUnits::embedded();
        let today = day("2026-01-01");
        let current: Vec<_> = units.all().iter().filter(|u| u.is_valid_on(today)).collect();
        assert_eq!(current.iter().filter(|u| u.level == Level::Province).count(), 34);
        assert_eq!(current.iter().filter(|u| u.level == Level::Commune).count(), 3321);
        let legacy = day("2025-06-30");
        let old: Vec<_> = units.all().iter().filter(|u| u.is_valid_on(legacy)).collect();
        assert_eq!(old.iter().filter(|u| u.level == Level::Province).count(), 63);
        assert_eq!(old.iter().filter(|u| u.level == Level::District).count(), 696);
        assert!(old.iter().filter(|u| u.level == Level::Commune).count() >= 10_035);
    }

    #[test]
    fn reused_code_depends_on_the_date() {
        let units = AdminUnits::embedded();
        assert_eq!(units.lookup("21553", day("2025-06-30")).unwrap().full_name, "Phường Nhơn Phú");
        assert_eq!(units.lookup("21553", day("2025-07-01")).unwrap().full_name, "Phường Quy Nhơn Bắc");
        assert_eq!(units.lookup("52", day("2020-01-01")).unwrap().name, "Bình Định");
        assert_eq!(units.lookup("52", day("2026-01-01")).unwrap().name, "Gia Lai");
    }

    #[test]
    fn crosswalk_resolves_whole_and_partial() {
        check_successors("21550", "2025-06-30", &[("21601", true)]);
        check_successors("21634", "2026-01-01", &[("21628", false), ("21622", false)]);
        check_successors("52", "2025-06-30", &[("52", true)]);
        check_successors("64", "2026-01-01", &[("52", true)]);
        // A unit in force has no successors.
        check_successors("21583", "2026-01-01", &[]);
    }

    #[test]
    fn a_legacy_district_resolves_to_the_communes_that_took_its_communes() {
        let units = AdminUnits::embedded();
        let quy_nhon = units.lookup("540", day("2026-01-01")).unwrap();
        assert_eq!(quy_nhon.level, Level::District);
        let s = units.successors(quy_nhon);
        assert!(s.iter().any(|s| s.code == "21583"), "{s:?}");
        assert!(s.iter().all(|s| !s.whole));
    }

    #[test]
    fn predecessors_of_a_current_commune() {
        let units = AdminUnits::embedded();
        let u = units.lookup("21583", day("2026-01-01")).unwrap();
        let p: Vec<_> = units.predecessors(u).into_iter().map(|p| p.name).collect();
        assert!(p.contains(&"Phường Thị Nại".to_string()), "{p:?}");
    }

    #[test]
    fn search_ignores_diacritics() {
        let units = AdminUnits::embedded();
        let f = SearchFilter { as_of: Some(day("2026-01-01")), ..Default::default() };
        let hits = units.search("quy nhon", &f);
        assert_eq!(hits[0].full_name, "Phường Quy Nhơn");
        assert!(hits.iter().all(|u| u.in_force()));
        let hits = units.search("Quy Nhơn Đông", &SearchFilter::default());
        assert_eq!(hits[0].code, "21601");
        assert_eq!(units.search("21583", &f)[0].code, "21583");
        assert!(units.search("zzzz", &f).is_empty());
    }

    #[test]
    fn legacy_units_belong_to_the_province_that_took_them_in() {
        let units = AdminUnits::embedded();
        let an_nghia = units.lookup("21634", day("2026-01-01")).unwrap();
        assert!(units.belongs_to_province(an_nghia, "52"));
        assert!(!units.belongs_to_province(an_nghia, "01"));
        let quy_nhon = units.lookup("21583", day("2026-01-01")).unwrap();
        assert!(units.belongs_to_province(quy_nhon, "52"));
    }

    #[test]
    fn children_stay_in_their_period() {
        let units = AdminUnits::embedded();
        let gia_lai = units.lookup("52", day("2026-01-01")).unwrap();
        assert_eq!(units.children(gia_lai).len(), 135);
        let binh_dinh = units.lookup("52", day("2024-01-01")).unwrap();
        assert!(units.children(binh_dinh).iter().all(|c| c.level == Level::District));
    }

    #[test]
    fn bad_codes_are_rejected_and_unknown_ones_not_found() {
        let units = AdminUnits::embedded();
        let e = units.lookup("abc", day("2026-01-01")).unwrap_err();
        assert_eq!(e.kind, crate::ErrorKind::Invalid);
        let e = units.lookup("99999", day("2026-01-01")).unwrap_err();
        assert_eq!(e.kind, crate::ErrorKind::NotFound);
        assert!(e.vi.contains("99999") && e.en.contains("99999"));
    }
}
