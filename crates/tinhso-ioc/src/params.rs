//! Panel parameters: the period, a commune and an agency, checked, then put
//! into the panel's SQL as SQL literals (never as spliced text).

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use tinhso_domain::{Error, Result};

use crate::definition::tags;

/// The filters a panel is computed with (checked values).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Filters {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

/// The filters as they arrive (query string, alert rule), unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, Serialize)]
pub struct RawFilters {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

/// The first day of the month `months - 1` months before `today`'s month.
pub fn default_from(today: NaiveDate, months: u32) -> NaiveDate {
    let total = today.year() * 12 + today.month0() as i32 - (months as i32 - 1);
    NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1).expect("a valid month")
}

/// A date written `YYYY-MM-DD` or `dd/mm/yyyy`.
pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y")).map_err(|_| {
        Error::invalid(
            field,
            format!("«{field}» = «{t}» không phải ngày (YYYY-MM-DD hoặc dd/mm/yyyy)."),
            format!("«{field}» = «{t}» is not a date (YYYY-MM-DD or dd/mm/yyyy)."),
        )
    })
}

/// A SQL string literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn date_literal(d: NaiveDate) -> String {
    format!("DATE '{}'", d.format("%Y-%m-%d"))
}

impl Filters {
    /// The value of a parameter, as a SQL literal; `None` when unset.
    pub fn value(&self, name: &str) -> Option<String> {
        match name {
            "from" => Some(date_literal(self.from)),
            "to" => Some(date_literal(self.to)),
            "until" => Some(date_literal(self.to + Duration::days(1))),
            "commune" => self.commune.as_deref().map(literal),
            "agency" => self.agency.as_deref().map(literal),
            _ => None,
        }
    }

    /// `sql` with its tags replaced: `{{name}}` by the literal, `{{#name}}…{{/name}}`
    /// kept only when `name` is set. Text outside tags is unchanged.
    pub fn render(&self, sql: &str) -> Result<String> {
        let tags = tags(sql)
            .map_err(|e| Error::invalid("sql", format!("Mẫu SQL sai: {e}."), format!("Bad SQL template: {e}.")))?;
        let mut out = String::with_capacity(sql.len() + 64);
        let mut pos = 0;
        let mut skipping = false;
        for (start, end, sigil, name) in tags {
            if !skipping {
                out.push_str(&sql[pos..start]);
            }
            match sigil {
                '#' => skipping = self.value(&name).is_none(),
                '/' => skipping = false,
                _ if skipping => {}
                _ => match self.value(&name) {
                    Some(v) => out.push_str(&v),
                    // A bare parameter that is unset compares with NULL: no rows, never all rows.
                    None => out.push_str("NULL"),
                },
            }
            pos = end;
        }
        if !skipping {
            out.push_str(&sql[pos..]);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(commune: Option<&str>, agency: Option<&str>) -> Filters {
        Filters {
            from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            commune: commune.map(String::from),
            agency: agency.map(String::from),
        }
    }

    #[test]
    fn parameters_become_literals_and_blocks_follow_the_filters() {
        let sql = "SELECT * FROM t WHERE d >= {{from}} AND d < {{until}}{{#commune}} AND xa = {{commune}}{{/commune}}{{#agency}} AND cq = {{agency}}{{/agency}}";
        assert_eq!(
            f(None, None).render(sql).unwrap(),
            "SELECT * FROM t WHERE d >= DATE '2026-01-01' AND d < DATE '2026-02-01'"
        );
        assert_eq!(
            f(Some("21553"), Some("SYT")).render(sql).unwrap(),
            "SELECT * FROM t WHERE d >= DATE '2026-01-01' AND d < DATE '2026-02-01' AND xa = '21553' AND cq = 'SYT'"
        );
    }

    #[test]
    fn quotes_cannot_escape_the_literal() {
        let x = f(None, Some("X' OR '1'='1")).render("SELECT 1 WHERE cq = {{agency}}").unwrap();
        assert_eq!(x, "SELECT 1 WHERE cq = 'X'' OR ''1''=''1'");
        assert_eq!(f(None, None).render("SELECT {{commune}}").unwrap(), "SELECT NULL");
    }

    #[test]
    fn default_period_and_dates() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
        assert_eq!(default_from(today, 12), NaiveDate::from_ymd_opt(2025, 4, 1).unwrap());
        assert_eq!(default_from(today, 1), NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert_eq!(default_from(today, 3), NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        assert_eq!(parse_date("from", "02/09/2025").unwrap(), NaiveDate::from_ymd_opt(2025, 9, 2).unwrap());
        let e = parse_date("from", "31/02/2025").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("from"));
        assert!(e.vi.contains("không phải ngày") && e.en.contains("not a date"));
    }
}
