//! DTI (Digital Transformation Index): frameworks as data, the score a
//! self-assessment gives, the national ranking table (CSV import), and the
//! checks on official results. Index values are on DTI's 0–1 scale; the
//! provincial score is the points-weighted sum of the scored main indices
//! over the total points (e.g. 922/QĐ-BTTTT: 5 × 100 + 200 + 150 + 150 = 1,000),
//! which reproduces the published scores (Đà Nẵng 2022: 0.8002).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tinhso_domain::text::fold;
use tinhso_domain::{AdminUnits, Error, Level};

/// The published DTI 2022 provincial ranking (dti.gov.vn; see `data/SOURCES.md`).
pub const RANKING_2022: &[u8] = include_bytes!("../data/dti-2022-provinces.csv");

/// The built-in frameworks: (code, YAML).
pub const BUILTIN: [(&str, &str); 2] = [
    ("dti-2022", include_str!("../frameworks/dti-2022.yaml")),
    ("dti-2025", include_str!("../frameworks/dti-2025.yaml")),
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Framework {
    pub code: String,
    pub decision: String,
    #[serde(default)]
    pub decision_date: Option<String>,
    pub title: String,
    #[serde(default)]
    pub title_en: String,
    pub first_year: i64,
    /// None when not published: the main indices then weigh the same.
    #[serde(default)]
    pub total_points: Option<f64>,
    #[serde(default)]
    pub source: String,
    pub indices: Vec<Index>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Index {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// `foundation` or `activity`.
    pub group: String,
    #[serde(default)]
    pub points: Option<f64>,
    /// None when the source does not say: counted as scored.
    #[serde(default)]
    pub scored: Option<bool>,
    /// The column of the national ranking CSV holding this index.
    #[serde(default)]
    pub column: Option<String>,
    #[serde(default)]
    pub component_count: Option<u32>,
    /// Component indicators, configurable by the DX office.
    #[serde(default)]
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Component {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub points: Option<f64>,
}

impl Index {
    pub fn is_scored(&self) -> bool {
        self.scored.unwrap_or(true)
    }
}

impl Framework {
    /// Parses and checks a framework (YAML or JSON). Errors name the field.
    pub fn parse(text: &str) -> Result<Framework, Error> {
        let f: Framework = serde_yaml::from_str(text).map_err(|e| {
            Error::invalid(
                e.location().map(|l| format!("line {}", l.line())).as_deref().unwrap_or("framework"),
                format!("Bộ chỉ số không đọc được: {e}"),
                format!("The framework cannot be read: {e}"),
            )
        })?;
        f.check()?;
        Ok(f)
    }

    fn check(&self) -> Result<(), Error> {
        if self.code.is_empty() || !self.code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Error::invalid(
                "code",
                "Mã bộ chỉ số chỉ gồm chữ không dấu, số và '-'.",
                "A framework code has only ASCII letters, digits and '-'.",
            ));
        }
        if self.indices.is_empty() {
            return Err(Error::invalid(
                "indices",
                "Bộ chỉ số cần ít nhất một chỉ số chính.",
                "A framework needs at least one main index.",
            ));
        }
        let mut codes = std::collections::BTreeSet::new();
        for (i, ix) in self.indices.iter().enumerate() {
            if !codes.insert(ix.code.clone()) {
                return Err(Error::invalid(
                    &format!("indices[{i}].code"),
                    format!("Mã chỉ số «{}» bị trùng.", ix.code),
                    format!("Index code «{}» appears twice.", ix.code),
                ));
            }
            if ix.points.is_some_and(|p| !(0.0..=1000.0).contains(&p)) {
                return Err(Error::invalid(
                    &format!("indices[{i}].points"),
                    "Điểm phải từ 0 đến 1.000.",
                    "Points must be between 0 and 1,000.",
                ));
            }
            if let Some(n) = ix.component_count {
                if ix.components.len() > n as usize {
                    return Err(Error::invalid(
                        &format!("indices[{i}].components"),
                        format!(
                            "Chỉ số «{}» có {} chỉ số thành phần, nhiều hơn {n} đã khai.",
                            ix.name,
                            ix.components.len()
                        ),
                        format!(
                            "Index «{}» has {} components, more than the {n} declared.",
                            ix.name,
                            ix.components.len()
                        ),
                    ));
                }
            }
            for (j, c) in ix.components.iter().enumerate() {
                if !codes.insert(c.code.clone()) {
                    return Err(Error::invalid(
                        &format!("indices[{i}].components[{j}].code"),
                        format!("Mã chỉ số «{}» bị trùng.", c.code),
                        format!("Indicator code «{}» appears twice.", c.code),
                    ));
                }
            }
        }
        if let Some(total) = self.total_points {
            if self.indices.iter().all(|i| i.points.is_some()) {
                let sum: f64 = self.indices.iter().filter(|i| i.is_scored()).filter_map(|i| i.points).sum();
                if (sum - total).abs() > 0.01 {
                    return Err(Error::invalid(
                        "total_points",
                        format!("Tổng điểm các chỉ số chính được tính điểm là {sum}, khác tổng {total}."),
                        format!("The scored main indices add up to {sum} points, not the total {total}."),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The indicators a self-assessment fills: each component, or the main
    /// index itself when it has no components configured.
    pub fn indicators(&self) -> Vec<(&Index, Option<&Component>)> {
        let mut v = Vec::new();
        for ix in self.indices.iter().filter(|i| i.is_scored()) {
            if ix.components.is_empty() {
                v.push((ix, None));
            } else {
                v.extend(ix.components.iter().map(|c| (ix, Some(c))));
            }
        }
        v
    }

    /// Scores index values (by index or component code, 0–1).
    pub fn score(&self, values: &HashMap<String, f64>) -> Score {
        let mut indices = Vec::new();
        for ix in self.indices.iter().filter(|i| i.is_scored()) {
            let value = if ix.components.is_empty() {
                values.get(&ix.code).copied()
            } else {
                let parts: Vec<(f64, f64)> = ix
                    .components
                    .iter()
                    .filter_map(|c| values.get(&c.code).map(|v| (*v, c.points.unwrap_or(1.0))))
                    .collect();
                if parts.len() < ix.components.len() {
                    None
                } else {
                    let w: f64 = parts.iter().map(|p| p.1).sum();
                    (w > 0.0).then(|| parts.iter().map(|p| p.0 * p.1).sum::<f64>() / w)
                }
            };
            indices.push(IndexScore {
                code: ix.code.clone(),
                name: ix.name.clone(),
                name_en: ix.name_en.clone(),
                points: ix.points,
                value,
            });
        }
        let complete = indices.iter().all(|i| i.value.is_some());
        let total =
            complete.then(|| weighted(&indices.iter().map(|i| (i.value.unwrap_or(0.0), i.points)).collect::<Vec<_>>()));
        Score { indices, total, complete }
    }

    pub fn index_by_column(&self, column: &str) -> Option<&Index> {
        self.indices.iter().find(|i| i.column.as_deref() == Some(column))
    }
}

/// Points-weighted mean (equal weights when any points are unknown).
fn weighted(parts: &[(f64, Option<f64>)]) -> f64 {
    if parts.iter().all(|p| p.1.is_some()) {
        let w: f64 = parts.iter().filter_map(|p| p.1).sum();
        if w > 0.0 {
            return parts.iter().map(|p| p.0 * p.1.unwrap_or(0.0)).sum::<f64>() / w;
        }
    }
    parts.iter().map(|p| p.0).sum::<f64>() / parts.len().max(1) as f64
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexScore {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub points: Option<f64>,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub indices: Vec<IndexScore>,
    /// 0–1, when every scored index has a value.
    pub total: Option<f64>,
    pub complete: bool,
}

/// The framework that applies to an assessment year: the newest whose first year is not after it.
pub fn framework_for(frameworks: &[Framework], year: i64) -> Option<&Framework> {
    frameworks
        .iter()
        .filter(|f| f.first_year <= year)
        .max_by_key(|f| f.first_year)
        .or_else(|| frameworks.iter().min_by_key(|f| f.first_year))
}

/// Checks a 0–1 index value.
pub fn check_value(field: &str, v: f64) -> Result<f64, Error> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(Error::invalid(
            field,
            format!("Giá trị chỉ số {v} nằm ngoài khoảng 0–1 của DTI."),
            format!("Index value {v} is outside DTI's 0–1 range."),
        ))
    }
}

/// Checks a rank out of `of` provinces.
pub fn check_rank(field: &str, rank: i64, of: i64) -> Result<(), Error> {
    if !(1..=100).contains(&of) {
        return Err(Error::invalid(
            field,
            format!("Số tỉnh xếp hạng {of} không hợp lệ (63 hoặc 34)."),
            format!("The number of provinces ranked, {of}, is not valid (63 or 34)."),
        ));
    }
    if !(1..=of).contains(&rank) {
        return Err(Error::invalid(
            field,
            format!("Thứ hạng {rank} phải từ 1 đến {of}."),
            format!("Rank {rank} must be between 1 and {of}."),
        ));
    }
    Ok(())
}

/// A row of the national ranking as read from the CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    pub year: i64,
    pub rank: i64,
    pub province: String,
    pub score: Option<f64>,
    pub indices: BTreeMap<String, f64>,
}

fn province_key(name: &str) -> String {
    let f = fold(name);
    let f = f.strip_prefix("tp.").or_else(|| f.strip_prefix("thanh pho ")).unwrap_or(&f).to_string();
    let k = f.replace(['-', '.', ' '], "");
    // Thừa Thiên Huế became the city of Huế (code 46) in 2025; the register keeps the one name.
    if k == "thuathienhue" {
        "hue".to_string()
    } else {
        k
    }
}

/// Reads the national DTI ranking CSV (`year,rank,province,score,<index columns>`).
/// Empty cells stay empty (unpublished, not zero). Every bad cell is reported
/// with file, row and column; nothing is returned unless all rows are good.
pub fn read_rankings(
    file_name: &str,
    bytes: &[u8],
    framework: &Framework,
    units: &AdminUnits,
) -> Result<Vec<Ranking>, Vec<Error>> {
    let text = match std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)) {
        Ok(t) => t,
        Err(_) => {
            return Err(vec![Error::invalid(
                file_name,
                format!("{file_name}: tệp không phải UTF-8."),
                format!("{file_name}: the file is not UTF-8."),
            )])
        }
    };
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            return Err(vec![Error::invalid(
                file_name,
                format!("{file_name}: không đọc được dòng tiêu đề: {e}"),
                format!("{file_name}: cannot read the header: {e}"),
            )])
        }
    };
    let mut errors = Vec::new();
    for need in ["year", "rank", "province"] {
        if !headers.iter().any(|h| h == need) {
            errors.push(Error::invalid(
                &format!("{file_name}:1"),
                format!("{file_name}: thiếu cột «{need}»."),
                format!("{file_name}: the column «{need}» is missing."),
            ));
        }
    }
    for h in &headers {
        if !["year", "rank", "province", "score"].contains(&h.as_str()) && framework.index_by_column(h).is_none() {
            errors.push(Error::invalid(
                &format!("{file_name}:1:{h}"),
                format!("{file_name}: cột «{h}» không phải chỉ số nào của bộ chỉ số {}.", framework.code),
                format!("{file_name}: column «{h}» is no index of framework {}.", framework.code),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Pre-2025 provinces by folded name.
    let provinces: HashMap<String, &str> = units
        .all()
        .iter()
        .filter(|u| u.level == Level::Province)
        .map(|u| (province_key(&u.name), u.code.as_str()))
        .collect();
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(Error::invalid(
                    &format!("{file_name}:{row}"),
                    format!("{file_name}, dòng {row}: {e}"),
                    format!("{file_name}, row {row}: {e}"),
                ));
                continue;
            }
        };
        let cell = |name: &str| {
            headers.iter().position(|h| h == name).and_then(|p| rec.get(p)).unwrap_or("").trim().to_string()
        };
        let at = |col: &str| format!("{file_name}:{row}:{col}");
        let before = errors.len();
        let year = cell("year").parse::<i64>().ok().filter(|y| (2015..=2100).contains(y));
        if year.is_none() {
            errors.push(Error::invalid(
                &at("year"),
                format!("Năm «{}» không hợp lệ.", cell("year")),
                format!("Year «{}» is not valid.", cell("year")),
            ));
        }
        let rank = cell("rank").parse::<i64>().ok();
        match rank {
            Some(r) => {
                if let Err(e) = check_rank(&at("rank"), r, 63) {
                    errors.push(e);
                }
            }
            None => errors.push(Error::invalid(
                &at("rank"),
                format!("Thứ hạng «{}» không phải số nguyên.", cell("rank")),
                format!("Rank «{}» is not an integer.", cell("rank")),
            )),
        }
        let province = tinhso_domain::text::nfc(&cell("province"));
        if province.is_empty() {
            errors.push(Error::invalid(&at("province"), "Thiếu tên tỉnh.", "The province is missing."));
        } else if !provinces.contains_key(&province_key(&province)) {
            errors.push(Error::invalid(
                &at("province"),
                format!("«{province}» không phải tên một tỉnh, thành phố trong danh mục đơn vị hành chính."),
                format!("«{province}» is not the name of a province in the administrative-unit register."),
            ));
        }
        let mut num = |col: &str| -> Option<f64> {
            let t = cell(col);
            if t.is_empty() {
                return None;
            }
            match t.replace(',', ".").parse::<f64>() {
                Ok(v) => match check_value(&at(col), v) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                },
                Err(_) => {
                    errors.push(Error::invalid(
                        &at(col),
                        format!("«{t}» không phải là số."),
                        format!("«{t}» is not a number."),
                    ));
                    None
                }
            }
        };
        let score = num("score");
        let mut indices = BTreeMap::new();
        for h in &headers {
            if let Some(ix) = framework.index_by_column(h) {
                if let Some(v) = num(h) {
                    indices.insert(ix.code.clone(), v);
                }
            }
        }
        if errors.len() > before {
            continue;
        }
        // A published score must agree with its published indices.
        if let Some(s) = score {
            let values: HashMap<String, f64> = indices.iter().map(|(k, v)| (k.clone(), *v)).collect();
            if let Some(total) = framework.score(&values).total {
                if (total - s).abs() > 0.0015 {
                    errors.push(Error::invalid(
                        &at("score"),
                        format!("Điểm {s:.4} không khớp các chỉ số thành phần (tính ra {total:.4})."),
                        format!("Score {s:.4} does not match its indices (they give {total:.4})."),
                    ));
                    continue;
                }
            }
        }
        out.push(Ranking { year: year.unwrap_or(0), rank: rank.unwrap_or(0), province, score, indices });
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(Error::invalid(
            file_name,
            format!("{file_name}: không có dòng dữ liệu nào."),
            format!("{file_name}: there are no data rows."),
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The built-in frameworks, parsed.
pub fn builtin() -> Vec<Framework> {
    BUILTIN.iter().map(|(_, y)| Framework::parse(y).expect("built-in framework is valid")).collect()
}

/// The date the official results of `year` are taken to describe (for admin-unit lookups).
pub fn as_of(year: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(year as i32, 12, 31).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::RANKING_2022 as CSV_2022;

    #[test]
    fn builtin_frameworks_are_valid() {
        let f = builtin();
        assert_eq!(f[0].code, "dti-2022");
        assert_eq!(f[0].indices.iter().filter(|i| i.is_scored()).count(), 8);
        assert_eq!(f[0].indices.iter().filter_map(|i| i.component_count).sum::<u32>(), 98);
        assert_eq!(f[0].total_points, Some(1000.0));
        assert_eq!(f[1].indices.len(), 8);
        assert_eq!(framework_for(&f, 2023).unwrap().code, "dti-2022");
        assert_eq!(framework_for(&f, 2025).unwrap().code, "dti-2025");
        assert_eq!(framework_for(&f, 2021).unwrap().code, "dti-2022");
    }

    #[test]
    fn the_2022_table_imports_and_scores_match_the_published_ones() {
        let f = &builtin()[0];
        let rows = read_rankings("dti-2022-provinces.csv", CSV_2022, f, AdminUnits::embedded()).unwrap();
        assert_eq!(rows.len(), 63);
        let dn = &rows[0];
        assert_eq!((dn.rank, dn.province.as_str(), dn.score), (1, "TP. Đà Nẵng", Some(0.8002)));
        assert_eq!(dn.indices.len(), 8);
        let values: HashMap<String, f64> = dn.indices.iter().map(|(k, v)| (k.clone(), *v)).collect();
        let total = f.score(&values).total.unwrap();
        assert!((total - 0.8002).abs() < 0.0001, "{total}");
        // Unpublished cells stay empty, not zero.
        let gl = rows.iter().find(|r| r.province == "Gia Lai").unwrap();
        assert_eq!((gl.rank, gl.score, gl.indices.len()), (62, None, 0));
        // The tie at 15 is kept.
        assert_eq!(rows.iter().filter(|r| r.rank == 15).count(), 2);
    }

    #[test]
    fn bad_rankings_name_row_and_column() {
        let f = &builtin()[0];
        let csv = "year,rank,province,score,nhan_thuc_so,la\n";
        let e = read_rankings("x.csv", csv.as_bytes(), f, AdminUnits::embedded()).unwrap_err();
        assert_eq!(e[0].field.as_deref(), Some("x.csv:1:la"));
        let csv = "year,rank,province,score,nhan_thuc_so\n2022,0,Gia Lai,,\n2022,5,Atlantis,,\n2022,6,Bình Định,1.2,\n2022,7,Huế,0.5,-0.1\nxx,8,Bình Định,,\n";
        let e = read_rankings("x.csv", csv.as_bytes(), f, AdminUnits::embedded()).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_deref().unwrap()).collect();
        assert_eq!(
            fields,
            ["x.csv:2:rank", "x.csv:3:province", "x.csv:4:score", "x.csv:5:nhan_thuc_so", "x.csv:6:year"],
            "{e:?}"
        );
        assert!(e.iter().all(|e| !e.vi.is_empty() && !e.en.is_empty()));
        // A score that disagrees with its indices.
        let mut text = String::from_utf8(CSV_2022.to_vec()).unwrap();
        text = text.replacen("0.8002", "0.9002", 1);
        let e = read_rankings("y.csv", text.as_bytes(), f, AdminUnits::embedded()).unwrap_err();
        assert_eq!(e[0].field.as_deref(), Some("y.csv:2:score"));
        assert!(check_value("v", 1.01).is_err() && check_value("v", f64::NAN).is_err());
        assert!(check_rank("r", 64, 63).is_err() && check_rank("r", 20, 34).is_ok());
    }

    #[test]
    fn self_assessment_scores() {
        let mut f = builtin()[0].clone();
        f.indices[0].components = vec![
            Component { code: "1.1".into(), name: "a".into(), name_en: String::new(), points: Some(30.0) },
            Component { code: "1.2".into(), name: "b".into(), name_en: String::new(), points: Some(70.0) },
        ];
        let mut v: HashMap<String, f64> = HashMap::new();
        v.insert("1.1".into(), 1.0);
        let s = f.score(&v);
        assert!(!s.complete && s.total.is_none() && s.indices[0].value.is_none());
        v.insert("1.2".into(), 0.5);
        for ix in ["2", "3", "4", "5", "7", "8", "9"] {
            v.insert(ix.into(), 0.5);
        }
        let s = f.score(&v);
        // Index 1 = (30 + 35) / 100 = 0.65; total = (65 + 900 × 0.5) / 1000.
        assert!((s.indices[0].value.unwrap() - 0.65).abs() < 1e-9);
        assert!((s.total.unwrap() - 0.515).abs() < 1e-9);
        assert_eq!(f.indicators().len(), 9);
    }
}
