//! Row validation: each source row is matched to the dataset's fields,
//! normalised (NFC, trimming, legacy fonts), parsed by type, checked against
//! constraints, references, cross-field rules and the key, and either accepted
//! as typed values or rejected with every reason in Vietnamese and English.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use tinhso_domain::legacy;
use tinhso_domain::values::{self, ValueError};
use tinhso_domain::AdminUnits;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use crate::definition::{Definition, Field, FieldType};
use crate::source::{SourceRow, MAX_CELL_BYTES};

/// A typed cell value, ready for Arrow.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
    /// Microseconds since the Unix epoch, UTC.
    Ts(i64),
}

impl Val {
    /// Canonical text, for keys and references.
    pub fn key_text(&self) -> String {
        match self {
            Val::Null => String::new(),
            Val::Str(s) => s.clone(),
            Val::Int(i) => i.to_string(),
            Val::Float(f) => f.to_string(),
            Val::Bool(b) => b.to_string(),
            Val::Date(d) => d.to_string(),
            Val::Ts(t) => t.to_string(),
        }
    }
}

/// The quality dimension an issue counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dim {
    Correct,
    Complete,
    Clean,
}

/// One problem with one cell (or row), shown to people and kept with rejected rows.
#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    pub row: u64,
    /// The column's header in the source file (or the field name when the column is absent).
    pub column: String,
    pub field: String,
    pub value: String,
    pub rule: String,
    pub dim: Dim,
    pub vi: String,
    pub en: String,
}

/// A normalisation applied to a cell (not an error: the stored value is fixed).
#[derive(Debug, Clone, Serialize)]
pub struct Fix {
    pub row: u64,
    pub column: String,
    pub kind: &'static str,
    pub before: String,
    pub after: String,
}

/// Which source column feeds each field.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnMatch {
    pub header: String,
    pub field: String,
    /// 1-based column number in the file.
    pub column: usize,
}

/// The result of matching a file's header to the fields.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ColumnMap {
    pub matched: Vec<ColumnMatch>,
    pub unmatched_headers: Vec<String>,
    pub missing_fields: Vec<String>,
    #[serde(skip)]
    pub field_col: Vec<Option<usize>>,
}

/// Folds a header or field name for matching: case, diacritics and punctuation ignored.
pub fn fold_key(s: &str) -> String {
    let folded = tinhso_domain::text::fold(s);
    let mut out = String::with_capacity(folded.len());
    let mut sep = false;
    for c in folded.chars() {
        if c.is_alphanumeric() {
            if sep && !out.is_empty() {
                out.push('_');
            }
            sep = false;
            out.push(c);
        } else {
            sep = true;
        }
    }
    out
}

/// The folded names a field answers to.
fn field_keys(f: &Field) -> Vec<String> {
    let mut keys = vec![fold_key(&f.name)];
    for s in std::iter::once(&f.label).chain(std::iter::once(&f.label_en)).chain(f.aliases.iter()) {
        if !s.is_empty() {
            keys.push(fold_key(s));
        }
    }
    keys
}

/// How many cells of `headers` name a field of `def`.
pub fn header_score(def: &Definition, headers: &[String]) -> usize {
    let keys: HashSet<String> = def.fields.iter().flat_map(field_keys).collect();
    let mut seen = HashSet::new();
    headers.iter().filter(|h| keys.contains(&fold_key(h)) && seen.insert(fold_key(h))).count()
}

/// Matches headers to fields (first matching column wins).
pub fn map_columns(def: &Definition, headers: &[String]) -> ColumnMap {
    let folded: Vec<String> = headers.iter().map(|h| fold_key(h)).collect();
    let mut used = vec![false; headers.len()];
    let mut map = ColumnMap { field_col: vec![None; def.fields.len()], ..Default::default() };
    for (fi, f) in def.fields.iter().enumerate() {
        let keys = field_keys(f);
        // Exact name first, then labels and aliases.
        let pos = keys.iter().find_map(|k| (0..headers.len()).find(|&i| !used[i] && folded[i] == *k));
        match pos {
            Some(i) => {
                used[i] = true;
                map.field_col[fi] = Some(i);
                map.matched.push(ColumnMatch { header: headers[i].clone(), field: f.name.clone(), column: i + 1 });
            }
            None => map.missing_fields.push(f.name.clone()),
        }
    }
    for (i, h) in headers.iter().enumerate() {
        if !used[i] && !h.trim().is_empty() {
            map.unmatched_headers.push(h.clone());
        }
    }
    map
}

/// Counters for the quality report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub rows_read: u64,
    pub rows_rejected: u64,
    pub rows_with_correct_issues: u64,
    pub rows_with_complete_issues: u64,
    pub required_cells: u64,
    pub required_missing: u64,
    pub duplicates: u64,
    pub rows_normalised: u64,
    /// Normalisations by kind: nfc, trimmed, legacy_tcvn3, legacy_vni, admin_unit_mapped, format_unified.
    pub fixes: BTreeMap<String, u64>,
    pub by_rule: BTreeMap<String, u64>,
    /// Non-empty cells per field.
    pub filled: BTreeMap<String, u64>,
    pub examples_correct: Vec<Issue>,
    pub examples_complete: Vec<Issue>,
    pub examples_clean: Vec<Issue>,
    pub examples_fixes: Vec<Fix>,
    /// Distinct current commune codes seen in the coverage field.
    #[serde(skip)]
    pub coverage_seen: HashSet<String>,
}

const EXAMPLES: usize = 12;

impl Stats {
    fn issue(&mut self, i: &Issue) {
        *self.by_rule.entry(i.rule.clone()).or_default() += 1;
        let list = match i.dim {
            Dim::Correct => &mut self.examples_correct,
            Dim::Complete => &mut self.examples_complete,
            Dim::Clean => &mut self.examples_clean,
        };
        if list.len() < EXAMPLES {
            list.push(i.clone());
        }
    }
    fn fix(&mut self, f: Fix, penalised: bool) -> bool {
        *self.fixes.entry(f.kind.to_string()).or_default() += 1;
        if self.examples_fixes.len() < EXAMPLES
            && !self.examples_fixes.iter().any(|e| e.kind == f.kind && e.column == f.column)
        {
            self.examples_fixes.push(f);
        }
        penalised
    }
}

/// A row's outcome.
pub enum Outcome {
    /// Values in [`Definition::columns`] order.
    Accepted(Vec<Val>),
    Rejected(Vec<Issue>),
}

/// Per-dataset validator state for one ingest.
pub struct Validator<'a> {
    def: &'a Definition,
    map: ColumnMap,
    headers: Vec<String>,
    units: &'static AdminUnits,
    province: String,
    today: NaiveDate,
    legacy_file: bool,
    patterns: Vec<Option<regex::Regex>>,
    enums: Vec<HashMap<String, String>>,
    refs: HashMap<String, HashSet<String>>,
    key_idx: Vec<usize>,
    seen_keys: HashMap<u64, u64>,
    coverage_idx: Option<usize>,
    cross: Vec<(usize, usize, Cross)>,
    pub stats: Stats,
}

#[derive(Clone, Copy)]
enum Cross {
    BirthYear,
    NotBefore,
}

fn ve(rule: &str, vi: String, en: String) -> ValueError {
    ValueError { rule: leak(rule), vi, en }
}

fn leak(rule: &str) -> &'static str {
    // Rules are a small fixed vocabulary; map the dynamic ones onto static strings.
    match rule {
        "min" => "min",
        "max" => "max",
        "min_length" => "min_length",
        "max_length" => "max_length",
        "pattern" => "pattern",
        "enum" => "enum",
        "admin_unit" => "admin_unit",
        "admin_unit_ambiguous" => "admin_unit_ambiguous",
        "reference" => "reference",
        "cell_too_long" => "cell_too_long",
        _ => "invalid",
    }
}

impl<'a> Validator<'a> {
    /// `refs`: for each reference field, the keys of the dataset it references.
    pub fn new(
        def: &'a Definition,
        headers: &[String],
        units: &'static AdminUnits,
        province: &str,
        today: NaiveDate,
        legacy_file: bool,
        refs: HashMap<String, HashSet<String>>,
    ) -> Validator<'a> {
        let map = map_columns(def, headers);
        let patterns = def
            .fields
            .iter()
            .map(|f| f.pattern.as_ref().and_then(|p| regex::Regex::new(&format!("^(?:{p})$")).ok()))
            .collect();
        let enums = def.fields.iter().map(|f| f.values.iter().map(|v| (fold_key(v), v.clone())).collect()).collect();
        let idx = |name: &str| def.fields.iter().position(|f| f.name == name);
        let key_idx = def.key.iter().filter_map(|k| idx(k)).collect();
        let coverage_idx = def.coverage.as_ref().and_then(|c| idx(&c.field));
        let mut cross = Vec::new();
        for (i, f) in def.fields.iter().enumerate() {
            if let Some(j) = f.birth_date_field.as_deref().and_then(idx) {
                cross.push((i, j, Cross::BirthYear));
            }
            if let Some(j) = f.not_before.as_deref().and_then(idx) {
                cross.push((i, j, Cross::NotBefore));
            }
        }
        Validator {
            def,
            map,
            headers: headers.to_vec(),
            units,
            province: province.to_string(),
            today,
            legacy_file,
            patterns,
            enums,
            refs,
            key_idx,
            seen_keys: HashMap::new(),
            coverage_idx,
            cross,
            stats: Stats::default(),
        }
    }

    pub fn columns(&self) -> &ColumnMap {
        &self.map
    }

    fn column_name(&self, fi: usize) -> String {
        match self.map.field_col[fi] {
            Some(c) => self.headers.get(c).cloned().unwrap_or_default(),
            None => self.def.fields[fi].display().to_string(),
        }
    }

    /// Validates one row.
    pub fn check(&mut self, row: &SourceRow) -> Outcome {
        self.stats.rows_read += 1;
        let def = self.def;
        let n = def.fields.len();
        let mut vals: Vec<Val> = Vec::with_capacity(n + 2);
        let mut originals: Vec<Val> = Vec::new();
        let mut issues: Vec<Issue> = Vec::new();
        let mut normalised = false;
        let mut birth_years: Vec<Option<i32>> = vec![None; n];

        if row.cells.len() > self.headers.len() {
            let extra: Vec<&String> = row.cells[self.headers.len()..].iter().filter(|c| !c.trim().is_empty()).collect();
            if !extra.is_empty() {
                issues.push(Issue {
                    row: row.number,
                    column: format!("#{}", self.headers.len() + 1),
                    field: String::new(),
                    value: extra[0].clone(),
                    rule: "ragged".into(),
                    dim: Dim::Correct,
                    vi: format!("Dòng có {} ô nhưng tiêu đề chỉ có {} cột.", row.cells.len(), self.headers.len()),
                    en: format!(
                        "The row has {} cells but the header only {} columns.",
                        row.cells.len(),
                        self.headers.len()
                    ),
                });
            }
        }

        for fi in 0..n {
            let f = &def.fields[fi];
            let col = self.map.field_col[fi];
            let raw = col.and_then(|c| row.cells.get(c)).map(String::as_str).unwrap_or("");
            if col.is_some_and(|c| row.error_cells.contains(&c)) {
                issues.push(Issue {
                    row: row.number,
                    column: self.column_name(fi),
                    field: f.name.clone(),
                    value: raw.to_string(),
                    rule: "excel_error".into(),
                    dim: Dim::Correct,
                    vi: format!("Ô Excel báo lỗi «{raw}» (công thức lỗi)."),
                    en: format!("The Excel cell holds an error «{raw}» (a failed formula)."),
                });
                vals.push(Val::Null);
                if f.kind == FieldType::AdminUnit {
                    originals.push(Val::Null);
                }
                continue;
            }
            let (text, fixed) = self.normalise(raw, row.number, fi);
            normalised |= fixed;
            if f.required {
                self.stats.required_cells += 1;
            }
            if text.is_empty() {
                if f.required {
                    self.stats.required_missing += 1;
                    issues.push(Issue {
                        row: row.number,
                        column: self.column_name(fi),
                        field: f.name.clone(),
                        value: String::new(),
                        rule: "required".into(),
                        dim: Dim::Complete,
                        vi: format!("Thiếu giá trị bắt buộc «{}».", f.display()),
                        en: format!("Required value «{}» is missing.", f.display()),
                    });
                }
                vals.push(Val::Null);
                if f.kind == FieldType::AdminUnit {
                    originals.push(Val::Null);
                }
                continue;
            }
            *self.stats.filled.entry(f.name.clone()).or_default() += 1;
            let parsed = if text.len() > MAX_CELL_BYTES {
                Err(ve(
                    "cell_too_long",
                    format!("Ô dài {} byte, vượt giới hạn {} byte.", text.len(), MAX_CELL_BYTES),
                    format!("The cell is {} bytes long, above the {} byte limit.", text.len(), MAX_CELL_BYTES),
                ))
            } else {
                self.parse(fi, &text, row.number, &mut birth_years, &mut normalised)
            };
            match parsed {
                Ok((v, original)) => {
                    if Some(fi) == self.coverage_idx {
                        if let Val::Str(code) = &v {
                            if !self.stats.coverage_seen.contains(code) {
                                self.stats.coverage_seen.insert(code.clone());
                            }
                        }
                    }
                    vals.push(v);
                    if f.kind == FieldType::AdminUnit {
                        originals.push(original.map(Val::Str).unwrap_or(Val::Str(text.clone())));
                    }
                }
                Err(e) => {
                    issues.push(Issue {
                        row: row.number,
                        column: self.column_name(fi),
                        field: f.name.clone(),
                        value: clip(&text),
                        rule: e.rule.to_string(),
                        dim: Dim::Correct,
                        vi: e.vi,
                        en: e.en,
                    });
                    vals.push(Val::Null);
                    if f.kind == FieldType::AdminUnit {
                        originals.push(Val::Str(text.clone()));
                    }
                }
            }
        }

        for &(i, j, rule) in &self.cross {
            match rule {
                Cross::BirthYear => {
                    let (Some(year), Val::Date(d)) = (birth_years[i], &vals[j]) else { continue };
                    let dob = days_to_date(*d);
                    use chrono::Datelike;
                    if dob.year() != year {
                        issues.push(Issue {
                            row: row.number,
                            column: self.column_name(i),
                            field: def.fields[i].name.clone(),
                            value: vals[i].key_text(),
                            rule: "cccd_birth_year".into(),
                            dim: Dim::Correct,
                            vi: format!(
                                "Số CCCD mã hoá năm sinh {year} nhưng «{}» là {}.",
                                def.fields[j].display(),
                                dob.format("%d/%m/%Y")
                            ),
                            en: format!(
                                "The CCCD encodes birth year {year} but «{}» is {}.",
                                def.fields[j].display(),
                                dob.format("%d/%m/%Y")
                            ),
                        });
                    }
                }
                Cross::NotBefore => {
                    let a = comparable(&vals[i]);
                    let b = comparable(&vals[j]);
                    if let (Some(a), Some(b)) = (a, b) {
                        if a < b {
                            issues.push(Issue {
                                row: row.number,
                                column: self.column_name(i),
                                field: def.fields[i].name.clone(),
                                value: vals[i].key_text(),
                                rule: "not_before".into(),
                                dim: Dim::Correct,
                                vi: format!("«{}» sớm hơn «{}».", def.fields[i].display(), def.fields[j].display()),
                                en: format!(
                                    "«{}» is earlier than «{}».",
                                    def.fields[i].display(),
                                    def.fields[j].display()
                                ),
                            });
                        }
                    }
                }
            }
        }

        if issues.is_empty() && !self.key_idx.is_empty() {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for &k in &self.key_idx {
                vals[k].key_text().hash(&mut h);
                0u8.hash(&mut h);
            }
            let hash = h.finish();
            if let Some(&first) = self.seen_keys.get(&hash) {
                self.stats.duplicates += 1;
                let key: Vec<String> = self.key_idx.iter().map(|&k| vals[k].key_text()).collect();
                issues.push(Issue {
                    row: row.number,
                    column: self.column_name(self.key_idx[0]),
                    field: def.key.join(", "),
                    value: key.join(", "),
                    rule: "duplicate_key".into(),
                    dim: Dim::Clean,
                    vi: format!("Trùng khoá «{}» với dòng {first}.", key.join(", ")),
                    en: format!("Duplicate key «{}» (same as row {first}).", key.join(", ")),
                });
            } else {
                self.seen_keys.insert(hash, row.number);
            }
        }

        if normalised {
            self.stats.rows_normalised += 1;
        }
        if issues.is_empty() {
            vals.extend(originals);
            Outcome::Accepted(vals)
        } else {
            self.stats.rows_rejected += 1;
            if issues.iter().any(|i| i.dim == Dim::Correct) {
                self.stats.rows_with_correct_issues += 1;
            }
            if issues.iter().any(|i| i.dim == Dim::Complete) {
                self.stats.rows_with_complete_issues += 1;
            }
            for i in &issues {
                self.stats.issue(i);
            }
            Outcome::Rejected(issues)
        }
    }

    /// Trimming, legacy-font repair and NFC. Returns the text and whether a
    /// normalisation that reflects dirty source data was applied.
    fn normalise(&mut self, raw: &str, row: u64, fi: usize) -> (String, bool) {
        let mut dirty = false;
        let trimmed = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}');
        let mut s = if trimmed.len() != raw.len() && !trimmed.is_empty() {
            dirty |= self.stats.fix(
                Fix { row, column: self.column_name(fi), kind: "trimmed", before: clip(raw), after: clip(trimmed) },
                true,
            );
            trimmed.to_string()
        } else {
            trimmed.to_string()
        };
        if s.is_ascii() {
            return (s, dirty);
        }
        if !self.legacy_file {
            if let Some((fixed, kind)) = legacy::fix_cell(&s) {
                let k = match kind {
                    legacy::Legacy::Tcvn3 => "legacy_tcvn3",
                    legacy::Legacy::Vni => "legacy_vni",
                };
                dirty |= self.stats.fix(
                    Fix { row, column: self.column_name(fi), kind: k, before: clip(&s), after: clip(&fixed) },
                    true,
                );
                s = fixed;
            }
        }
        if is_nfc_quick(s.chars()) != IsNormalized::Yes {
            let n: String = s.nfc().collect();
            if n != s {
                dirty |= self.stats.fix(
                    Fix { row, column: self.column_name(fi), kind: "nfc", before: clip(&s), after: clip(&n) },
                    true,
                );
                s = n;
            }
        }
        (s, dirty)
    }

    fn unified(&mut self, row: u64, fi: usize, before: &str, after: String) {
        if before != after {
            self.stats.fix(
                Fix {
                    row,
                    column: self.column_name(fi),
                    kind: "format_unified",
                    before: clip(before),
                    after: clip(&after),
                },
                false,
            );
        }
    }

    /// Parses by type and checks constraints. Returns the value and, for an
    /// administrative unit mapped from a legacy code, the original.
    fn parse(
        &mut self,
        fi: usize,
        s: &str,
        row: u64,
        birth_years: &mut [Option<i32>],
        normalised: &mut bool,
    ) -> std::result::Result<(Val, Option<String>), ValueError> {
        let f = &self.def.fields[fi];
        let v = match f.kind {
            FieldType::Text => {
                let chars = s.chars().count();
                if let Some(min) = f.min_length {
                    if chars < min {
                        return Err(ve(
                            "min_length",
                            format!("«{}» ngắn hơn {min} ký tự.", clip(s)),
                            format!("«{}» is shorter than {min} characters.", clip(s)),
                        ));
                    }
                }
                if let Some(max) = f.max_length {
                    if chars > max {
                        return Err(ve(
                            "max_length",
                            format!("«{}» dài hơn {max} ký tự.", clip(s)),
                            format!("«{}» is longer than {max} characters.", clip(s)),
                        ));
                    }
                }
                Val::Str(s.to_string())
            }
            FieldType::Integer => Val::Int(values::parse_integer(s)?),
            FieldType::Decimal => Val::Float(values::parse_decimal(s)?),
            FieldType::Money => Val::Int(values::parse_money(s)?),
            FieldType::Boolean => Val::Bool(values::parse_bool(s)?),
            FieldType::Date => {
                let d = values::parse_date(s)?;
                Val::Date(date_to_days(d))
            }
            FieldType::Datetime => {
                let t = values::parse_datetime(s)?;
                Val::Ts(vn_local_to_utc_micros(t))
            }
            FieldType::Enum => {
                let key = fold_key(s);
                match self.enums[fi].get(&key) {
                    Some(canon) => {
                        let canon = canon.clone();
                        self.unified(row, fi, s, canon.clone());
                        Val::Str(canon)
                    }
                    None => {
                        let allowed: Vec<&str> = f.values.iter().take(12).map(String::as_str).collect();
                        return Err(ve(
                            "enum",
                            format!("«{}» không thuộc danh mục: {}.", clip(s), allowed.join(", ")),
                            format!("«{}» is not one of: {}.", clip(s), allowed.join(", ")),
                        ));
                    }
                }
            }
            FieldType::Cccd => {
                let c = values::parse_cccd(s).map_err(|mut e| {
                    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
                    if digits.len() == 11 {
                        e.vi.push_str(" (Có thể Excel đã bỏ mất số 0 đầu: hãy định dạng cột là Văn bản.)");
                        e.en.push_str(" (Excel may have dropped the leading zero: format the column as Text.)");
                    }
                    e
                })?;
                birth_years[fi] = Some(c.birth_year());
                let norm = c.as_str().to_string();
                self.unified(row, fi, s, norm.clone());
                Val::Str(norm)
            }
            FieldType::Mst => {
                let m = values::parse_mst(s)?;
                self.unified(row, fi, s, m.clone());
                Val::Str(m)
            }
            FieldType::Phone => {
                let p = values::parse_phone(s)?;
                self.unified(row, fi, s, p.clone());
                Val::Str(p)
            }
            FieldType::Email => {
                let e = values::parse_email(s)?;
                self.unified(row, fi, s, e.clone());
                Val::Str(e)
            }
            FieldType::Point => {
                let (lat, lon) = values::parse_point(s)?;
                let norm = format!("{lat:.6},{lon:.6}");
                Val::Str(norm)
            }
            FieldType::AdminUnit => return self.admin_unit(fi, s, row, normalised),
            FieldType::Reference => {
                let target = f.references.clone().unwrap_or_default();
                let ok = self.refs.get(&f.name).is_some_and(|set| set.contains(s));
                if !ok {
                    return Err(ve(
                        "reference",
                        format!("«{}» không có trong bộ dữ liệu «{target}».", clip(s)),
                        format!("«{}» is not a key of dataset «{target}».", clip(s)),
                    ));
                }
                Val::Str(s.to_string())
            }
        };
        if let Some(re) = &self.patterns[fi] {
            if !re.is_match(s) {
                let p = f.pattern.clone().unwrap_or_default();
                return Err(ve(
                    "pattern",
                    format!("«{}» không đúng mẫu {p}.", clip(s)),
                    format!("«{}» does not match the pattern {p}.", clip(s)),
                ));
            }
        }
        self.bounds(fi, &v, s)?;
        Ok((v, None))
    }

    fn bounds(&self, fi: usize, v: &Val, s: &str) -> std::result::Result<(), ValueError> {
        let f = &self.def.fields[fi];
        for (bound, is_min) in [(&f.min, true), (&f.max, false)] {
            let Some(b) = bound else { continue };
            let (x, limit): (Option<f64>, Option<f64>) = match v {
                Val::Int(i) => (Some(*i as f64), b.as_f64()),
                Val::Float(x) => (Some(*x), b.as_f64()),
                Val::Date(d) => (
                    Some(*d as f64),
                    b.as_str().and_then(|t| values::parse_date(t).ok()).map(|d| date_to_days(d) as f64),
                ),
                Val::Ts(t) => (
                    Some(*t as f64),
                    b.as_str().and_then(|t| values::parse_datetime(t).ok()).map(|d| vn_local_to_utc_micros(d) as f64),
                ),
                _ => (None, None),
            };
            let (Some(x), Some(limit)) = (x, limit) else { continue };
            let shown = b.as_str().map(str::to_string).unwrap_or_else(|| b.to_string());
            if is_min && x < limit {
                return Err(ve(
                    "min",
                    format!("«{}» nhỏ hơn mức tối thiểu {shown}.", clip(s)),
                    format!("«{}» is below the minimum {shown}.", clip(s)),
                ));
            }
            if !is_min && x > limit {
                return Err(ve(
                    "max",
                    format!("«{}» lớn hơn mức tối đa {shown}.", clip(s)),
                    format!("«{}» is above the maximum {shown}.", clip(s)),
                ));
            }
        }
        Ok(())
    }

    fn admin_unit(
        &mut self,
        fi: usize,
        s: &str,
        row: u64,
        normalised: &mut bool,
    ) -> std::result::Result<(Val, Option<String>), ValueError> {
        // "21583", "21583 - Phường Quy Nhơn", or a code that lost its leading zero in Excel.
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        let mut code = digits.clone();
        if code.len() == 4 {
            code.insert(0, '0');
        }
        if code.is_empty() || !(code.len() == 2 || code.len() == 3 || code.len() == 5) {
            return Err(ve(
                "admin_unit",
                format!("«{}» không phải mã đơn vị hành chính (xã 5 chữ số, tỉnh 2 chữ số).", clip(s)),
                format!("«{}» is not an administrative unit code (5 digits for a commune, 2 for a province).", clip(s)),
            ));
        }
        if let Some(u) = self.units.in_force(&code, self.today) {
            let code = u.code.clone();
            self.unified(row, fi, s, code.clone());
            return Ok((Val::Str(code), None));
        }
        let unit = self.units.lookup(&code, self.today).map_err(|_| {
            ve(
                "admin_unit",
                format!("Không có đơn vị hành chính mã «{code}» (kể cả trước sáp nhập 2025)."),
                format!("No administrative unit has code «{code}» (current or before the 2025 reform)."),
            )
        })?;
        let succ = self.units.successors(unit);
        match succ.as_slice() {
            [one] => {
                *normalised = true;
                self.stats.fix(
                    Fix {
                        row,
                        column: self.column_name(fi),
                        kind: "admin_unit_mapped",
                        before: format!("{code} {}", unit.full_name),
                        after: format!("{} {}", one.code, one.name),
                    },
                    false,
                );
                Ok((Val::Str(one.code.clone()), Some(s.to_string())))
            }
            [] => Err(ve(
                "admin_unit",
                format!("Mã «{code}» ({}) đã hết hiệu lực và không có đơn vị kế thừa.", unit.full_name),
                format!("Code «{code}» ({}) is no longer in force and has no successor.", unit.full_name),
            )),
            many => {
                let list: Vec<String> = many.iter().map(|m| format!("{} {}", m.code, m.name)).collect();
                Err(ve(
                    "admin_unit_ambiguous",
                    format!(
                        "Mã cũ «{code}» ({}) đã được chia cho nhiều đơn vị: {}; hãy dùng mã mới.",
                        unit.full_name,
                        list.join("; ")
                    ),
                    format!(
                        "Old code «{code}» ({}) was split between several units: {}; use the new code.",
                        unit.full_name,
                        list.join("; ")
                    ),
                ))
            }
        }
    }

    /// The current communes of the province missing from the coverage field.
    pub fn coverage_missing(&self, seen: &HashSet<String>) -> Option<(usize, Vec<(String, String)>)> {
        self.def.coverage.as_ref()?;
        let prov = self.units.in_force(&self.province, self.today)?;
        let communes: Vec<_> = self.units.children(prov);
        let missing = communes
            .iter()
            .filter(|c| !seen.contains(&c.code))
            .map(|c| (c.code.clone(), c.full_name.clone()))
            .collect();
        Some((communes.len(), missing))
    }
}

fn comparable(v: &Val) -> Option<i64> {
    match v {
        Val::Date(d) => Some(*d as i64 * 86_400_000_000),
        Val::Ts(t) => Some(*t),
        _ => None,
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(77).collect();
        t.push('…');
        t
    }
}

pub fn date_to_days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

pub fn days_to_date(d: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + chrono::Duration::days(d as i64)
}

/// Vietnam is UTC+7 all year.
pub fn vn_local_to_utc_micros(t: NaiveDateTime) -> i64 {
    (t - chrono::Duration::hours(7)).and_utc().timestamp_micros()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::Definition;

    fn def() -> Definition {
        Definition::parse(
            r#"{"slug": "truong-hoc", "name": "Trường học", "zone": "shared", "frequency": "monthly", "key": ["ma_truong"],
            "fields": [{"name": "ma_truong", "label": "Mã trường", "type": "text"},
            {"name": "ten_truong", "label": "Tên trường", "type": "text", "required": true},
            {"name": "xa", "label": "Xã/phường", "type": "admin_unit"},
            {"name": "ngay_sinh", "label": "Ngày sinh hiệu trưởng", "type": "date"},
            {"name": "cccd", "label": "Số CCCD", "type": "cccd", "birth_date_field": "ngay_sinh"},
            {"name": "cap", "label": "Cấp học", "type": "enum", "values": ["Tiểu học", "THCS", "THPT"]},
            {"name": "hoc_sinh", "label": "Số học sinh", "type": "integer", "min": 0, "max": 5000}]}"#,
            false,
        )
        .unwrap()
    }

    fn row(n: u64, cells: &[&str]) -> SourceRow {
        SourceRow { number: n, cells: cells.iter().map(|c| c.to_string()).collect(), error_cells: vec![] }
    }

    fn headers() -> Vec<String> {
        [
            "MÃ TRƯỜNG",
            "Tên trường",
            "Xa/Phuong",
            "Ngày sinh hiệu trưởng",
            "so cccd",
            "Cấp học",
            "Số học sinh",
            "Ghi chú",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    }

    #[test]
    fn headers_match_ignoring_case_and_accents() {
        let d = def();
        let m = map_columns(&d, &headers());
        assert_eq!(m.matched.len(), 7);
        assert_eq!(m.unmatched_headers, vec!["Ghi chú".to_string()]);
        assert!(m.missing_fields.is_empty());
        assert_eq!(header_score(&d, &["BÁO CÁO".into(), String::new()]), 0);
    }

    #[test]
    fn accepts_and_rejects_rows_with_reasons() {
        let d = def();
        let mut v = Validator::new(&d, &headers(), AdminUnits::embedded(), "52", today(), false, HashMap::new());
        let ok = v.check(&row(
            2,
            &["T01", " Trường TH Lê Lợi ", "21583", "05/03/1980", "052080001234", "tiểu học", "1.234", ""],
        ));
        let Outcome::Accepted(vals) = ok else { panic!("row 2 should pass") };
        assert_eq!(vals[1], Val::Str("Trường TH Lê Lợi".into()));
        assert_eq!(vals[5], Val::Str("Tiểu học".into()));
        assert_eq!(vals[6], Val::Int(1234));
        assert_eq!(*v.stats.fixes.get("trimmed").unwrap(), 1);

        // Missing required name, impossible date, bad enum, out of range.
        let bad = v.check(&row(3, &["T02", "", "21583", "31/02/1980", "052080001234", "Đại học", "9000", ""]));
        let Outcome::Rejected(issues) = bad else { panic!("row 3 should fail") };
        let rules: Vec<&str> = issues.iter().map(|i| i.rule.as_str()).collect();
        assert!(rules.contains(&"required"), "{rules:?}");
        assert!(rules.contains(&"enum"), "{rules:?}");
        assert!(rules.contains(&"max"), "{rules:?}");
        assert!(issues.iter().all(|i| i.row == 3 && !i.vi.is_empty() && !i.en.is_empty()));
        assert!(issues.iter().any(|i| i.column == "Ngày sinh hiệu trưởng"));

        // CCCD birth year against the date of birth.
        let cross = v.check(&row(4, &["T03", "Trường X", "21583", "05/03/1985", "052080001234", "THCS", "10", ""]));
        let Outcome::Rejected(issues) = cross else { panic!("row 4 should fail") };
        assert_eq!(issues[0].rule, "cccd_birth_year");

        // Duplicate key.
        let dup = v.check(&row(5, &["T01", "Trường khác", "21583", "", "", "THPT", "1", ""]));
        let Outcome::Rejected(issues) = dup else { panic!("row 5 should fail") };
        assert_eq!(issues[0].rule, "duplicate_key");
        assert!(issues[0].vi.contains("dòng 2"));
        assert_eq!(v.stats.duplicates, 1);

        // Ragged row.
        let ragged = v.check(&row(6, &["T09", "Trường Y", "21583", "", "", "THPT", "1", "", "thừa"]));
        assert!(matches!(ragged, Outcome::Rejected(ref i) if i[0].rule == "ragged"));
        assert_eq!(v.stats.rows_read, 5);
        assert_eq!(v.stats.rows_rejected, 4);
    }

    #[test]
    fn legacy_commune_codes_map_and_keep_the_original() {
        let d = def();
        let mut v = Validator::new(&d, &headers(), AdminUnits::embedded(), "52", today(), false, HashMap::new());
        // 21550 (before 2025) was merged whole into 21601.
        let out = v.check(&row(2, &["T01", "Trường A", "21550", "", "", "THCS", "1", ""]));
        let Outcome::Accepted(vals) = out else { panic!("legacy code should map") };
        assert_eq!(vals[2], Val::Str("21601".into()));
        assert_eq!(vals.last().unwrap(), &Val::Str("21550".into()));
        assert_eq!(*v.stats.fixes.get("admin_unit_mapped").unwrap(), 1);
        let bad = v.check(&row(3, &["T02", "Trường B", "99999", "", "", "THCS", "1", ""]));
        assert!(matches!(bad, Outcome::Rejected(ref i) if i[0].rule == "admin_unit"));
    }

    #[test]
    fn non_nfc_text_is_normalised_and_counted() {
        let d = def();
        let mut v = Validator::new(&d, &headers(), AdminUnits::embedded(), "52", today(), false, HashMap::new());
        let decomposed: String = "Trường Nguyễn Huệ".nfd().collect();
        let Outcome::Accepted(vals) = v.check(&row(2, &["T01", &decomposed, "", "", "", "THCS", "", ""])) else {
            panic!()
        };
        assert_eq!(vals[1], Val::Str("Trường Nguyễn Huệ".into()));
        assert_eq!(v.stats.rows_normalised, 1);
        assert_eq!(*v.stats.fixes.get("nfc").unwrap(), 1);
    }
}
