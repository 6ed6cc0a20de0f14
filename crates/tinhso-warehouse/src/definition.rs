//! Dataset definitions: the catalogue entry and schema, as written in JSON or
//! TOML by a data officer, checked once and canonical afterwards.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use tinhso_domain::{Error, Result};

/// Where a dataset sits: shared between agencies, specialised (one sector), or open to the public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Zone {
    Shared,
    Specialised,
    Open,
}

impl Zone {
    pub fn as_str(self) -> &'static str {
        match self {
            Zone::Shared => "shared",
            Zone::Specialised => "specialised",
            Zone::Open => "open",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Zone::Shared => "Dùng chung",
            Zone::Specialised => "Chuyên ngành",
            Zone::Open => "Mở",
        }
    }
    pub fn parse(s: &str) -> Option<Zone> {
        match s {
            "shared" => Some(Zone::Shared),
            "specialised" | "specialized" => Some(Zone::Specialised),
            "open" => Some(Zone::Open),
            _ => None,
        }
    }
}

/// The declared update frequency; liveness ("sống") is judged against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
}

impl Frequency {
    /// The period in days.
    pub fn days(self) -> i64 {
        match self {
            Frequency::Daily => 1,
            Frequency::Weekly => 7,
            Frequency::Monthly => 31,
            Frequency::Quarterly => 92,
            Frequency::Yearly => 366,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Yearly => "yearly",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Frequency::Daily => "Hằng ngày",
            Frequency::Weekly => "Hằng tuần",
            Frequency::Monthly => "Hằng tháng",
            Frequency::Quarterly => "Hằng quý",
            Frequency::Yearly => "Hằng năm",
        }
    }
}

/// Personal-data class of a field (Decree 13/2023/NĐ-CP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Personal {
    #[default]
    None,
    Basic,
    Sensitive,
}

impl Personal {
    pub fn as_str(self) -> &'static str {
        match self {
            Personal::None => "none",
            Personal::Basic => "basic",
            Personal::Sensitive => "sensitive",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Personal::None => "",
            Personal::Basic => "DLCN cơ bản",
            Personal::Sensitive => "DLCN nhạy cảm",
        }
    }
}

/// Field types that understand Vietnamese data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Integer,
    Decimal,
    Boolean,
    Date,
    Datetime,
    Money,
    Enum,
    AdminUnit,
    Cccd,
    Mst,
    Phone,
    Email,
    Point,
    Reference,
}

impl FieldType {
    pub const ALL: [FieldType; 15] = [
        FieldType::Text,
        FieldType::Integer,
        FieldType::Decimal,
        FieldType::Boolean,
        FieldType::Date,
        FieldType::Datetime,
        FieldType::Money,
        FieldType::Enum,
        FieldType::AdminUnit,
        FieldType::Cccd,
        FieldType::Mst,
        FieldType::Phone,
        FieldType::Email,
        FieldType::Point,
        FieldType::Reference,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Integer => "integer",
            FieldType::Decimal => "decimal",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Money => "money",
            FieldType::Enum => "enum",
            FieldType::AdminUnit => "admin_unit",
            FieldType::Cccd => "cccd",
            FieldType::Mst => "mst",
            FieldType::Phone => "phone",
            FieldType::Email => "email",
            FieldType::Point => "point",
            FieldType::Reference => "reference",
        }
    }
    pub fn parse(s: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            FieldType::Text => "Văn bản",
            FieldType::Integer => "Số nguyên",
            FieldType::Decimal => "Số thập phân",
            FieldType::Boolean => "Có/Không",
            FieldType::Date => "Ngày",
            FieldType::Datetime => "Ngày giờ",
            FieldType::Money => "Tiền (VNĐ)",
            FieldType::Enum => "Danh mục",
            FieldType::AdminUnit => "Đơn vị hành chính",
            FieldType::Cccd => "Số CCCD",
            FieldType::Mst => "Mã số thuế",
            FieldType::Phone => "Số điện thoại",
            FieldType::Email => "Thư điện tử",
            FieldType::Point => "Toạ độ",
            FieldType::Reference => "Tham chiếu",
        }
    }
}

/// One field of a dataset's schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label_en: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub personal: Personal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date_field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// Other header spellings that mean this field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

impl Field {
    /// The label to show: the Vietnamese label, else the name.
    pub fn display(&self) -> &str {
        if self.label.is_empty() {
            &self.name
        } else {
            &self.label
        }
    }
    /// The extra column keeping the original value of an administrative unit mapped from a legacy code.
    pub fn original_column(&self) -> Option<String> {
        (self.kind == FieldType::AdminUnit).then(|| format!("{}__goc", self.name))
    }
}

/// Declared coverage: every unit of `level` in the province should appear in `field`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    pub field: String,
    #[serde(default = "commune")]
    pub level: String,
}

fn commune() -> String {
    "commune".into()
}

/// What to do with bad rows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Refuse the whole upload when the share of rejected rows is above this (0–1).
    /// `None`: accept the good rows whatever the share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_reject_share: Option<f64>,
}

/// A dataset definition (catalogue entry plus schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub slug: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    pub zone: Zone,
    /// Owner agency code; defaults to the creator's agency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub description: String,
    pub frequency: Frequency,
    #[serde(default)]
    pub key: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    #[serde(default)]
    pub policy: Policy,
    #[serde(default)]
    pub demo: bool,
    pub fields: Vec<Field>,
}

fn bad(field: &str, vi: String, en: String) -> Error {
    Error::invalid(field, vi, en)
}

/// Slugs: lowercase ASCII letters, digits and hyphens, 2–63 chars, starting with a letter.
pub fn check_slug(slug: &str) -> Result<()> {
    let ok = (2..=63).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(bad(
            "slug",
            format!("Mã bộ dữ liệu «{slug}» không hợp lệ: chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang, 2–63 ký tự, bắt đầu bằng chữ."),
            format!("Dataset slug «{slug}» is invalid: lowercase ASCII letters, digits and hyphens, 2–63 characters, starting with a letter."),
        ))
    }
}

fn check_field_name(name: &str) -> Result<()> {
    let ok = (1..=63).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.contains("__")
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(bad(
            "fields",
            format!("Tên trường «{name}» không hợp lệ: chữ thường không dấu, chữ số và dấu gạch dưới (không hai dấu liền nhau), bắt đầu bằng chữ."),
            format!("Field name «{name}» is invalid: lowercase ASCII letters, digits and single underscores, starting with a letter."),
        ))
    }
}

impl Definition {
    /// Parses a definition from JSON or TOML text (`toml` chooses).
    pub fn parse(text: &str, toml_format: bool) -> Result<Definition> {
        let def: Definition = if toml_format {
            toml::from_str(text).map_err(|e| {
                bad("definition", format!("Định nghĩa TOML không hợp lệ: {e}"), format!("Invalid TOML definition: {e}"))
            })?
        } else {
            serde_json::from_str(text).map_err(|e| {
                bad("definition", format!("Định nghĩa JSON không hợp lệ: {e}"), format!("Invalid JSON definition: {e}"))
            })?
        };
        def.normalised()
    }

    /// Checks every rule and returns the definition with text in NFC and labels filled.
    pub fn normalised(mut self) -> Result<Definition> {
        use tinhso_domain::text::nfc;
        self.slug = self.slug.trim().to_string();
        check_slug(&self.slug)?;
        self.name = nfc(self.name.trim());
        if self.name.is_empty() {
            return Err(bad("name", "Cần có tên bộ dữ liệu.".into(), "The dataset needs a name.".into()));
        }
        self.name_en = nfc(self.name_en.trim());
        self.sector = nfc(self.sector.trim());
        self.description = nfc(self.description.trim());
        self.owner = self.owner.map(|o| o.trim().to_uppercase()).filter(|o| !o.is_empty());
        if self.fields.is_empty() {
            return Err(bad(
                "fields",
                "Bộ dữ liệu cần ít nhất một trường.".into(),
                "A dataset needs at least one field.".into(),
            ));
        }
        if self.fields.len() > 500 {
            return Err(bad("fields", "Tối đa 500 trường.".into(), "At most 500 fields.".into()));
        }
        let mut names = HashSet::new();
        for f in &mut self.fields {
            f.name = f.name.trim().to_string();
            check_field_name(&f.name)?;
            if !names.insert(f.name.clone()) {
                return Err(bad(
                    "fields",
                    format!("Trường «{}» bị khai báo hai lần.", f.name),
                    format!("Field «{}» is declared twice.", f.name),
                ));
            }
            f.label = nfc(f.label.trim());
            f.label_en = nfc(f.label_en.trim());
            f.values = f.values.iter().map(|v| nfc(v.trim())).filter(|v| !v.is_empty()).collect();
            f.aliases = f.aliases.iter().map(|v| nfc(v.trim())).filter(|v| !v.is_empty()).collect();
            if f.kind == FieldType::Enum && f.values.is_empty() {
                return Err(bad(
                    "fields",
                    format!("Trường danh mục «{}» cần danh sách giá trị (values).", f.name),
                    format!("Enum field «{}» needs a list of values.", f.name),
                ));
            }
            if f.kind == FieldType::Reference && f.references.is_none() {
                return Err(bad(
                    "fields",
                    format!("Trường tham chiếu «{}» cần nêu bộ dữ liệu được tham chiếu (references).", f.name),
                    format!("Reference field «{}» must name the dataset it references.", f.name),
                ));
            }
            if let Some(p) = &f.pattern {
                regex::Regex::new(p).map_err(|e| {
                    bad(
                        "fields",
                        format!("Mẫu (pattern) của trường «{}» không hợp lệ: {e}", f.name),
                        format!("The pattern of field «{}» is invalid: {e}", f.name),
                    )
                })?;
            }
            if let (Some(a), Some(b)) = (f.min_length, f.max_length) {
                if a > b {
                    return Err(bad(
                        "fields",
                        format!("Trường «{}»: min_length lớn hơn max_length.", f.name),
                        format!("Field «{}»: min_length is greater than max_length.", f.name),
                    ));
                }
            }
        }
        for f in &self.fields {
            for (what, other) in [("birth_date_field", &f.birth_date_field), ("not_before", &f.not_before)] {
                if let Some(o) = other {
                    let target = self.fields.iter().find(|g| &g.name == o);
                    let fits = target.is_some_and(|g| matches!(g.kind, FieldType::Date | FieldType::Datetime));
                    if !fits {
                        return Err(bad(
                            "fields",
                            format!(
                                "Trường «{}»: {what} phải là tên một trường ngày trong bộ dữ liệu (nhận «{o}»).",
                                f.name
                            ),
                            format!("Field «{}»: {what} must name a date field of this dataset (got «{o}»).", f.name),
                        ));
                    }
                }
            }
        }
        for k in &self.key {
            match self.fields.iter_mut().find(|f| &f.name == k) {
                Some(f) => f.required = true,
                None => {
                    return Err(bad(
                        "key",
                        format!("Khoá «{k}» không phải là một trường của bộ dữ liệu."),
                        format!("Key «{k}» is not a field of the dataset."),
                    ))
                }
            }
        }
        if let Some(c) = &self.coverage {
            let f = self.fields.iter().find(|f| f.name == c.field);
            if !f.is_some_and(|f| f.kind == FieldType::AdminUnit) || c.level != "commune" {
                return Err(bad(
                    "coverage",
                    format!("Độ phủ phải nêu một trường đơn vị hành chính và cấp «commune» (nhận «{}»).", c.field),
                    format!("Coverage must name an administrative-unit field and level «commune» (got «{}»).", c.field),
                ));
            }
        }
        if let Some(s) = self.policy.max_reject_share {
            if !(0.0..=1.0).contains(&s) {
                return Err(bad(
                    "policy",
                    "max_reject_share phải nằm trong khoảng 0–1.".into(),
                    "max_reject_share must be between 0 and 1.".into(),
                ));
            }
        }
        Ok(self)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("definitions serialise")
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The column names of the stored table, in order (fields, then the original
    /// values kept for administrative units).
    pub fn columns(&self) -> Vec<String> {
        let mut out: Vec<String> = self.fields.iter().map(|f| f.name.clone()).collect();
        out.extend(self.fields.iter().filter_map(Field::original_column));
        out
    }

    /// Whether `new` can be written into a table created under `self`: the same
    /// columns with the same types, or new optional fields added.
    pub fn schema_change(&self, new: &Definition) -> SchemaChange {
        let mut added = false;
        for f in &self.fields {
            match new.field(&f.name) {
                None => return SchemaChange::Incompatible(format!("field «{}» removed", f.name)),
                Some(g) if storage_class(g.kind) != storage_class(f.kind) => {
                    return SchemaChange::Incompatible(format!(
                        "field «{}» changes type {} → {}",
                        f.name,
                        f.kind.as_str(),
                        g.kind.as_str()
                    ))
                }
                Some(_) => {}
            }
        }
        for g in &new.fields {
            if self.field(&g.name).is_none() {
                added = true;
            }
        }
        if added {
            SchemaChange::Added
        } else {
            SchemaChange::None
        }
    }
}

/// How a definition change affects the stored table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaChange {
    None,
    Added,
    Incompatible(String),
}

/// The Arrow storage class of a type (types that share one are interchangeable on disk).
pub fn storage_class(t: FieldType) -> &'static str {
    match t {
        FieldType::Integer | FieldType::Money => "int64",
        FieldType::Decimal => "float64",
        FieldType::Boolean => "bool",
        FieldType::Date => "date32",
        FieldType::Datetime => "timestamp",
        _ => "utf8",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHOOLS: &str = r#"{"slug": "truong-hoc", "name": "Trường học", "zone": "shared", "frequency": "monthly",
        "key": ["ma_truong"], "fields": [{"name": "ma_truong", "type": "text", "required": true},
        {"name": "ten_truong", "type": "text", "required": true}, {"name": "xa", "type": "admin_unit"},
        {"name": "ngay_thanh_lap", "type": "date"}, {"name": "kinh_phi", "type": "money"},
        {"name": "cccd_hieu_truong", "type": "cccd", "personal": "basic"}]}"#;

    #[test]
    fn parses_the_issue_example() {
        let d = Definition::parse(SCHOOLS, false).unwrap();
        assert_eq!(d.slug, "truong-hoc");
        assert_eq!(d.fields.len(), 6);
        assert_eq!(d.fields[5].personal, Personal::Basic);
        assert_eq!(d.columns().last().unwrap(), "xa__goc");
        assert_eq!(d.frequency.days(), 31);
    }

    #[test]
    fn toml_and_json_agree() {
        let toml_text = r#"
slug = "truong-hoc"
name = "Trường học"
zone = "shared"
frequency = "monthly"
key = ["ma_truong"]
[[fields]]
name = "ma_truong"
type = "text"
[[fields]]
name = "ten_truong"
type = "text"
required = true
"#;
        let d = Definition::parse(toml_text, true).unwrap();
        assert!(d.fields[0].required, "key fields become required");
        assert_eq!(d.fields[1].kind, FieldType::Text);
    }

    #[test]
    fn rejects_bad_definitions() {
        let cases = [
            (
                r#"{"slug": "Bad Slug", "name": "x", "zone": "shared", "frequency": "daily", "fields": [{"name": "a", "type": "text"}]}"#,
                "slug",
            ),
            (r#"{"slug": "ok", "name": "x", "zone": "shared", "frequency": "daily", "fields": []}"#, "fields"),
            (
                r#"{"slug": "ok", "name": "x", "zone": "shared", "frequency": "daily", "key": ["b"], "fields": [{"name": "a", "type": "text"}]}"#,
                "key",
            ),
            (
                r#"{"slug": "ok", "name": "x", "zone": "shared", "frequency": "daily", "fields": [{"name": "a", "type": "enum"}]}"#,
                "fields",
            ),
            (
                r#"{"slug": "ok", "name": "x", "zone": "shared", "frequency": "daily", "fields": [{"name": "Tên", "type": "text"}]}"#,
                "fields",
            ),
            (
                r#"{"slug": "ok", "name": "x", "zone": "shared", "frequency": "daily", "fields": [{"name": "a", "type": "text"}, {"name": "a", "type": "text"}]}"#,
                "fields",
            ),
            (
                r#"{"slug": "ok", "name": "x", "zone": "shared", "frequency": "daily", "fields": [{"name": "a", "type": "text", "pattern": "("}]}"#,
                "fields",
            ),
            (
                r#"{"slug": "ok", "name": "x", "zone": "shared", "frequency": "daily", "fields": [{"name": "a", "type": "cccd", "birth_date_field": "zz"}]}"#,
                "fields",
            ),
            (
                r#"{"slug": "ok", "name": "x", "zone": "everywhere", "frequency": "daily", "fields": [{"name": "a", "type": "text"}]}"#,
                "definition",
            ),
            (
                r#"{"slug": "ok", "name": "x", "zone": "shared", "frequency": "daily", "fields": [{"name": "a", "type": "blob"}]}"#,
                "definition",
            ),
            (
                r#"{"slug": "ok", "name": "x", "zone": "shared", "frequency": "daily", "coverage": {"field": "a"}, "fields": [{"name": "a", "type": "text"}]}"#,
                "coverage",
            ),
        ];
        for (text, field) in cases {
            let e = Definition::parse(text, false).unwrap_err();
            assert_eq!(e.field.as_deref(), Some(field), "{text}: {e:?}");
            assert!(!e.vi.is_empty() && !e.en.is_empty());
        }
    }

    #[test]
    fn schema_changes_are_classified() {
        let a = Definition::parse(SCHOOLS, false).unwrap();
        let mut b = a.clone();
        assert_eq!(a.schema_change(&b), SchemaChange::None);
        b.fields.push(Field { name: "ghi_chu".into(), ..a.fields[0].clone() });
        assert_eq!(a.schema_change(&b), SchemaChange::Added);
        let mut c = a.clone();
        c.fields[4].kind = FieldType::Date;
        assert!(matches!(a.schema_change(&c), SchemaChange::Incompatible(_)));
        let mut d = a.clone();
        d.fields.remove(1);
        assert!(matches!(a.schema_change(&d), SchemaChange::Incompatible(_)));
    }
}
