//! KPIs: checking a definition, the SQL that computes an actual value from
//! the warehouse for a month, and the status (achieved, on track, at risk,
//! late) from the baseline, target, dates and the latest value.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tinhso_domain::text::nfc;
use tinhso_domain::values::parse_decimal;
use tinhso_domain::Error;
use tinhso_warehouse::QueryResult;

use crate::{keep, parse_day};

/// A month `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn parse(field: &str, s: &str) -> Result<Month, Error> {
        let t = s.trim();
        let bad = || {
            Error::invalid(
                field,
                format!("Tháng «{t}» không hợp lệ: ghi theo dạng YYYY-MM (ví dụ 2023-06) hoặc MM/YYYY."),
                format!("Month «{t}» is not valid: write it as YYYY-MM (e.g. 2023-06) or MM/YYYY."),
            )
        };
        let (y, m) = if let Some((y, m)) = t.split_once('-') {
            (y, m)
        } else if let Some((m, y)) = t.split_once('/') {
            (y, m)
        } else {
            return Err(bad());
        };
        let year: i32 = y.trim().parse().map_err(|_| bad())?;
        let month: u32 = m.trim().parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }
    pub fn of(d: NaiveDate) -> Month {
        Month { year: d.year(), month: d.month() }
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { year: self.year, month: self.month + 1 }
        }
    }
    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month { year: self.year - 1, month: 12 }
        } else {
            Month { year: self.year, month: self.month - 1 }
        }
    }
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("valid day")
    }
    /// The day `day` of this month, clamped to its last day.
    pub fn day(self, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, day.min(self.last_day().day())).expect("valid day")
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// How an actual value is obtained.
pub const METHODS: [&str; 2] = ["manual", "sql"];

/// A KPI as sent in JSON (`POST /api/v1/kpis`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiDoc {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub group: String,
    pub unit: String,
    pub baseline: Value,
    pub baseline_on: String,
    pub target: Value,
    pub target_on: String,
    #[serde(default = "yes")]
    pub higher_is_better: bool,
    /// `manual` or `sql`.
    pub method: String,
    #[serde(default)]
    pub sql: String,
    #[serde(default)]
    pub plan: Option<String>,
    #[serde(default)]
    pub agency: Option<String>,
}

fn yes() -> bool {
    true
}

fn number(field: &str, v: &Value) -> Result<f64, Error> {
    let f = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_decimal(s.trim().trim_end_matches('%').trim()).ok(),
        _ => None,
    };
    f.filter(|f| f.is_finite())
        .ok_or_else(|| Error::invalid(field, format!("«{v}» không phải là một số."), format!("«{v}» is not a number.")))
}

/// A checked KPI definition (agency and plan still as codes).
#[derive(Debug, Clone)]
pub struct CheckedKpi {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub group: &'static str,
    pub unit: String,
    pub baseline: f64,
    pub baseline_on: NaiveDate,
    pub target: f64,
    pub target_on: NaiveDate,
    pub higher_is_better: bool,
    pub method: &'static str,
    pub sql: String,
}

/// Checks a KPI definition; every error at once, each naming its field.
pub fn check(doc: &KpiDoc) -> Result<CheckedKpi, Vec<Error>> {
    let mut errors = Vec::new();
    let code = doc.code.trim();
    let code_ok = !code.is_empty()
        && code.len() <= 40
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if !code_ok {
        keep(
            &mut errors,
            Err::<(), _>(Error::invalid(
                "code",
                "Mã chỉ tiêu chỉ gồm chữ không dấu, số, '-', '_', '.' (tối đa 40 ký tự).",
                "A KPI code has only ASCII letters, digits, '-', '_', '.' (at most 40 characters).",
            )),
        );
    }
    let name = nfc(doc.name.trim());
    if name.is_empty() {
        keep(
            &mut errors,
            Err::<(), _>(Error::invalid(
                "name",
                "Tên chỉ tiêu không được để trống.",
                "The KPI name must not be empty.",
            )),
        );
    }
    let unit = nfc(doc.unit.trim());
    if unit.is_empty() {
        keep(
            &mut errors,
            Err::<(), _>(Error::invalid(
                "unit",
                "Đơn vị tính không được để trống (ví dụ %).",
                "The unit must not be empty (e.g. %).",
            )),
        );
    }
    let group = keep(&mut errors, crate::groups::parse("group", &doc.group));
    let baseline = keep(&mut errors, number("baseline", &doc.baseline));
    let target = keep(&mut errors, number("target", &doc.target));
    let baseline_on = keep(&mut errors, parse_day("baseline_on", &doc.baseline_on));
    let target_on = keep(&mut errors, parse_day("target_on", &doc.target_on));
    if let (Some(b), Some(t)) = (baseline_on, target_on) {
        if t <= b {
            keep(
                &mut errors,
                Err::<(), _>(Error::invalid(
                    "target_on",
                    format!(
                        "Ngày đạt mục tiêu {} phải sau ngày của giá trị cơ sở {}.",
                        t.format("%d/%m/%Y"),
                        b.format("%d/%m/%Y")
                    ),
                    format!(
                        "The target date {} must be after the baseline date {}.",
                        t.format("%d/%m/%Y"),
                        b.format("%d/%m/%Y")
                    ),
                )),
            );
        }
    }
    if unit == "%" {
        for (f, v) in [("baseline", baseline), ("target", target)] {
            if v.is_some_and(|v| !(0.0..=100.0).contains(&v)) {
                keep(
                    &mut errors,
                    Err::<(), _>(Error::invalid(
                        f,
                        "Tỷ lệ phải từ 0 đến 100%.",
                        "A percentage must be between 0 and 100%.",
                    )),
                );
            }
        }
    }
    let method = match doc.method.trim() {
        "manual" => Some("manual"),
        "sql" => Some("sql"),
        other => keep(
            &mut errors,
            Err(Error::invalid(
                "method",
                format!(
                    "Cách lấy số liệu «{other}» không hợp lệ: «manual» (nhập tay) hoặc «sql» (tính từ kho dữ liệu)."
                ),
                format!(
                    "Method «{other}» is not valid: «manual» (entered by hand) or «sql» (computed from the warehouse)."
                ),
            )),
        ),
    };
    let sql = doc.sql.trim().to_string();
    if method == Some("sql") && sql.is_empty() {
        keep(
            &mut errors,
            Err::<(), _>(Error::invalid(
                "sql",
                "Chỉ tiêu tính bằng SQL cần câu lệnh SQL.",
                "A KPI computed by SQL needs its SQL.",
            )),
        );
    }
    if !sql.is_empty() {
        if let Err(e) = expand(&sql, Month { year: 2000, month: 1 }) {
            keep(&mut errors, Err::<(), _>(e));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CheckedKpi {
        code: code.to_string(),
        name,
        name_en: nfc(doc.name_en.trim()),
        group: group.expect("checked"),
        unit,
        baseline: baseline.expect("checked"),
        baseline_on: baseline_on.expect("checked"),
        target: target.expect("checked"),
        target_on: target_on.expect("checked"),
        higher_is_better: doc.higher_is_better,
        method: method.expect("checked"),
        sql,
    })
}

/// Replaces `{{month_start}}`, `{{month_end}}` (the first day of the next
/// month: use `<`) and `{{year_start}}` by DATE literals. Any other `{{…}}`
/// is an error.
pub fn expand(sql: &str, m: Month) -> Result<String, Error> {
    let lit = |d: NaiveDate| format!("DATE '{}'", d.format("%Y-%m-%d"));
    let mut out = String::with_capacity(sql.len() + 32);
    let mut rest = sql;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            return Err(Error::invalid("sql", "Thiếu «}}» đóng tham số.", "A parameter is not closed with «}}»."));
        };
        let v = match after[..j].trim() {
            "month_start" => lit(m.first_day()),
            "month_end" => lit(m.next().first_day()),
            "year_start" => lit(NaiveDate::from_ymd_opt(m.year, 1, 1).expect("valid")),
            other => {
                return Err(Error::invalid(
                    "sql",
                    format!("Tham số «{{{{{other}}}}}» không có: dùng {{{{month_start}}}}, {{{{month_end}}}}, {{{{year_start}}}}."),
                    format!("There is no parameter «{{{{{other}}}}}»: use {{{{month_start}}}}, {{{{month_end}}}}, {{{{year_start}}}}."),
                ))
            }
        };
        out.push_str(&v);
        rest = &after[j + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The actual value in a query's result: the column `actual`, or the only
/// column, of the only row. No row, a NULL or a non-number is an error.
pub fn value_of(r: &QueryResult, code: &str, m: Month) -> Result<f64, Error> {
    let col = match r.columns.iter().position(|c| c.name == "actual") {
        Some(i) => i,
        None if r.columns.len() == 1 => 0,
        None => {
            return Err(Error::invalid(
                "sql",
                format!("SQL của chỉ tiêu {code} trả về {} cột: đặt tên cột kết quả là «actual».", r.columns.len()),
                format!("The SQL of KPI {code} returns {} columns: name the result column «actual».", r.columns.len()),
            ))
        }
    };
    let Some(row) = r.rows.first() else {
        return Err(Error::invalid(
            "sql",
            format!("SQL của chỉ tiêu {code} không trả về dòng nào cho tháng {m}."),
            format!("The SQL of KPI {code} returned no row for {m}."),
        ));
    };
    if r.rows.len() > 1 {
        return Err(Error::invalid(
            "sql",
            format!("SQL của chỉ tiêu {code} trả về {} dòng cho tháng {m}; cần đúng 1 dòng.", r.rows.len()),
            format!("The SQL of KPI {code} returned {} rows for {m}; exactly 1 is needed.", r.rows.len()),
        ));
    }
    match row.get(col) {
        Some(Value::Number(n)) => n.as_f64().filter(|f| f.is_finite()),
        Some(Value::String(s)) => s.parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
    .ok_or_else(|| {
        Error::invalid(
            "sql",
            format!(
                "SQL của chỉ tiêu {code} không cho giá trị số cho tháng {m} (nhận được {}).",
                row.get(col).unwrap_or(&Value::Null)
            ),
            format!("The SQL of KPI {code} gave no number for {m} (got {}).", row.get(col).unwrap_or(&Value::Null)),
        )
    })
}

/// Where a KPI stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The target is met.
    Achieved,
    /// Progress keeps pace with the time elapsed (within 10 points).
    OnTrack,
    /// Behind the time elapsed by 10 to 30 points.
    AtRisk,
    /// More than 30 points behind, or the target date passed unmet.
    Late,
    /// No value yet.
    NoData,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Achieved => "achieved",
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::Late => "late",
            Status::NoData => "no_data",
        }
    }
    pub fn label(self, lang: tinhso_domain::Lang) -> &'static str {
        let en = lang == tinhso_domain::Lang::En;
        match self {
            Status::Achieved => {
                if en {
                    "Achieved"
                } else {
                    "Đã đạt"
                }
            }
            Status::OnTrack => {
                if en {
                    "On track"
                } else {
                    "Đúng tiến độ"
                }
            }
            Status::AtRisk => {
                if en {
                    "At risk"
                } else {
                    "Có nguy cơ chậm"
                }
            }
            Status::Late => {
                if en {
                    "Late"
                } else {
                    "Chậm tiến độ"
                }
            }
            Status::NoData => {
                if en {
                    "No data"
                } else {
                    "Chưa có số liệu"
                }
            }
        }
    }
}

/// The parts of a KPI its status depends on.
#[derive(Debug, Clone, Copy)]
pub struct Goal {
    pub baseline: f64,
    pub baseline_on: NaiveDate,
    pub target: f64,
    pub target_on: NaiveDate,
    pub higher_is_better: bool,
}

/// The status of `actual` (the latest value) as of `today`.
pub fn status(g: &Goal, actual: Option<f64>, today: NaiveDate) -> Status {
    let Some(a) = actual else { return Status::NoData };
    let met = if g.higher_is_better { a >= g.target } else { a <= g.target };
    if met {
        return Status::Achieved;
    }
    if today > g.target_on {
        return Status::Late;
    }
    let span = (g.target_on - g.baseline_on).num_days().max(1) as f64;
    let elapsed = ((today - g.baseline_on).num_days() as f64 / span).clamp(0.0, 1.0);
    let progress =
        if (g.target - g.baseline).abs() < f64::EPSILON { 0.0 } else { (a - g.baseline) / (g.target - g.baseline) };
    let gap = elapsed - progress;
    if gap <= 0.10 {
        Status::OnTrack
    } else if gap <= 0.30 {
        Status::AtRisk
    } else {
        Status::Late
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months() {
        let m = Month::parse("m", "2023-06").unwrap();
        assert_eq!(m, Month::parse("m", "06/2023").unwrap());
        assert_eq!(
            (m.first_day(), m.last_day(), m.next().to_string()),
            (d("2023-06-01"), d("2023-06-30"), "2023-07".into())
        );
        assert_eq!(Month::parse("m", "2024-02").unwrap().day(31), d("2024-02-29"));
        assert_eq!(Month::parse("m", "2023-01").unwrap().prev().to_string(), "2022-12");
        for bad in ["2023-13", "2023", "tháng 6", "1999-01", "2023-00"] {
            let e = Month::parse("month", bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("month"));
        }
    }

    #[test]
    fn parameters_become_date_literals() {
        let m = Month { year: 2023, month: 12 };
        let s = expand("x >= {{year_start}} AND x >= {{ month_start }} AND x < {{month_end}}", m).unwrap();
        assert_eq!(s, "x >= DATE '2023-01-01' AND x >= DATE '2023-12-01' AND x < DATE '2024-01-01'");
        assert!(expand("{{commune}}", m).unwrap_err().vi.contains("{{commune}}"));
        assert!(expand("{{month_end", m).is_err());
    }

    #[test]
    fn statuses() {
        let g = Goal {
            baseline: 40.0,
            baseline_on: d("2023-01-01"),
            target: 80.0,
            target_on: d("2023-12-31"),
            higher_is_better: true,
        };
        assert_eq!(status(&g, None, d("2023-06-30")), Status::NoData);
        assert_eq!(status(&g, Some(82.0), d("2023-06-30")), Status::Achieved);
        // Half the year gone: half the way (60) is on track, 55 at risk, 45 late.
        assert_eq!(status(&g, Some(60.0), d("2023-07-02")), Status::OnTrack);
        assert_eq!(status(&g, Some(55.0), d("2023-07-02")), Status::AtRisk);
        assert_eq!(status(&g, Some(45.0), d("2023-07-02")), Status::Late);
        assert_eq!(status(&g, Some(79.9), d("2024-01-01")), Status::Late);
        let down = Goal { baseline: 30.0, target: 10.0, higher_is_better: false, ..g };
        assert_eq!(status(&down, Some(9.0), d("2023-03-01")), Status::Achieved);
        assert_eq!(status(&down, Some(20.0), d("2023-07-02")), Status::OnTrack);
    }

    #[test]
    fn bad_kpis_name_their_fields() {
        let doc: KpiDoc = serde_json::from_value(serde_json::json!({
            "code": "có dấu", "name": " ", "group": "lạ", "unit": "%", "baseline": "abc", "baseline_on": "31/12/2023",
            "target": 120, "target_on": "01/01/2023", "method": "guess", "sql": "SELECT {{x}}"
        }))
        .unwrap();
        let errs = check(&doc).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_deref().unwrap()).collect();
        for f in ["code", "name", "group", "baseline", "target", "target_on", "method", "sql"] {
            assert!(fields.contains(&f), "{f} not in {fields:?}");
        }
        let ok: KpiDoc = serde_json::from_value(serde_json::json!({
            "code": "dvc-truc-tuyen", "name": "Tỷ lệ DVC trực tuyến phát sinh hồ sơ", "group": "Chính quyền số", "unit": "%",
            "baseline": "45,5", "baseline_on": "01/01/2023", "target": 80, "target_on": "2023-12-31", "method": "sql",
            "sql": "SELECT 1 AS actual WHERE {{month_start}} < {{month_end}}"
        }))
        .unwrap();
        let k = check(&ok).unwrap();
        assert_eq!((k.baseline, k.group, k.method), (45.5, "chinh-quyen-so", "sql"));
    }
}
