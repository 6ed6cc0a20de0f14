//! The 10 task groups of the provincial DX plan (seed 001: "10 nhóm nội dung").

use tinhso_domain::text::fold;
use tinhso_domain::{Error, Lang};

/// (code, Vietnamese name, English name), in the plan's order.
pub const GROUPS: [(&str, &str, &str); 10] = [
    ("nhan-thuc-so", "Nhận thức số", "Digital awareness"),
    ("the-che-so", "Thể chế số", "Digital institutions"),
    ("ha-tang-so", "Hạ tầng số", "Digital infrastructure"),
    ("du-lieu-so", "Dữ liệu số", "Digital data"),
    ("nen-tang-so", "Nền tảng số", "Digital platforms"),
    ("an-toan-thong-tin", "An toàn thông tin mạng", "Cybersecurity"),
    ("nhan-luc-so", "Nhân lực số", "Digital workforce"),
    ("chinh-quyen-so", "Chính quyền số", "Digital government"),
    ("kinh-te-so", "Kinh tế số", "Digital economy"),
    ("xa-hoi-so", "Xã hội số", "Digital society"),
];

/// The group whose code or name (any case, with or without diacritics) is `s`.
pub fn parse(field: &str, s: &str) -> Result<&'static str, Error> {
    let f = fold(s.trim()).replace(['-', '_'], " ");
    let f = f.split_whitespace().collect::<Vec<_>>().join(" ");
    for (code, vi, en) in GROUPS {
        if f == code.replace('-', " ") || f == fold(vi) || f == fold(en) {
            return Ok(code);
        }
    }
    Err(Error::invalid(
        field,
        format!(
            "Nhóm nhiệm vụ «{}» không thuộc 10 nhóm của kế hoạch ({}).",
            s.trim(),
            GROUPS.iter().map(|g| g.1).collect::<Vec<_>>().join(", ")
        ),
        format!(
            "Task group «{}» is not one of the plan's 10 groups ({}).",
            s.trim(),
            GROUPS.iter().map(|g| g.2).collect::<Vec<_>>().join(", ")
        ),
    ))
}

/// The group's name in `lang` (the code itself when unknown).
pub fn name(code: &str, lang: Lang) -> &str {
    GROUPS.iter().find(|g| g.0 == code).map(|g| if lang == Lang::En { g.2 } else { g.1 }).unwrap_or(code)
}

/// The group's place in the plan's order (unknown last).
pub fn order(code: &str) -> usize {
    GROUPS.iter().position(|g| g.0 == code).unwrap_or(GROUPS.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_names() {
        assert_eq!(parse("g", "du-lieu-so").unwrap(), "du-lieu-so");
        assert_eq!(parse("g", "Dữ liệu số").unwrap(), "du-lieu-so");
        assert_eq!(parse("g", "  AN TOÀN THÔNG TIN MẠNG ").unwrap(), "an-toan-thong-tin");
        assert_eq!(parse("g", "Digital economy").unwrap(), "kinh-te-so");
        // Decomposed input (NFD) folds the same.
        assert_eq!(parse("g", "Xa\u{303} hội số").unwrap(), "xa-hoi-so");
        let e = parse("nhom", "Đô thị thông minh").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("nhom"));
        assert!(e.vi.contains("10 nhóm") && e.en.contains("10 groups"));
        assert_eq!(name("kinh-te-so", Lang::En), "Digital economy");
        assert_eq!(order("xa-hoi-so"), 9);
    }
}
