//! Masking of personal data (Decree 13/2023 on personal data protection):
//! what a reader without a grant for a personal field sees instead of it.
//!
//! CCCD `079******123`, phone `09******12`, names reduced to initials
//! (`N. V. A.`), dates of birth to the year, e-mail to its first letter and
//! domain. Masking never reveals more than these shapes, whatever the input.

/// How a personal field is masked, chosen from its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaskKind {
    /// 12-digit citizen ID: first 3 and last 3 digits kept.
    Cccd,
    /// Phone: first 2 and last 2 characters kept.
    Phone,
    /// Names and other text: initials.
    Initials,
    /// Dates and times (of birth): the year only.
    Year,
    /// E-mail: first letter of the local part and the domain.
    Email,
    /// Anything else (amounts, codes, points): hidden entirely.
    Hidden,
}

impl MaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MaskKind::Cccd => "cccd",
            MaskKind::Phone => "phone",
            MaskKind::Initials => "initials",
            MaskKind::Year => "year",
            MaskKind::Email => "email",
            MaskKind::Hidden => "hidden",
        }
    }
}

/// Masks `value` as `kind`. Empty values stay empty.
pub fn mask(kind: MaskKind, value: &str) -> String {
    let v = value.trim();
    if v.is_empty() {
        return String::new();
    }
    match kind {
        MaskKind::Cccd => keep_ends(v, 3, 3),
        MaskKind::Phone => keep_ends(v, 2, 2),
        MaskKind::Initials => initials(v),
        MaskKind::Year => {
            // ISO dates and times start with the year; dd/mm/yyyy ends with it.
            let digits: String = v.chars().take(4).collect();
            if digits.len() == 4 && digits.chars().all(|c| c.is_ascii_digit()) {
                digits
            } else {
                let tail: String = v.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
                if tail.chars().all(|c| c.is_ascii_digit()) {
                    tail
                } else {
                    "****".into()
                }
            }
        }
        MaskKind::Email => match v.split_once('@') {
            Some((local, domain)) if !local.is_empty() => {
                format!("{}***@{domain}", local.chars().next().expect("non-empty"))
            }
            _ => "***".into(),
        },
        MaskKind::Hidden => "***".into(),
    }
}

/// Keeps `head` and `tail` characters and stars the middle (six stars at
/// least, so the length of a short value is not revealed); values too short
/// to keep anything are all stars.
fn keep_ends(v: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = v.chars().collect();
    if chars.len() <= head + tail + 2 {
        return "*".repeat(chars.len().max(6));
    }
    let middle = (chars.len() - head - tail).max(6);
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(middle));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// "Nguyễn Văn An" → "N. V. A."
pub fn initials(v: &str) -> String {
    let parts: Vec<String> = v
        .split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect();
    if parts.is_empty() {
        "***".into()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_as_the_decree_examples() {
        assert_eq!(mask(MaskKind::Cccd, "079203001123"), "079******123");
        assert_eq!(mask(MaskKind::Phone, "0912345612"), "09******12");
        assert_eq!(mask(MaskKind::Initials, "Nguyễn Văn An"), "N. V. A.");
        assert_eq!(mask(MaskKind::Initials, "  đặng   thị  "), "Đ. T.");
        assert_eq!(mask(MaskKind::Year, "1990-05-12"), "1990");
        assert_eq!(mask(MaskKind::Year, "1990-05-12T08:00:00+07:00"), "1990");
        assert_eq!(mask(MaskKind::Year, "12/05/1990"), "1990");
        assert_eq!(mask(MaskKind::Email, "an.nguyen@binhdinh.gov.vn"), "a***@binhdinh.gov.vn");
        assert_eq!(mask(MaskKind::Hidden, "12345"), "***");
        assert_eq!(mask(MaskKind::Cccd, ""), "");
    }

    #[test]
    fn short_values_reveal_nothing() {
        assert_eq!(mask(MaskKind::Cccd, "0791"), "******");
        assert_eq!(mask(MaskKind::Phone, "091"), "******");
        assert_eq!(mask(MaskKind::Year, "abc"), "****");
        assert_eq!(mask(MaskKind::Email, "@x.vn"), "***");
        // Nothing of the middle survives.
        let m = mask(MaskKind::Cccd, "079203001123");
        assert!(!m.contains("203001"));
    }
}
