//! Agencies (cơ quan, đơn vị): codes, names and kinds. Names are data, never code.

use crate::error::{Error, Result};
use crate::text::nfc;

/// A short, stable agency code such as `SYT` or `XA-21583`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgencyCode(String);

impl AgencyCode {
    /// Upper-cases and checks: 1–32 of `A-Z 0-9 . _ -`, starting with a letter or digit.
    pub fn parse(s: &str) -> Result<AgencyCode> {
        let code = s.trim().to_uppercase();
        let ok = !code.is_empty()
            && code.len() <= 32
            && code.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            && code.as_bytes()[0].is_ascii_alphanumeric();
        if ok {
            Ok(AgencyCode(code))
        } else {
            Err(Error::invalid(
                "code",
                format!(
                    "Mã cơ quan «{s}» không hợp lệ: 1–32 ký tự gồm chữ không dấu, số, dấu chấm, gạch dưới, gạch ngang."
                ),
                format!(
                    "Agency code «{s}» is invalid: 1–32 characters of unaccented letters, digits, '.', '_' or '-'."
                ),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// An agency's display name, trimmed and in NFC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyName(String);

impl AgencyName {
    pub fn parse(field: &str, s: &str) -> Result<AgencyName> {
        let name = nfc(s);
        if name.is_empty() {
            return Err(Error::invalid(
                field,
                "Tên cơ quan không được để trống.",
                "The agency name must not be empty.",
            ));
        }
        if name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(Error::invalid(
                field,
                "Tên cơ quan quá dài (tối đa 200 ký tự) hoặc chứa ký tự điều khiển.",
                "The agency name is too long (200 characters at most) or contains control characters.",
            ));
        }
        Ok(AgencyName(name))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// What kind of body an agency is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgencyKind {
    /// UBND tỉnh.
    ProvincialCommittee,
    /// Sở, ban, ngành.
    Department,
    /// Huyện (legacy three-level data).
    District,
    /// Xã, phường, đặc khu.
    Commune,
    /// Đơn vị sự nghiệp, trung tâm, other bodies.
    Other,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 5] = [
        AgencyKind::ProvincialCommittee,
        AgencyKind::Department,
        AgencyKind::District,
        AgencyKind::Commune,
        AgencyKind::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::ProvincialCommittee => "provincial_committee",
            AgencyKind::Department => "department",
            AgencyKind::District => "district",
            AgencyKind::Commune => "commune",
            AgencyKind::Other => "other",
        }
    }
    /// Accepts the code (`department`) or the Vietnamese word (`sở`, `xã`…), any case or accents.
    pub fn parse(s: &str) -> Result<AgencyKind> {
        let f = crate::text::fold(s);
        let kind = match f.as_str() {
            "provincial_committee" | "ubnd tinh" | "ubnd" => AgencyKind::ProvincialCommittee,
            "department" | "so" | "so, ban, nganh" | "ban" | "nganh" => AgencyKind::Department,
            "district" | "huyen" => AgencyKind::District,
            "commune" | "xa" | "phuong" | "dac khu" | "xa/phuong" => AgencyKind::Commune,
            "other" | "khac" | "" => AgencyKind::Other,
            _ => {
                return Err(Error::invalid(
                    "kind",
                    format!(
                        "Loại cơ quan «{s}» không hợp lệ (provincial_committee, department, district, commune, other)."
                    ),
                    format!("Unknown agency kind «{s}» (provincial_committee, department, district, commune, other)."),
                ))
            }
        };
        Ok(kind)
    }
    pub fn label(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::*;
        match (self, lang) {
            (AgencyKind::ProvincialCommittee, Vi) => "UBND tỉnh",
            (AgencyKind::Department, Vi) => "Sở, ban, ngành",
            (AgencyKind::District, Vi) => "Huyện (cũ)",
            (AgencyKind::Commune, Vi) => "Xã, phường",
            (AgencyKind::Other, Vi) => "Đơn vị khác",
            (AgencyKind::ProvincialCommittee, En) => "Provincial People's Committee",
            (AgencyKind::Department, En) => "Department",
            (AgencyKind::District, En) => "District (legacy)",
            (AgencyKind::Commune, En) => "Commune / ward",
            (AgencyKind::Other, En) => "Other body",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised_and_checked() {
        assert_eq!(AgencyCode::parse(" syt ").unwrap().as_str(), "SYT");
        assert_eq!(AgencyCode::parse("XA-21583").unwrap().as_str(), "XA-21583");
        for bad in ["", "sở", "a b", "-X", &"A".repeat(33)] {
            assert!(AgencyCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_nfc_and_bounded() {
        assert_eq!(AgencyName::parse("name", " Sở Y te\u{302} ").unwrap().as_str(), "Sở Y tê");
        assert_eq!(AgencyName::parse("name_vi", "  ").unwrap_err().field.as_deref(), Some("name_vi"));
        assert!(AgencyName::parse("name", &"x".repeat(201)).is_err());
    }

    #[test]
    fn kinds_accept_vietnamese_words() {
        assert_eq!(AgencyKind::parse("Sở").unwrap(), AgencyKind::Department);
        assert_eq!(AgencyKind::parse("Xã").unwrap(), AgencyKind::Commune);
        assert_eq!(AgencyKind::parse("commune").unwrap(), AgencyKind::Commune);
        assert!(AgencyKind::parse("bộ").is_err());
    }
}
