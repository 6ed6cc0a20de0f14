//! Vietnamese text helpers: NFC normalisation and diacritic folding for search.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Returns `s` trimmed and in Unicode NFC, the one form tinhso stores.
pub fn nfc(s: &str) -> String {
    s.trim().nfc().collect()
}

/// Folds `s` for matching: lower case, diacritics removed, `đ` → `d`, runs of
/// whitespace collapsed. "Phường Quy Nhơn" and "phuong quy nhon" fold alike.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        assert_eq!(fold(input), expect, "fold({input:?})");
    }

    #[test]
    fn folds_vietnamese() {
        check("Phường Quy Nhơn", "phuong quy nhon");
        check("  Đắk   Lắk ", "dak lak");
        check("Hồ Chí Minh", "ho chi minh");
        // NFD input (decomposed marks) folds the same as NFC.
        check("Quy Nho\u{31b}n", "quy nhon");
        check("ĐỒNG THÁP", "dong thap");
    }

    #[test]
    fn nfc_composes() {
        assert_eq!(nfc(" Quy Nho\u{31b}n "), "Quy Nhơn");
    }
}
