//! The dashboard definition (YAML or JSON): panels of SQL over the warehouse
//! with a visual, checked once when it is read. Every error names the field
//! (`panels[3].sql`) in Vietnamese and English.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use tinhso_domain::{Error, Result};

/// A dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    pub slug: String,
    pub title: String,
    pub title_en: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description_en: String,
    /// Auto-refresh of the wall view, in seconds.
    #[serde(default = "default_refresh")]
    pub refresh_seconds: u32,
    /// The default period: the last N months up to today.
    #[serde(default = "default_months")]
    pub period_months: u32,
    /// The filter controls shown.
    #[serde(default)]
    pub filters: Vec<FilterKind>,
    pub panels: Vec<Panel>,
}

fn default_refresh() -> u32 {
    300
}
fn default_months() -> u32 {
    12
}
fn default_width() -> u8 {
    6
}
fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}
fn is_false(b: &bool) -> bool {
    !*b
}

/// A filter of the page (and a parameter of the panels' SQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FilterKind {
    Period,
    Commune,
    Agency,
}

/// A panel's visual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Kpi,
    Bar,
    Line,
    Area,
    Pie,
    Gauge,
    Table,
    Map,
}

impl Kind {
    /// The name used in definitions (`kpi`, `bar`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Kpi => "kpi",
            Kind::Bar => "bar",
            Kind::Line => "line",
            Kind::Area => "area",
            Kind::Pie => "pie",
            Kind::Gauge => "gauge",
            Kind::Table => "table",
            Kind::Map => "map",
        }
    }
}

/// How values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Integer,
    Decimal,
    Percent,
    Money,
}

/// A column's display names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    pub vi: String,
    pub en: String,
}

/// A panel: SQL, parameters and a visual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub id: String,
    pub title: String,
    pub title_en: String,
    pub kind: Kind,
    #[serde(default = "default_width")]
    pub width: u8,
    #[serde(default)]
    pub format: Format,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub higher_is_better: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub y: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub series_labels: BTreeMap<String, Label>,
    /// Cross-filter: clicking an item sets this filter to its `x` value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub click: Option<FilterKind>,
    /// Map: start at the provinces, drill into the province's communes.
    #[serde(default, skip_serializing_if = "is_false")]
    pub drill: bool,
    pub sql: String,
}

fn bad(field: &str, vi: impl Into<String>, en: impl Into<String>) -> Error {
    Error::invalid(field, vi, en)
}

fn id_ok(s: &str, min: usize) -> bool {
    (min..=64).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// The parameters a panel's SQL may use.
pub const PARAMETERS: [&str; 5] = ["from", "to", "until", "commune", "agency"];

/// The `{{name}}`, `{{#name}}` and `{{/name}}` tags of a template, in order.
pub(crate) fn tags(sql: &str) -> std::result::Result<Vec<(usize, usize, char, String)>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(start) = sql[i..].find("{{").map(|p| p + i) {
        let end =
            sql[start..].find("}}").map(|p| p + start).ok_or_else(|| format!("«{{{{» at {start} is not closed"))?;
        let inner = sql[start + 2..end].trim();
        let (sigil, name) = match inner.chars().next() {
            Some('#') => ('#', inner[1..].trim()),
            Some('/') => ('/', inner[1..].trim()),
            _ => (' ', inner),
        };
        out.push((start, end + 2, sigil, name.to_string()));
        i = end + 2;
    }
    Ok(out)
}

impl Dashboard {
    /// Reads a definition from YAML or JSON (JSON is YAML too) and checks it.
    pub fn parse(text: &str) -> Result<Dashboard> {
        if text.len() > 1_000_000 {
            return Err(bad(
                "definition",
                "Định nghĩa bảng điều khiển dài quá 1 MB.",
                "The dashboard definition is longer than 1 MB.",
            ));
        }
        let text = tinhso_domain::text::nfc(text);
        let d: Dashboard = if text.trim_start().starts_with('{') {
            serde_json::from_str(&text).map_err(|e| {
                bad(
                    "definition",
                    format!("Định nghĩa JSON không đọc được (dòng {}, cột {}): {e}", e.line(), e.column()),
                    format!("The JSON definition cannot be read (line {}, column {}): {e}", e.line(), e.column()),
                )
            })?
        } else {
            serde_yaml::from_str(&text).map_err(|e| {
                let at = e.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
                bad(
                    "definition",
                    format!("Định nghĩa YAML không đọc được (dòng {}, cột {}): {e}", at.0, at.1),
                    format!("The YAML definition cannot be read (line {}, column {}): {e}", at.0, at.1),
                )
            })?
        };
        d.check()?;
        Ok(d)
    }

    /// The definition as YAML.
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).expect("a dashboard is YAML")
    }

    /// The definition as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a dashboard is JSON")
    }

    pub fn panel(&self, id: &str) -> Option<&Panel> {
        self.panels.iter().find(|p| p.id == id)
    }

    /// Checks every rule; the first broken one is the error.
    pub fn check(&self) -> Result<()> {
        if !id_ok(&self.slug, 3) {
            return Err(bad(
                "slug",
                format!("Mã bảng điều khiển «{}» không hợp lệ: 3–64 ký tự a-z, 0-9, dấu gạch ngang.", self.slug),
                format!("Dashboard slug «{}» is not valid: 3–64 characters a-z, 0-9, hyphens.", self.slug),
            ));
        }
        for (field, v) in [("title", &self.title), ("title_en", &self.title_en)] {
            if v.trim().is_empty() || v.chars().count() > 200 {
                return Err(bad(
                    field,
                    format!("«{field}» không được để trống, tối đa 200 ký tự."),
                    format!("«{field}» must not be empty, 200 characters at most."),
                ));
            }
        }
        if !(30..=86_400).contains(&self.refresh_seconds) {
            return Err(bad(
                "refresh_seconds",
                "refresh_seconds phải từ 30 đến 86 400 giây.",
                "refresh_seconds must be between 30 and 86,400 seconds.",
            ));
        }
        if !(1..=120).contains(&self.period_months) {
            return Err(bad(
                "period_months",
                "period_months phải từ 1 đến 120 tháng.",
                "period_months must be between 1 and 120 months.",
            ));
        }
        if self.panels.is_empty() || self.panels.len() > 40 {
            return Err(bad(
                "panels",
                "Bảng điều khiển phải có từ 1 đến 40 ô.",
                "A dashboard must have between 1 and 40 panels.",
            ));
        }
        let mut ids = HashSet::new();
        for (i, p) in self.panels.iter().enumerate() {
            let at = |f: &str| format!("panels[{i}].{f}");
            if !id_ok(&p.id, 1) {
                return Err(bad(
                    &at("id"),
                    format!("Mã ô «{}» không hợp lệ: a-z, 0-9, dấu gạch ngang.", p.id),
                    format!("Panel id «{}» is not valid: a-z, 0-9, hyphens.", p.id),
                ));
            }
            if !ids.insert(p.id.as_str()) {
                return Err(bad(
                    &at("id"),
                    format!("Mã ô «{}» bị trùng.", p.id),
                    format!("Panel id «{}» is used twice.", p.id),
                ));
            }
            for (f, v) in [("title", &p.title), ("title_en", &p.title_en)] {
                if v.trim().is_empty() || v.chars().count() > 200 {
                    return Err(bad(
                        &at(f),
                        format!("Ô «{}»: «{f}» không được để trống, tối đa 200 ký tự.", p.id),
                        format!("Panel «{}»: «{f}» must not be empty, 200 characters at most.", p.id),
                    ));
                }
            }
            if !(1..=12).contains(&p.width) {
                return Err(bad(
                    &at("width"),
                    format!("Ô «{}»: độ rộng phải từ 1 đến 12 cột.", p.id),
                    format!("Panel «{}»: width must be between 1 and 12 columns.", p.id),
                ));
            }
            let needs_x = matches!(p.kind, Kind::Bar | Kind::Line | Kind::Area | Kind::Pie | Kind::Map);
            if needs_x && p.x.is_none() {
                return Err(bad(
                    &at("x"),
                    format!("Ô «{}»: biểu đồ này cần cột nhãn «x».", p.id),
                    format!("Panel «{}»: this chart needs a label column «x».", p.id),
                ));
            }
            if p.kind != Kind::Table && p.y.is_empty() {
                return Err(bad(
                    &at("y"),
                    format!("Ô «{}»: cần ít nhất một cột giá trị «y».", p.id),
                    format!("Panel «{}»: at least one value column «y» is needed.", p.id),
                ));
            }
            if p.drill && p.kind != Kind::Map {
                return Err(bad(
                    &at("drill"),
                    format!("Ô «{}»: chỉ bản đồ mới có «drill».", p.id),
                    format!("Panel «{}»: only a map can «drill».", p.id),
                ));
            }
            if p.click == Some(FilterKind::Period) {
                return Err(bad(
                    &at("click"),
                    format!("Ô «{}»: «click» chỉ đặt được xã (commune) hoặc cơ quan (agency).", p.id),
                    format!("Panel «{}»: «click» can set the commune or the agency only.", p.id),
                ));
            }
            if p.click.is_some() && p.x.is_none() {
                return Err(bad(
                    &at("click"),
                    format!("Ô «{}»: «click» lấy giá trị từ cột «x», hãy khai báo «x».", p.id),
                    format!("Panel «{}»: «click» takes the value of column «x»: declare «x».", p.id),
                ));
            }
            if let Some(t) = p.target {
                if !t.is_finite() {
                    return Err(bad(&at("target"), "Chỉ tiêu phải là một số.", "The target must be a number."));
                }
            }
            check_sql(&p.sql, &p.id, &at("sql"))?;
        }
        Ok(())
    }
}

fn check_sql(sql: &str, panel: &str, field: &str) -> Result<()> {
    if sql.trim().is_empty() || sql.len() > 20_000 {
        return Err(bad(
            field,
            format!("Ô «{panel}»: câu SQL không được để trống, tối đa 20 000 ký tự."),
            format!("Panel «{panel}»: the SQL must not be empty, 20,000 characters at most."),
        ));
    }
    let tags = tags(sql).map_err(|e| {
        bad(field, format!("Ô «{panel}»: mẫu SQL sai: {e}."), format!("Panel «{panel}»: bad SQL template: {e}."))
    })?;
    let mut open: Option<String> = None;
    for (_, _, sigil, name) in tags {
        if !PARAMETERS.contains(&name.as_str()) {
            return Err(bad(
                field,
                format!("Ô «{panel}»: không có tham số «{name}» (có: {}).", PARAMETERS.join(", ")),
                format!("Panel «{panel}»: there is no parameter «{name}» (there are: {}).", PARAMETERS.join(", ")),
            ));
        }
        match sigil {
            '#' if open.is_some() => {
                return Err(bad(
                    field,
                    format!("Ô «{panel}»: khối {{{{#{name}}}}} nằm trong khối khác."),
                    format!("Panel «{panel}»: block {{{{#{name}}}}} is inside another block."),
                ))
            }
            '#' => open = Some(name),
            '/' if open.as_deref() != Some(name.as_str()) => {
                return Err(bad(
                    field,
                    format!("Ô «{panel}»: {{{{/{name}}}}} không khớp khối đang mở."),
                    format!("Panel «{panel}»: {{{{/{name}}}}} does not close the open block."),
                ))
            }
            '/' => open = None,
            _ => {}
        }
    }
    if let Some(name) = open {
        return Err(bad(
            field,
            format!("Ô «{panel}»: khối {{{{#{name}}}}} chưa đóng."),
            format!("Panel «{panel}»: block {{{{#{name}}}}} is not closed."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "slug: thu-nghiem\ntitle: Thử nghiệm\ntitle_en: Test\npanels:\n  - id: a\n    title: A\n    title_en: A\n    kind: bar\n    x: xa\n    y: [n]\n    sql: SELECT xa, count(*) AS n FROM t {{#commune}}WHERE xa = {{commune}}{{/commune}} GROUP BY xa\n";

    #[test]
    fn yaml_and_json_read_the_same() {
        let d = Dashboard::parse(OK).unwrap();
        assert_eq!(d.panels[0].kind, Kind::Bar);
        assert_eq!(d.refresh_seconds, 300);
        let j = serde_json::to_string(&d.to_json()).unwrap();
        assert_eq!(Dashboard::parse(&j).unwrap(), d);
        assert_eq!(Dashboard::parse(&d.to_yaml()).unwrap(), d);
    }

    fn err(text: &str) -> Error {
        Dashboard::parse(text).unwrap_err()
    }

    #[test]
    fn bad_definitions_name_the_field_in_both_languages() {
        let cases: Vec<(String, &str)> = vec![
            (OK.replace("slug: thu-nghiem", "slug: Thử"), "slug"),
            (OK.replace("title: Thử nghiệm", "title: ''"), "title"),
            (OK.replace("kind: bar", "kind: radar"), "definition"),
            (OK.replace("    x: xa\n", ""), "panels[0].x"),
            (OK.replace("y: [n]", "y: []"), "panels[0].y"),
            (OK.replace("{{commune}}{{/commune}}", "{{province}}{{/commune}}"), "panels[0].sql"),
            (OK.replace("{{/commune}}", ""), "panels[0].sql"),
            (OK.replace("{{#commune}}", "{{#agency}}"), "panels[0].sql"),
            (OK.replace("{{commune}}", "{{commune"), "panels[0].sql"),
            (OK.replace("    kind: bar", "    kind: bar\n    width: 13"), "panels[0].width"),
            (OK.replace("    kind: bar", "    kind: bar\n    drill: true"), "panels[0].drill"),
            (OK.replace("    kind: bar", "    kind: bar\n    click: period"), "panels[0].click"),
            (OK.replace("    kind: bar", "    kind: bar\n    colour: red"), "definition"),
            (
                format!(
                    "{OK}  - id: a\n    title: B\n    title_en: B\n    kind: kpi\n    y: [n]\n    sql: SELECT 1 AS n\n"
                ),
                "panels[1].id",
            ),
            ("slug: x\n".to_string(), "definition"),
            ("{ not json".to_string(), "definition"),
        ];
        for (text, field) in cases {
            let e = err(&text);
            assert_eq!(e.field.as_deref(), Some(field), "{text}: {e:?}");
            assert!(!e.vi.is_empty() && !e.en.is_empty() && e.vi != e.en, "{e:?}");
        }
    }

    #[test]
    fn text_is_nfc() {
        // "Thử" written decomposed (u + combining hook + combining dot).
        let d = Dashboard::parse(&OK.replace("Thử nghiệm", "Thu\u{31b}\u{309} nghiệm")).unwrap();
        assert_eq!(d.title, "Thử nghiệm");
    }
}
