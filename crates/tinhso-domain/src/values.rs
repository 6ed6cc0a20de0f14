//! Parsers for cell values written the Vietnamese way: `1.234.567`, `3,5`, `1,2 tỷ`, `31/12/2024`,
//! căn cước (CCCD), mã số thuế (MST), phone numbers, e-mail addresses and map points.
//!
//! Every parser takes a cell that is already trimmed and in NFC and returns the value or a
//! [`ValueError`]: a short machine rule id and a message in each language that quotes the value.

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use crate::error::{Error, ErrorKind};
use crate::text::fold;

/// Why a cell value was refused: a machine rule id (`"date_invalid"`, `"cccd_length"`…) and a
/// message in Vietnamese and English that quotes the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub rule: &'static str,
    pub vi: String,
    pub en: String,
}

impl ValueError {
    fn new(rule: &'static str, vi: impl Into<String>, en: impl Into<String>) -> ValueError {
        ValueError { rule, vi: vi.into(), en: en.into() }
    }
    /// The same message as an [`Error`] of kind `Invalid` about `field`.
    pub fn into_error(self, field: &str) -> Error {
        Error::invalid(field, self.vi, self.en)
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.vi, self.en)
    }
}

impl std::error::Error for ValueError {}

impl From<ValueError> for Error {
    fn from(e: ValueError) -> Error {
        Error::new(ErrorKind::Invalid, e.vi, e.en)
    }
}

/// The value between curly quotes, cut to 60 characters so a huge cell cannot flood a report.
fn q(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("“{}…”", &s[..i]),
        None => format!("“{s}”"),
    }
}

fn empty(rule: &'static str, what_vi: &str, what_en: &str) -> ValueError {
    ValueError::new(rule, format!("Ô trống: cần {what_vi}."), format!("The cell is empty: {what_en} is required."))
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

/// Splits a leading sign off: `-`, `−` (U+2212) or `+`.
fn split_sign(s: &str) -> (bool, &str) {
    if let Some(r) = s.strip_prefix('-').or_else(|| s.strip_prefix('\u{2212}')) {
        (true, r.trim_start())
    } else if let Some(r) = s.strip_prefix('+') {
        (false, r.trim_start())
    } else {
        (false, s)
    }
}

/// `1.234.567` grouped by `sep` → `1234567`: the first group has 1–3 digits, every other exactly 3.
fn ungroup(s: &str, sep: impl Fn(char) -> bool) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for (i, g) in s.split(sep).enumerate() {
        let ok =
            g.bytes().all(|b| b.is_ascii_digit()) && if i == 0 { (1..=3).contains(&g.len()) } else { g.len() == 3 };
        if !ok {
            return None;
        }
        out.push_str(g);
    }
    Some(out)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The digits of an unsigned number written the Vietnamese way, as (integer digits, fraction
/// digits). `.` groups thousands and `,` marks decimals; when both appear the last one is the
/// decimal mark; a single `.` followed by exactly three digits groups thousands (`1.234`) unless
/// the integer part is `0` (`0.125`); spaces may group thousands.
fn number_parts(body: &str) -> Option<(String, String)> {
    let dots = body.matches('.').count();
    let commas = body.matches(',').count();
    // (integer part, fraction part, thousands separator)
    let (int_raw, frac_raw, group): (&str, Option<&str>, Option<char>) = if dots > 0 && commas > 0 {
        let (dec, grp) = if body.rfind('.') > body.rfind(',') { ('.', ',') } else { (',', '.') };
        if body.matches(dec).count() != 1 {
            return None;
        }
        let (a, b) = body.split_once(dec)?;
        (a, Some(b), Some(grp))
    } else if commas > 1 {
        (body, None, Some(','))
    } else if commas == 1 {
        let (a, b) = body.split_once(',')?;
        (a, Some(b), None)
    } else if dots > 1 {
        (body, None, Some('.'))
    } else if dots == 1 {
        let (a, b) = body.split_once('.')?;
        let thousands =
            b.len() == 3 && all_digits(b) && (1..=3).contains(&a.len()) && all_digits(a) && !a.starts_with('0');
        if thousands {
            (body, None, Some('.'))
        } else {
            (a, Some(b), None)
        }
    } else {
        (body, None, None)
    };
    let int = if int_raw.is_empty() {
        String::new()
    } else if let Some(g) = group {
        if int_raw.contains(is_space) {
            return None;
        }
        ungroup(int_raw, |c| c == g)?
    } else if int_raw.contains(is_space) {
        ungroup(int_raw, is_space)?
    } else if all_digits(int_raw) {
        int_raw.to_string()
    } else {
        return None;
    };
    let frac = match frac_raw {
        Some(f) if all_digits(f) => f.to_string(),
        Some(_) => return None,
        None => String::new(),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    Some((int, frac))
}

/// A whole number: `1.234.567`, `1 234 567`, `1,234,567` (exact 3-digit groups only), `-12`, `+5`.
pub fn parse_integer(s: &str) -> Result<i64, ValueError> {
    if s.is_empty() {
        return Err(empty("integer", "một số nguyên", "a whole number"));
    }
    let bad = || {
        ValueError::new(
            "integer",
            format!("{} không phải số nguyên (ví dụ: 1234 hoặc 1.234.567).", q(s)),
            format!("{} is not a whole number (e.g. 1234 or 1.234.567).", q(s)),
        )
    };
    let (neg, body) = split_sign(s);
    let seps: Vec<char> = body.chars().filter(|c| !c.is_ascii_digit()).collect();
    let digits = match seps.first() {
        None => body.to_string(),
        Some(&c) if matches!(c, '.' | ',') || is_space(c) => {
            if seps.iter().any(|&x| x != c) {
                return Err(bad());
            }
            ungroup(body, |x| x == c).ok_or_else(|| {
                if seps.len() == 1 && matches!(c, '.' | ',') {
                    ValueError::new(
                        "integer",
                        format!("{} không phải số nguyên: cần số không có phần thập phân.", q(s)),
                        format!("{} is not a whole number: a number without decimals is required.", q(s)),
                    )
                } else {
                    bad()
                }
            })?
        }
        Some(_) => return Err(bad()),
    };
    if digits.is_empty() {
        return Err(bad());
    }
    let magnitude: u64 = digits.parse().map_err(|_| range_error(s))?;
    if neg {
        if magnitude > i64::MIN.unsigned_abs() {
            return Err(range_error(s));
        }
        Ok((magnitude as i64).wrapping_neg())
    } else {
        i64::try_from(magnitude).map_err(|_| range_error(s))
    }
}

fn range_error(s: &str) -> ValueError {
    ValueError::new(
        "integer_range",
        format!("{} quá lớn (giới hạn khoảng ±9,2 × 10¹⁸).", q(s)),
        format!("{} is too large (the limit is about ±9.2 × 10¹⁸).", q(s)),
    )
}

/// A decimal number, Vietnamese convention first: `1.234,56` → 1234.56, `3,5` → 3.5,
/// `1.234` → 1234, `12.5` → 12.5, `1,234,567.89` → 1234567.89; a trailing `%` is allowed and
/// dropped (`12,5%` → 12.5).
pub fn parse_decimal(s: &str) -> Result<f64, ValueError> {
    if s.is_empty() {
        return Err(empty("decimal", "một số", "a number"));
    }
    let bad = || {
        ValueError::new(
            "decimal",
            format!("{} không phải số (ví dụ: 1.234,56 hoặc 3,5).", q(s)),
            format!("{} is not a number (e.g. 1.234,56 or 3,5).", q(s)),
        )
    };
    let body = s.strip_suffix('%').map(str::trim_end).unwrap_or(s);
    let (neg, body) = split_sign(body);
    let (int, frac) = number_parts(body).ok_or_else(bad)?;
    let text = format!("{}{}.{}", if neg { "-" } else { "" }, if int.is_empty() { "0" } else { &int }, frac);
    let v: f64 = text.parse().map_err(|_| bad())?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(bad())
    }
}

// ---------------------------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------------------------

enum Tok<'a> {
    Num(&'a str),
    Word(&'a str),
}

/// Splits folded money text into numbers and words; `None` on any other character.
fn money_tokens(t: &str) -> Option<Vec<Tok<'_>>> {
    let b = t.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b' ' {
            i += 1;
        } else if c.is_ascii_digit() || c == b'.' || c == b',' {
            let start = i;
            loop {
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.' || b[i] == b',') {
                    i += 1;
                }
                // A space inside a number groups thousands: "1 234 567".
                let grouped = i + 4 <= b.len()
                    && b[i] == b' '
                    && b[i - 1].is_ascii_digit()
                    && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
                    && b.get(i + 4).is_none_or(|x| !x.is_ascii_digit());
                if grouped {
                    i += 1;
                } else {
                    break;
                }
            }
            toks.push(Tok::Num(&t[start..i]));
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            toks.push(Tok::Word(&t[start..i]));
        } else {
            return None;
        }
    }
    Some(toks)
}

/// Power of ten of a money unit word (already folded).
fn money_unit(w: &str) -> Option<u32> {
    match w {
        "ty" | "ti" => Some(9),
        "trieu" | "tr" => Some(6),
        "nghin" | "ngan" | "k" => Some(3),
        _ => None,
    }
}

/// An amount in whole đồng: `1.234.567`, `1.234.567 đ`, `1.234.567 VND`, `1,2 tỷ`, `350 triệu`,
/// `350tr`, `12 nghìn`, `12k`, `1 tỷ 200 triệu`, `4,5 tỷ đồng`; units ignore case and diacritics
/// (`ty`, `trieu`). A leading `-` is kept (refunds). Fractions are rounded half away from zero.
pub fn parse_money(s: &str) -> Result<i64, ValueError> {
    if s.is_empty() {
        return Err(empty("money", "một số tiền", "an amount"));
    }
    let bad = || {
        ValueError::new(
            "money",
            format!("{} không phải số tiền (ví dụ: 1.234.567 đ, 350 triệu, 1,2 tỷ).", q(s)),
            format!("{} is not an amount of money (e.g. 1.234.567 đ, 350 triệu, 1,2 tỷ).", q(s)),
        )
    };
    let folded = fold(s).replace('₫', " d ");
    let (neg, rest) = split_sign(folded.trim());
    let mut t = rest.trim();
    let mut currency = false;
    for unit in ["vnd", "dong", "d"] {
        if let Some(r) = t.strip_suffix(unit) {
            t = r.trim_end();
            currency = true;
            break;
        }
    }
    if let Some(r) = t.strip_prefix("vnd").or_else(|| t.strip_prefix("d ")) {
        t = r.trim_start();
        currency = true;
    }
    let toks = money_tokens(t).ok_or_else(bad)?;
    if toks.is_empty() {
        return Err(bad());
    }
    // Sum in millionths of a đồng, exactly.
    let mut total: i128 = 0;
    let mut last_unit = u32::MAX;
    let mut i = 0;
    while i < toks.len() {
        let Tok::Num(n) = toks[i] else { return Err(bad()) };
        let (unit, step) = match toks.get(i + 1) {
            Some(Tok::Word(w)) => (money_unit(w).ok_or_else(bad)?, 2),
            Some(Tok::Num(_)) => return Err(bad()),
            None => (0, 1),
        };
        if unit == 0 && last_unit != u32::MAX && !currency {
            return Err(ValueError::new(
                "money",
                format!("{}: không rõ “{n}” là bao nhiêu; hãy viết đủ đơn vị, ví dụ 1,2 triệu hoặc 1.200.000 đ.", q(s)),
                format!("{}: unclear what “{n}” stands for; write the unit, e.g. 1,2 triệu or 1.200.000 đ.", q(s)),
            ));
        }
        if unit >= last_unit {
            return Err(bad());
        }
        last_unit = unit;
        let (int, mut frac) = number_parts(n).ok_or_else(bad)?;
        if int.len() > 19 {
            return Err(money_range(s));
        }
        frac.truncate(18);
        let scale = 10i128.pow(unit + 6);
        let int_v: i128 = if int.is_empty() { 0 } else { int.parse().map_err(|_| bad())? };
        let frac_v: i128 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| bad())? };
        let frac_scaled = frac_v * scale / 10i128.pow(frac.len() as u32);
        total = int_v
            .checked_mul(scale)
            .and_then(|v| v.checked_add(frac_scaled))
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| money_range(s))?;
        i += step;
    }
    let dong = (total + 500_000) / 1_000_000;
    let dong = if neg { -dong } else { dong };
    i64::try_from(dong).map_err(|_| money_range(s))
}

fn money_range(s: &str) -> ValueError {
    ValueError::new(
        "money",
        format!("{} vượt quá số tiền lớn nhất có thể lưu.", q(s)),
        format!("{} exceeds the largest amount that can be stored.", q(s)),
    )
}

// ---------------------------------------------------------------------------------------------
// Dates and times
// ---------------------------------------------------------------------------------------------

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn date_shape_error(whole: &str) -> ValueError {
    ValueError::new(
        "date",
        format!("{} không phải ngày (dùng dạng dd/mm/yyyy, ví dụ 05/03/2024).", q(whole)),
        format!("{} is not a date (use dd/mm/yyyy, e.g. 05/03/2024).", q(whole)),
    )
}

/// Parses the date in `part`; messages quote `whole`.
fn date_in(part: &str, whole: &str) -> Result<NaiveDate, ValueError> {
    let folded = fold(part);
    let f = folded.strip_prefix("ngay").map(str::trim_start).unwrap_or(&folded);
    let toks: Vec<&str> = f.split_whitespace().collect();
    let (d, m, y) = match toks.as_slice() {
        [d, "thang", m, "nam", y] => (*d, *m, *y),
        [one] => {
            let sep = one.chars().find(|c| !c.is_ascii_digit()).ok_or_else(|| date_shape_error(whole))?;
            if !matches!(sep, '/' | '-' | '.') {
                return Err(date_shape_error(whole));
            }
            let parts: Vec<&str> = one.split(sep).collect();
            let [a, b, c] = parts.as_slice() else { return Err(date_shape_error(whole)) };
            if a.len() == 4 {
                (*c, *b, *a)
            } else {
                (*a, *b, *c)
            }
        }
        _ => return Err(date_shape_error(whole)),
    };
    let ok = |x: &str, n: usize| all_digits(x) && x.len() <= n;
    if !ok(d, 2) || !ok(m, 2) || !all_digits(y) {
        return Err(date_shape_error(whole));
    }
    if y.len() != 4 {
        return Err(ValueError::new(
            "date_year",
            format!("{}: năm cần đủ 4 chữ số (ví dụ 2024, không viết 24).", q(whole)),
            format!("{}: the year needs all 4 digits (e.g. 2024, not 24).", q(whole)),
        ));
    }
    let (d, m, y): (u32, u32, i32) = (d.parse().unwrap_or(0), m.parse().unwrap_or(0), y.parse().unwrap_or(0));
    if !(1800..=2200).contains(&y) {
        return Err(ValueError::new(
            "date_range",
            format!("{}: năm {y} nằm ngoài khoảng 1800–2200.", q(whole)),
            format!("{}: the year {y} is outside 1800–2200.", q(whole)),
        ));
    }
    let invalid = |vi: String, en: String| {
        ValueError::new(
            "date_invalid",
            format!("{} không phải ngày hợp lệ ({vi}).", q(whole)),
            format!("{} is not a valid date ({en}).", q(whole)),
        )
    };
    if !(1..=12).contains(&m) {
        return Err(invalid(
            format!("không có tháng {m}; ngày viết trước tháng: dd/mm/yyyy"),
            format!("there is no month {m}; the day comes first: dd/mm/yyyy"),
        ));
    }
    if d == 0 || d > 31 {
        return Err(invalid(format!("không có ngày {d}"), format!("there is no day {d}")));
    }
    if d > days_in_month(y, m) {
        return Err(if m == 2 && d == 29 {
            invalid(
                format!("năm {y} không nhuận nên tháng 2 không có ngày 29"),
                format!("{y} is not a leap year, so February has no 29th"),
            )
        } else {
            invalid(
                format!("tháng {m} không có ngày {d}"),
                format!("{} has no {}", MONTHS_EN[m as usize - 1], ordinal(d)),
            )
        });
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| date_shape_error(whole))
}

/// A calendar date, day first: `dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy`, ISO
/// `yyyy-mm-dd`, `yyyy/mm/dd`, and `ngày 5 tháng 3 năm 2024` (with or without diacritics).
/// `03/25/2024` is refused (there is no month 25), never read month first. Two-digit years are
/// refused because the century cannot be guessed safely; years must be 1800–2200. Excel serial
/// numbers are not accepted: the caller converts those.
pub fn parse_date(s: &str) -> Result<NaiveDate, ValueError> {
    if s.is_empty() {
        return Err(empty("date", "một ngày (dd/mm/yyyy)", "a date (dd/mm/yyyy)"));
    }
    date_in(s, s)
}

fn time_error(whole: &str) -> ValueError {
    ValueError::new(
        "datetime",
        format!("{} không phải thời điểm hợp lệ (ví dụ: 05/03/2024 14:30 hoặc 2024-03-05T14:30:00).", q(whole)),
        format!("{} is not a valid date and time (e.g. 05/03/2024 14:30 or 2024-03-05T14:30:00).", q(whole)),
    )
}

/// `AM`/`SA` (sáng) → `Some(false)`, `PM`/`CH` (chiều) → `Some(true)`.
fn am_pm(tok: &str) -> Option<bool> {
    match tok.to_ascii_lowercase().as_str() {
        "am" | "a.m." | "sa" => Some(false),
        "pm" | "p.m." | "ch" => Some(true),
        _ => None,
    }
}

fn looks_like_time(tok: &str) -> bool {
    let b = tok.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() || tok.contains('/') {
        return false;
    }
    if tok.contains(':') {
        return true;
    }
    // 14h30, 14h, 9g15
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    (1..=2).contains(&digits)
        && matches!(b.get(digits), Some(b'h' | b'g' | b'H' | b'G'))
        && b[digits + 1..].iter().all(u8::is_ascii_digit)
        && b.len() - digits - 1 <= 2
}

/// Parses `HH:MM`, `HH:MM:SS(.fff)`, `14h30`, `14h` with an optional `Z`/`±hh:mm` offset;
/// returns the time and the offset in seconds east of UTC.
fn time_in(t: &str, pm: Option<bool>, whole: &str) -> Result<(NaiveTime, Option<i32>), ValueError> {
    let err = || time_error(whole);
    let (clock, offset) = if let Some(c) = t.strip_suffix(['Z', 'z']) {
        (c, Some(0))
    } else if let Some(pos) = t.rfind(['+', '-']).filter(|&p| p > 0) {
        let (c, off) = t.split_at(pos);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let digits: String = off[1..].chars().filter(|&c| c != ':').collect();
        if !all_digits(&digits) || !matches!(digits.len(), 2 | 4) {
            return Err(err());
        }
        let h: i32 = digits[..2].parse().map_err(|_| err())?;
        let m: i32 = if digits.len() == 4 { digits[2..].parse().map_err(|_| err())? } else { 0 };
        if h > 14 || m > 59 {
            return Err(err());
        }
        (c, Some(sign * (h * 3600 + m * 60)))
    } else {
        (t, None)
    };
    let (h, m, sec) = if clock.contains(':') {
        let parts: Vec<&str> = clock.split(':').collect();
        match parts.as_slice() {
            [h, m] => (*h, *m, None),
            [h, m, s] => (*h, *m, Some(*s)),
            _ => return Err(err()),
        }
    } else {
        let (h, m) = clock.split_once(['h', 'g', 'H', 'G']).ok_or_else(err)?;
        (h, if m.is_empty() { "00" } else { m }, None)
    };
    if !all_digits(h) || h.len() > 2 || !all_digits(m) || m.len() != 2 {
        return Err(err());
    }
    let (mut hour, minute): (u32, u32) = (h.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?);
    let (second, nano) = match sec {
        None => (0, 0),
        Some(s) => {
            let (whole_s, frac) = s.split_once(['.', ',']).unwrap_or((s, ""));
            if !all_digits(whole_s) || whole_s.len() != 2 || !(frac.is_empty() || all_digits(frac)) {
                return Err(err());
            }
            let mut f = frac.to_string();
            f.truncate(9);
            while f.len() < 9 {
                f.push('0');
            }
            (whole_s.parse().map_err(|_| err())?, f.parse().map_err(|_| err())?)
        }
    };
    if let Some(pm) = pm {
        if !(1..=12).contains(&hour) {
            return Err(err());
        }
        hour = match (pm, hour) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(ValueError::new(
            "datetime",
            format!("{}: giờ phải từ 00:00:00 đến 23:59:59.", q(whole)),
            format!("{}: the time must be between 00:00:00 and 23:59:59.", q(whole)),
        ));
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nano).ok_or_else(err)?;
    Ok((time, offset))
}

/// A date and time in Vietnam local time: `dd/mm/yyyy HH:MM`, `dd/mm/yyyy HH:MM:SS`,
/// `HH:MM dd/mm/yyyy`, `14h30 05/03/2024`, ISO `yyyy-mm-ddTHH:MM:SS`; an `AM`/`PM` (or the
/// Vietnamese Windows `SA`/`CH`) may follow the time. A `Z` or `±hh:mm` offset is converted to
/// Vietnam time (UTC+7). A bare date means 00:00.
pub fn parse_datetime(s: &str) -> Result<NaiveDateTime, ValueError> {
    if s.is_empty() {
        return Err(empty("datetime", "ngày giờ (dd/mm/yyyy HH:MM)", "a date and time (dd/mm/yyyy HH:MM)"));
    }
    let b = s.as_bytes();
    let (date, time) = if b.len() > 10 && matches!(b[10], b'T' | b't') && b[..4].iter().all(u8::is_ascii_digit) {
        (date_in(&s[..10], s)?, time_in(&s[11..], None, s)?)
    } else {
        let toks: Vec<&str> = s.split_whitespace().filter(|t| !matches!(fold(t).as_str(), "luc" | ",")).collect();
        let n = toks.len();
        let (time_tok, pm, date_toks): (Option<&str>, Option<bool>, &[&str]) = if n >= 2 && looks_like_time(toks[0]) {
            match am_pm(toks[1]) {
                Some(pm) => (Some(toks[0]), Some(pm), &toks[2..]),
                None => (Some(toks[0]), None, &toks[1..]),
            }
        } else if n >= 3 && am_pm(toks[n - 1]).is_some() && looks_like_time(toks[n - 2]) {
            (Some(toks[n - 2]), am_pm(toks[n - 1]), &toks[..n - 2])
        } else if n >= 2 && looks_like_time(toks[n - 1]) {
            (Some(toks[n - 1]), None, &toks[..n - 1])
        } else {
            (None, None, &toks[..])
        };
        if date_toks.is_empty() {
            return Err(time_error(s));
        }
        let date_str = date_toks.join(" ").trim_end_matches(',').to_string();
        let date = date_in(&date_str, s)?;
        let time = match time_tok {
            Some(t) => time_in(t.trim_end_matches(','), pm, s)?,
            None => (NaiveTime::MIN, None),
        };
        (date, time)
    };
    let (clock, offset) = time;
    let local = date.and_time(clock);
    Ok(match offset {
        Some(secs) => local - TimeDelta::seconds(i64::from(secs)) + TimeDelta::hours(7),
        None => local,
    })
}

// ---------------------------------------------------------------------------------------------
// Booleans
// ---------------------------------------------------------------------------------------------

/// Yes/no: `có`/`không`, `co`/`khong`, `c`/`k`, `đúng`/`sai`, `đã`/`chưa`, `x` (ticked), `✓`,
/// `1`/`0`, `true`/`false`, `yes`/`no`, `y`/`n`; any case. An empty cell is the caller's business.
pub fn parse_bool(s: &str) -> Result<bool, ValueError> {
    match fold(s).as_str() {
        "co" | "c" | "dung" | "da" | "x" | "✓" | "✔" | "1" | "true" | "yes" | "y" => Ok(true),
        "khong" | "k" | "sai" | "chua" | "0" | "false" | "no" | "n" => Ok(false),
        _ => Err(ValueError::new(
            "boolean",
            format!("{} không phải giá trị có/không (dùng: có/không, đúng/sai, đã/chưa, x, 1/0).", q(s)),
            format!("{} is not a yes/no value (use: có/không, đúng/sai, đã/chưa, x, 1/0, yes/no).", q(s)),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Căn cước công dân
// ---------------------------------------------------------------------------------------------

/// The 63 provinces before 1 July 2025, by the three-digit code that opens a CCCD number (the
/// legacy GSO province code, zero-padded). Every current province code is one of them.
pub const CCCD_PROVINCES: [(&str, &str); 63] = [
    ("001", "Hà Nội"),
    ("002", "Hà Giang"),
    ("004", "Cao Bằng"),
    ("006", "Bắc Kạn"),
    ("008", "Tuyên Quang"),
    ("010", "Lào Cai"),
    ("011", "Điện Biên"),
    ("012", "Lai Châu"),
    ("014", "Sơn La"),
    ("015", "Yên Bái"),
    ("017", "Hoà Bình"),
    ("019", "Thái Nguyên"),
    ("020", "Lạng Sơn"),
    ("022", "Quảng Ninh"),
    ("024", "Bắc Giang"),
    ("025", "Phú Thọ"),
    ("026", "Vĩnh Phúc"),
    ("027", "Bắc Ninh"),
    ("030", "Hải Dương"),
    ("031", "Hải Phòng"),
    ("033", "Hưng Yên"),
    ("034", "Thái Bình"),
    ("035", "Hà Nam"),
    ("036", "Nam Định"),
    ("037", "Ninh Bình"),
    ("038", "Thanh Hóa"),
    ("040", "Nghệ An"),
    ("042", "Hà Tĩnh"),
    ("044", "Quảng Bình"),
    ("045", "Quảng Trị"),
    ("046", "Huế"),
    ("048", "Đà Nẵng"),
    ("049", "Quảng Nam"),
    ("051", "Quảng Ngãi"),
    ("052", "Bình Định"),
    ("054", "Phú Yên"),
    ("056", "Khánh Hòa"),
    ("058", "Ninh Thuận"),
    ("060", "Bình Thuận"),
    ("062", "Kon Tum"),
    ("064", "Gia Lai"),
    ("066", "Đắk Lắk"),
    ("067", "Đắk Nông"),
    ("068", "Lâm Đồng"),
    ("070", "Bình Phước"),
    ("072", "Tây Ninh"),
    ("074", "Bình Dương"),
    ("075", "Đồng Nai"),
    ("077", "Bà Rịa - Vũng Tàu"),
    ("079", "Hồ Chí Minh"),
    ("080", "Long An"),
    ("082", "Tiền Giang"),
    ("083", "Bến Tre"),
    ("084", "Trà Vinh"),
    ("086", "Vĩnh Long"),
    ("087", "Đồng Tháp"),
    ("089", "An Giang"),
    ("091", "Kiên Giang"),
    ("092", "Cần Thơ"),
    ("093", "Hậu Giang"),
    ("094", "Sóc Trăng"),
    ("095", "Bạc Liêu"),
    ("096", "Cà Mau"),
];

/// A citizen identity number (số căn cước / CCCD): 12 digits — province of birth registration
/// (3), century and sex (1), last two digits of the birth year (2), serial (6).
/// `Debug` shows it masked; use [`Cccd::as_str`] for the full number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cccd(String);

impl fmt::Debug for Cccd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cccd({})", self.masked())
    }
}

impl Cccd {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The three-digit province code, e.g. `079` (Hồ Chí Minh).
    pub fn province_code(&self) -> &str {
        &self.0[..3]
    }
    /// The name of the (pre-2025) province of the code.
    pub fn province_name(&self) -> &'static str {
        CCCD_PROVINCES.iter().find(|(c, _)| *c == self.province_code()).map(|(_, n)| *n).unwrap_or("")
    }
    fn century_digit(&self) -> i32 {
        i32::from(self.0.as_bytes()[3] - b'0')
    }
    /// The year of birth: the 4th digit gives century and sex (0/1 → 1900s, 2/3 → 2000s,
    /// 4/5 → 2100s), the 5th and 6th the last two digits of the year.
    pub fn birth_year(&self) -> i32 {
        let yy: i32 = self.0[4..6].parse().unwrap_or(0);
        1900 + 100 * (self.century_digit() / 2) + yy
    }
    /// Odd century digits are women.
    pub fn is_female(&self) -> bool {
        self.century_digit() % 2 == 1
    }
    /// First three and last three digits: `079******123`.
    pub fn masked(&self) -> String {
        format!("{}******{}", &self.0[..3], &self.0[9..])
    }
}

/// A CCCD number; spaces, dots and dashes inside are dropped (`079 203 001 123`).
pub fn parse_cccd(s: &str) -> Result<Cccd, ValueError> {
    if s.is_empty() {
        return Err(empty("cccd_length", "số căn cước 12 chữ số", "a 12-digit citizen ID number"));
    }
    let mut digits = String::with_capacity(12);
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if !(is_space(c) || matches!(c, '.' | '-')) {
            return Err(ValueError::new(
                "cccd_digits",
                format!("{}: số căn cước chỉ gồm chữ số.", q(s)),
                format!("{}: a citizen ID number has digits only.", q(s)),
            ));
        }
    }
    match digits.len() {
        12 => {}
        9 => {
            return Err(ValueError::new(
                "cccd_length",
                format!(
                    "{} có 9 chữ số: đây là số chứng minh nhân dân (CMND) cũ, không phải số căn cước 12 chữ số.",
                    q(s)
                ),
                format!("{} has 9 digits: it is an old identity card (CMND) number, not a 12-digit citizen ID.", q(s)),
            ))
        }
        n => {
            return Err(ValueError::new(
                "cccd_length",
                format!("{}: số căn cước phải có đúng 12 chữ số (đang có {n}).", q(s)),
                format!("{}: a citizen ID number has exactly 12 digits (this one has {n}).", q(s)),
            ))
        }
    }
    let cccd = Cccd(digits);
    if cccd.province_name().is_empty() {
        return Err(ValueError::new(
            "cccd_province",
            format!("{}: mã tỉnh {} ở 3 chữ số đầu không tồn tại.", q(s), cccd.province_code()),
            format!("{}: the province code {} in the first 3 digits does not exist.", q(s), cccd.province_code()),
        ));
    }
    if cccd.century_digit() > 5 {
        return Err(ValueError::new(
            "cccd_century",
            format!("{}: chữ số thứ 4 ({}) chỉ thế kỷ sinh không thể có (chỉ 0–5).", q(s), cccd.century_digit()),
            format!(
                "{}: the 4th digit ({}) gives an impossible century of birth (only 0–5).",
                q(s),
                cccd.century_digit()
            ),
        ));
    }
    Ok(cccd)
}

// ---------------------------------------------------------------------------------------------
// Mã số thuế
// ---------------------------------------------------------------------------------------------

const MST_WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/// The check digit of a 10-digit MST from its first nine digits: 10 − (Σ wᵢdᵢ mod 11) with
/// weights 31 29 23 19 17 13 7 5 3; `None` when that is 10 (no valid number has those digits).
fn mst_check_digit(first9: &[u8]) -> Option<u8> {
    let sum: u32 = first9.iter().zip(MST_WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    let check = 10 - sum % 11;
    (check < 10).then_some(check as u8)
}

/// A tax code (mã số thuế): 10 digits, or 13 for a branch as `0101234567-001` or
/// `0101234567001`; returned as `0101234567` or `0101234567-001`. The 10th digit is checked.
pub fn parse_mst(s: &str) -> Result<String, ValueError> {
    if s.is_empty() {
        return Err(empty("mst_length", "mã số thuế", "a tax code"));
    }
    let compact: String = s.chars().filter(|&c| !is_space(c)).collect();
    let (main, branch) = match compact.split_once('-') {
        Some((m, b)) => (m.to_string(), Some(b.to_string())),
        None if compact.len() == 13 && all_digits(&compact) => {
            (compact[..10].to_string(), Some(compact[10..].to_string()))
        }
        None => (compact.clone(), None),
    };
    let shape_ok =
        main.len() == 10 && all_digits(&main) && branch.as_deref().is_none_or(|b| b.len() == 3 && all_digits(b));
    if !shape_ok {
        return Err(ValueError::new(
            "mst_length",
            format!("{}: mã số thuế gồm 10 chữ số, hoặc 13 chữ số với mã chi nhánh (0101234567-001).", q(s)),
            format!("{}: a tax code has 10 digits, or 13 with a branch number (0101234567-001).", q(s)),
        ));
    }
    let b = main.as_bytes();
    if mst_check_digit(&b[..9]) != Some(b[9] - b'0') {
        return Err(ValueError::new(
            "mst_checksum",
            format!("{}: sai chữ số kiểm tra (chữ số thứ 10); có thể gõ nhầm một chữ số.", q(s)),
            format!("{}: the check digit (10th digit) is wrong; a digit may be mistyped.", q(s)),
        ));
    }
    match branch {
        Some(b) if b == "000" => Err(ValueError::new(
            "mst_branch",
            format!("{}: mã chi nhánh phải từ 001 đến 999.", q(s)),
            format!("{}: the branch number must be 001 to 999.", q(s)),
        )),
        Some(b) => Ok(format!("{main}-{b}")),
        None => Ok(main),
    }
}

// ---------------------------------------------------------------------------------------------
// Phone numbers and e-mail
// ---------------------------------------------------------------------------------------------

fn phone_error(s: &str) -> ValueError {
    ValueError::new(
        "phone",
        format!(
            "{} không phải số điện thoại Việt Nam: số di động có 10 chữ số bắt đầu bằng 03, 05, 07, 08 hoặc 09; \
             số cố định có 11 chữ số bắt đầu bằng 02 (có thể viết +84 thay cho số 0 đầu).",
            q(s)
        ),
        format!(
            "{} is not a Vietnamese phone number: a mobile has 10 digits starting with 03, 05, 07, 08 or 09; \
             a landline has 11 digits starting with 02 (+84 may replace the leading 0).",
            q(s)
        ),
    )
}

/// A Vietnamese phone number in the national form `0xxxxxxxxx`: spaces, dots, dashes and
/// parentheses are dropped; `+84`, `0084` and `84` become `0`. Mobiles have 10 digits starting
/// 03/05/07/08/09, landlines 11 digits starting 02. A number whose leading 0 was lost (Excel
/// stores phone numbers as numbers) — 9 digits starting 3/5/7/8/9, or 10 starting 2 — gets it back.
pub fn parse_phone(s: &str) -> Result<String, ValueError> {
    if s.is_empty() {
        return Err(empty("phone", "số điện thoại", "a phone number"));
    }
    let mut digits = String::with_capacity(12);
    let mut plus = false;
    for (i, c) in s.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => plus = true,
            '.' | '-' | '(' | ')' | '/' => {}
            c if is_space(c) => {}
            _ => return Err(phone_error(s)),
        }
    }
    let national = if plus || digits.starts_with("0084") {
        let rest = if plus { digits.strip_prefix("84") } else { digits.strip_prefix("0084") };
        let Some(rest) = rest else {
            return Err(ValueError::new(
                "phone",
                format!("{}: chỉ nhận số điện thoại Việt Nam (+84).", q(s)),
                format!("{}: only Vietnamese numbers (+84) are accepted.", q(s)),
            ));
        };
        format!("0{}", rest.strip_prefix('0').unwrap_or(rest))
    } else if digits.starts_with("84") && matches!(digits.len(), 11 | 12) {
        format!("0{}", &digits[2..])
    } else if (digits.len() == 9 && matches!(digits.as_bytes()[0], b'3' | b'5' | b'7' | b'8' | b'9'))
        || (digits.len() == 10 && digits.starts_with('2'))
    {
        format!("0{digits}")
    } else {
        digits
    };
    let b = national.as_bytes();
    let mobile = b.len() == 10 && b[0] == b'0' && matches!(b[1], b'3' | b'5' | b'7' | b'8' | b'9');
    let landline = b.len() == 11 && national.starts_with("02");
    if mobile || landline {
        Ok(national)
    } else if b.len() == 11 && national.starts_with("01") {
        Err(ValueError::new(
            "phone",
            format!("{}: số di động 11 số đầu 01 là số cũ, đã đổi sang 10 số từ năm 2018 (ví dụ 0162… → 032…).", q(s)),
            format!(
                "{}: 11-digit mobiles starting 01 are old numbers, changed to 10 digits in 2018 (e.g. 0162… → 032…).",
                q(s)
            ),
        ))
    } else {
        Err(phone_error(s))
    }
}

/// Masks a phone number for display: first two and last two digits, `0912345612` → `09******12`.
pub fn mask_phone(s: &str) -> String {
    let n = s.chars().count();
    if n <= 4 {
        return "*".repeat(n);
    }
    let head: String = s.chars().take(2).collect();
    let tail: String = s.chars().skip(n - 2).collect();
    format!("{head}{}{tail}", "*".repeat(n - 4))
}

/// An e-mail address, pragmatically: one `@`, a local part without spaces or special
/// characters, a domain of at least two dot-separated labels of letters, digits and hyphens
/// with an alphabetic top-level label. The domain is lower-cased; `mailto:` is dropped.
pub fn parse_email(s: &str) -> Result<String, ValueError> {
    if s.is_empty() {
        return Err(empty("email", "địa chỉ thư điện tử", "an e-mail address"));
    }
    let bad = |vi: &str, en: &str| {
        ValueError::new(
            "email",
            format!("{} không phải địa chỉ thư điện tử hợp lệ ({vi}).", q(s)),
            format!("{} is not a valid e-mail address ({en}).", q(s)),
        )
    };
    let addr = s.strip_prefix("mailto:").unwrap_or(s);
    let mut parts = addr.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("cần đúng một dấu @", "exactly one @ is required"));
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.bytes().all(|b| b.is_ascii_graphic() && !b"(),:;<>[\\]\"".contains(&b))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    if !local_ok {
        return Err(bad(
            "phần trước @ rỗng hoặc có khoảng trắng, dấu hay ký tự đặc biệt",
            "the part before @ is empty or has spaces, accents or special characters",
        ));
    }
    let domain = domain.to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.len() >= 2 && (t.bytes().all(|b| b.is_ascii_alphabetic()) || t.starts_with("xn--")));
    if labels.len() < 2 || !labels.iter().all(label_ok) || !tld_ok || domain.len() > 253 {
        return Err(bad(
            "tên miền sau @ không hợp lệ, ví dụ đúng: ten@gialai.gov.vn",
            "the domain after @ is invalid; a valid one: name@gialai.gov.vn",
        ));
    }
    Ok(format!("{local}@{domain}"))
}

// ---------------------------------------------------------------------------------------------
// Points
// ---------------------------------------------------------------------------------------------

/// A coordinate: optional sign, digits, at most one decimal mark (`.` or `,`).
fn coordinate(s: &str) -> Option<f64> {
    let (neg, body) = split_sign(s.trim());
    let body = body.replace(',', ".");
    let (a, b) = body.split_once('.').unwrap_or((&body, ""));
    let ok =
        (all_digits(a) || (a.is_empty() && !b.is_empty())) && (b.is_empty() || all_digits(b)) && !body.ends_with('.');
    if !ok {
        return None;
    }
    let v: f64 = body.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// A point as (latitude, longitude): `10.7769, 106.7009`, `10.7769 106.7009`,
/// `10,7769; 106,7009` (decimal commas when `;` separates), `(10.7769, 106.7009)`, or WKT
/// `POINT(106.7009 10.7769)` (longitude first, as WKT has it).
pub fn parse_point(s: &str) -> Result<(f64, f64), ValueError> {
    if s.is_empty() {
        return Err(empty("point", "toạ độ (vĩ độ, kinh độ)", "a point (latitude, longitude)"));
    }
    let bad = || {
        ValueError::new(
            "point",
            format!("{} không phải toạ độ (ví dụ: 13.9833, 108.0000 hoặc POINT(108.0000 13.9833)).", q(s)),
            format!("{} is not a point (e.g. 13.9833, 108.0000 or POINT(108.0000 13.9833)).", q(s)),
        )
    };
    let upper = s.to_ascii_uppercase();
    let (first, second, wkt) = if let Some(inner) = upper.strip_prefix("POINT") {
        let inner = inner.trim().strip_prefix('(').and_then(|r| r.strip_suffix(')')).ok_or_else(bad)?;
        let mut it = inner.split_whitespace();
        let (Some(x), Some(y), None) = (it.next(), it.next(), it.next()) else { return Err(bad()) };
        (x.to_string(), y.to_string(), true)
    } else {
        let t = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')).unwrap_or(s).trim();
        let (a, b) = if t.contains(';') {
            t.split_once(';').ok_or_else(bad)?
        } else if t.matches(", ").count() == 1 {
            t.split_once(", ").ok_or_else(bad)?
        } else if t.matches(',').count() == 1 {
            t.split_once(',').ok_or_else(bad)?
        } else {
            let mut it = t.split_whitespace();
            let (Some(a), Some(b), None) = (it.next(), it.next(), it.next()) else { return Err(bad()) };
            (a, b)
        };
        if !wkt_free(a) || !wkt_free(b) {
            return Err(bad());
        }
        (a.to_string(), b.to_string(), false)
    };
    let (x, y) = (coordinate(&first).ok_or_else(bad)?, coordinate(&second).ok_or_else(bad)?);
    let (lat, lon) = if wkt { (y, x) } else { (x, y) };
    if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
        return Ok((lat, lon));
    }
    let hint = if !wkt && (-90.0..=90.0).contains(&lon) && (-180.0..=180.0).contains(&lat) {
        (
            "; có lẽ đã đảo thứ tự: vĩ độ viết trước, kinh độ sau",
            "; the order may be swapped: latitude comes first, then longitude",
        )
    } else {
        ("", "")
    };
    Err(ValueError::new(
        "point",
        format!("{}: vĩ độ phải trong −90…90 và kinh độ trong −180…180{}.", q(s), hint.0),
        format!("{}: latitude must be within −90…90 and longitude within −180…180{}.", q(s), hint.1),
    ))
}

fn wkt_free(part: &str) -> bool {
    !part.trim().is_empty() && !part.trim().contains(char::is_whitespace)
}

// ---------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------

/// Folds a column header for matching against field names: lower case, no diacritics
/// (`đ` → `d`), every run of other characters → `_`, no `_` at the ends.
/// `"Số điện thoại (di động)"` → `so_dien_thoai_di_dong`.
pub fn fold_header(s: &str) -> String {
    let folded = fold(s);
    let mut out = String::with_capacity(folded.len());
    let mut gap = false;
    for c in folded.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rule<T: fmt::Debug>(r: Result<T, ValueError>) -> &'static str {
        r.expect_err("expected an error").rule
    }

    #[test]
    fn integers() {
        for (s, v) in [
            ("0", 0),
            ("42", 42),
            ("007", 7),
            ("-12", -12),
            ("+5", 5),
            ("1.234.567", 1_234_567),
            ("1 234 567", 1_234_567),
            ("1\u{a0}234", 1234),
            ("1,234,567", 1_234_567),
            ("1.234", 1234),
            ("-1.000", -1000),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
            ("-9.223.372.036.854.775.808", i64::MIN),
        ] {
            assert_eq!(parse_integer(s), Ok(v), "{s}");
        }
        for s in [
            "",
            "12abc",
            "1.5",
            "1,5",
            "abc",
            "-",
            "+",
            "1.23.456",
            "1..234",
            "1.234,567",
            "1,234.567",
            "12 34",
            ".123",
            "1.2345",
        ] {
            assert!(parse_integer(s).is_err(), "{s} should fail");
        }
        assert_eq!(rule(parse_integer("9223372036854775808")), "integer_range");
        assert_eq!(rule(parse_integer("99999999999999999999999")), "integer_range");
        assert_eq!(rule(parse_integer("12abc")), "integer");
        let e = parse_integer("1.5").unwrap_err();
        assert!(e.vi.contains("“1.5”") && e.en.contains("“1.5”"), "{e}");
    }

    #[test]
    fn decimals() {
        for (s, v) in [
            ("1.234,56", 1234.56),
            ("3,5", 3.5),
            ("1.234", 1234.0),
            ("12.5", 12.5),
            ("1,234,567.89", 1_234_567.89),
            ("1.234.567", 1_234_567.0),
            ("1.234.567,5", 1_234_567.5),
            ("0.125", 0.125),
            ("0,125", 0.125),
            ("1,234", 1.234),
            ("12,5%", 12.5),
            ("12,5 %", 12.5),
            ("-3,25", -3.25),
            ("+7", 7.0),
            (",5", 0.5),
            ("1 234,5", 1234.5),
            ("1.2345", 1.2345),
            ("42", 42.0),
        ] {
            let got = parse_decimal(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert!((got - v).abs() < 1e-9, "{s} → {got}, expected {v}");
        }
        for s in [
            "",
            "abc",
            "1,2,3",
            "NaN",
            "inf",
            "-inf",
            "1.2.3,4,5",
            "1,2.3,4",
            "1e5",
            "12,",
            "1.",
            ".",
            "1.23.4",
            "--1",
            "1 2",
        ] {
            assert_eq!(rule(parse_decimal(s)), "decimal", "{s}");
        }
    }

    #[test]
    fn money() {
        for (s, v) in [
            ("1.234.567", 1_234_567),
            ("1.234.567 đ", 1_234_567),
            ("1.234.567đ", 1_234_567),
            ("1.234.567 VND", 1_234_567),
            ("1.234.567 VNĐ", 1_234_567),
            ("1.234.567 đồng", 1_234_567),
            ("1.234.567₫", 1_234_567),
            ("VND 1.000", 1000),
            ("1,2 tỷ", 1_200_000_000),
            ("1,2 tỉ", 1_200_000_000),
            ("350 triệu", 350_000_000),
            ("350tr", 350_000_000),
            ("4,5 tỷ đồng", 4_500_000_000),
            ("12 nghìn", 12_000),
            ("12 ngàn", 12_000),
            ("12k", 12_000),
            ("12K", 12_000),
            ("1 tỷ 200 triệu", 1_200_000_000),
            ("1 tỷ 200 triệu 500 nghìn", 1_200_500_000),
            ("1 triệu 500 đồng", 1_000_500),
            ("2.5 tỷ", 2_500_000_000),
            ("2 TY", 2_000_000_000),
            ("1,5 trieu", 1_500_000),
            ("1 234 567 đ", 1_234_567),
            ("1.234.567,50 đ", 1_234_568),
            ("1.234.567,49", 1_234_567),
            ("-500.000 đ", -500_000),
            ("-1,5 triệu", -1_500_000),
            ("0", 0),
            ("1,2345678 tỷ", 1_234_567_800),
        ] {
            assert_eq!(parse_money(s), Ok(v), "{s}");
        }
        for s in
            ["", "abc", "tỷ", "1,2,3 tỷ", "200 triệu 1 tỷ", "1 tỷ tỷ", "1tr2", "1 2", "12 usd", "đ", "1 tỷ 200", "$100"]
        {
            assert_eq!(rule(parse_money(s)), "money", "{s}");
        }
        assert_eq!(rule(parse_money("99999999999 tỷ")), "money");
        assert!(parse_money("1tr2").unwrap_err().vi.contains("1,2 triệu"));
    }

    #[test]
    fn dates() {
        for (s, d) in [
            ("05/03/2024", day(2024, 3, 5)),
            ("5/3/2024", day(2024, 3, 5)),
            ("05-03-2024", day(2024, 3, 5)),
            ("05.03.2024", day(2024, 3, 5)),
            ("2024-03-05", day(2024, 3, 5)),
            ("2024/03/05", day(2024, 3, 5)),
            ("ngày 5 tháng 3 năm 2024", day(2024, 3, 5)),
            ("Ngày 05 tháng 03 năm 2024", day(2024, 3, 5)),
            ("ngay 5 thang 3 nam 2024", day(2024, 3, 5)),
            ("5 tháng 3 năm 2024", day(2024, 3, 5)),
            ("ngày 05/03/2024", day(2024, 3, 5)),
            ("29/02/2024", day(2024, 2, 29)),
            ("31/12/1800", day(1800, 12, 31)),
            ("01/01/2200", day(2200, 1, 1)),
            ("12/03/2024", day(2024, 3, 12)),
        ] {
            assert_eq!(parse_date(s), Ok(d), "{s}");
        }
        let e = parse_date("31/02/2024").unwrap_err();
        assert_eq!(e.rule, "date_invalid");
        assert_eq!(e.vi, "“31/02/2024” không phải ngày hợp lệ (tháng 2 không có ngày 31).");
        assert_eq!(e.en, "“31/02/2024” is not a valid date (February has no 31st).");
        let e = parse_date("31/04/2024").unwrap_err();
        assert!(e.en.contains("April has no 31st"), "{}", e.en);
        let e = parse_date("29/02/2023").unwrap_err();
        assert!(e.vi.contains("năm 2023 không nhuận") && e.en.contains("2023 is not a leap year"), "{e}");
        let e = parse_date("03/25/2024").unwrap_err();
        assert_eq!(e.rule, "date_invalid");
        assert!(e.vi.contains("không có tháng 25") && e.en.contains("day comes first"), "{e}");
        assert_eq!(rule(parse_date("00/03/2024")), "date_invalid");
        assert_eq!(rule(parse_date("32/01/2024")), "date_invalid");
        assert_eq!(rule(parse_date("05/03/24")), "date_year");
        assert_eq!(rule(parse_date("05/03/1799")), "date_range");
        assert_eq!(rule(parse_date("01/01/2201")), "date_range");
        for s in [
            "",
            "hôm qua",
            "05/03",
            "05/03-2024",
            "45356",
            "2024-3",
            "5 tháng 3 2024",
            "05/03/2024 10:00",
            "1/1/20245",
            "a/b/2024",
        ] {
            assert!(parse_date(s).is_err(), "{s} should fail");
        }
        assert_eq!(ordinal(1), "1st");
        assert_eq!(ordinal(2), "2nd");
        assert_eq!(ordinal(3), "3rd");
        assert_eq!(ordinal(11), "11th");
        assert_eq!(ordinal(12), "12th");
        assert_eq!(ordinal(22), "22nd");
        assert_eq!(ordinal(30), "30th");
    }

    #[test]
    fn datetimes() {
        let at = |d: NaiveDate, h: u32, m: u32, s: u32| d.and_hms_opt(h, m, s).unwrap();
        let d = day(2024, 3, 5);
        for (s, v) in [
            ("05/03/2024 14:30", at(d, 14, 30, 0)),
            ("05/03/2024 14:30:15", at(d, 14, 30, 15)),
            ("5/3/2024 7:05", at(d, 7, 5, 0)),
            ("14:30 05/03/2024", at(d, 14, 30, 0)),
            ("14h30 05/03/2024", at(d, 14, 30, 0)),
            ("14h 05/03/2024", at(d, 14, 0, 0)),
            ("14:30 ngày 05/03/2024", at(d, 14, 30, 0)),
            ("lúc 14:30 ngày 5 tháng 3 năm 2024", at(d, 14, 30, 0)),
            ("2024-03-05T14:30:00", at(d, 14, 30, 0)),
            ("2024-03-05T14:30", at(d, 14, 30, 0)),
            ("2024-03-05 14:30:00", at(d, 14, 30, 0)),
            ("2024-03-05T07:30:00Z", at(d, 14, 30, 0)),
            ("2024-03-05T14:30:00+07:00", at(d, 14, 30, 0)),
            ("2024-03-05T16:30:00+09:00", at(d, 14, 30, 0)),
            ("2024-03-05T02:30:00-05:00", at(d, 14, 30, 0)),
            ("2024-03-05T14:30:00+0700", at(d, 14, 30, 0)),
            ("2024-03-05T20:00:00Z", at(day(2024, 3, 6), 3, 0, 0)),
            ("05/03/2024", at(d, 0, 0, 0)),
            ("05/03/2024 2:30 CH", at(d, 14, 30, 0)),
            ("05/03/2024 2:30:00 PM", at(d, 14, 30, 0)),
            ("05/03/2024 12:10 SA", at(d, 0, 10, 0)),
            ("05/03/2024 12:10 PM", at(d, 12, 10, 0)),
        ] {
            assert_eq!(parse_datetime(s), Ok(v), "{s}");
        }
        let frac = parse_datetime("2024-03-05T14:30:00.250").unwrap();
        assert_eq!(frac.and_utc().timestamp_subsec_millis(), 250);
        for s in [
            "",
            "14:30",
            "05/03/2024 25:00",
            "05/03/2024 14:60",
            "05/03/2024 14:30:61",
            "31/02/2024 10:00",
            "05/03/2024 13:00 PM",
            "2024-03-05T14:30:00+25:00",
            "05/03/2024 14:3",
            "abc 14:30",
        ] {
            assert!(parse_datetime(s).is_err(), "{s} should fail");
        }
        assert_eq!(rule(parse_datetime("31/02/2024 10:00")), "date_invalid");
        assert_eq!(rule(parse_datetime("05/03/2024 25:00")), "datetime");
    }

    #[test]
    fn booleans() {
        for s in [
            "có", "Có", "CÓ", "co", "c", "đúng", "Đúng", "dung", "x", "X", "1", "true", "TRUE", "yes", "Yes", "đã", "✓",
        ] {
            assert_eq!(parse_bool(s), Ok(true), "{s}");
        }
        for s in ["không", "Không", "khong", "k", "K", "sai", "0", "false", "no", "chưa", "Chưa", "n"] {
            assert_eq!(parse_bool(s), Ok(false), "{s}");
        }
        for s in ["", "maybe", "2", "có thể", "o"] {
            assert_eq!(rule(parse_bool(s)), "boolean", "{s}");
        }
    }

    #[test]
    fn cccd() {
        let c = parse_cccd("079 203 001 123").unwrap();
        assert_eq!(c.as_str(), "079203001123");
        assert_eq!(c.province_code(), "079");
        assert_eq!(c.province_name(), "Hồ Chí Minh");
        assert_eq!(c.birth_year(), 2003);
        assert!(!c.is_female());
        assert_eq!(c.masked(), "079******123");
        assert_eq!(format!("{c:?}"), "Cccd(079******123)");
        let c = parse_cccd("064.185.000.042").unwrap();
        assert_eq!((c.birth_year(), c.is_female(), c.province_name()), (1985, true, "Gia Lai"));
        let c = parse_cccd("001099123456").unwrap();
        assert_eq!((c.birth_year(), c.is_female()), (1999, false));
        let c = parse_cccd("052-300-123456").unwrap();
        assert_eq!((c.birth_year(), c.is_female()), (2000, true));
        let c = parse_cccd("096412000001").unwrap();
        assert_eq!(c.birth_year(), 2112);
        let c = parse_cccd("096512000001").unwrap();
        assert!(c.is_female());

        let e = parse_cccd("123456789").unwrap_err();
        assert_eq!(e.rule, "cccd_length");
        assert!(e.vi.contains("CMND") && e.en.contains("CMND"), "{e}");
        assert_eq!(rule(parse_cccd("07920300112")), "cccd_length");
        assert_eq!(rule(parse_cccd("0792030011234")), "cccd_length");
        assert_eq!(rule(parse_cccd("")), "cccd_length");
        assert_eq!(rule(parse_cccd("07920300112A")), "cccd_digits");
        assert_eq!(rule(parse_cccd("003203001123")), "cccd_province");
        assert_eq!(rule(parse_cccd("097203001123")), "cccd_province");
        assert_eq!(rule(parse_cccd("000203001123")), "cccd_province");
        assert_eq!(rule(parse_cccd("079603001123")), "cccd_century");
        assert_eq!(rule(parse_cccd("079903001123")), "cccd_century");
    }

    #[test]
    fn cccd_provinces_are_the_legacy_provinces() {
        let units = crate::AdminUnits::embedded();
        let last_day = day(2025, 6, 30);
        let mut legacy: Vec<(String, String)> = units
            .all()
            .iter()
            .filter(|u| u.level == crate::Level::Province && u.is_valid_on(last_day))
            .map(|u| (format!("{:0>3}", u.code), u.name.clone()))
            .collect();
        legacy.sort();
        let ours: Vec<(String, String)> = CCCD_PROVINCES.iter().map(|(c, n)| (c.to_string(), n.to_string())).collect();
        assert_eq!(ours, legacy);
        // Every province in force today keeps one of these codes.
        let today = day(2026, 1, 1);
        for u in units.all().iter().filter(|u| u.level == crate::Level::Province && u.is_valid_on(today)) {
            assert!(CCCD_PROVINCES.iter().any(|(c, _)| *c == format!("{:0>3}", u.code)), "{}", u.code);
        }
    }

    #[test]
    fn mst() {
        // Published tax codes: Viettel, Vietcombank, Petrolimex, FPT, Vingroup, Vinamilk.
        for s in ["0100109106", "0100112437", "0100107370", "0101248141", "0101245486", "0300588569", "0100686209"] {
            assert_eq!(parse_mst(s).as_deref(), Ok(s), "{s}");
        }
        assert_eq!(parse_mst("0100109106-001").as_deref(), Ok("0100109106-001"));
        assert_eq!(parse_mst("0100109106001").as_deref(), Ok("0100109106-001"));
        assert_eq!(parse_mst("0100 109 106").as_deref(), Ok("0100109106"));
        // Every other final digit fails the check.
        for d in (0..10).filter(|&d| d != 6) {
            assert_eq!(rule(parse_mst(&format!("010010910{d}"))), "mst_checksum", "{d}");
        }
        // Nine digits whose weighted sum is divisible by 11 make no valid number (check would be 10).
        let nine = (0..1_000_000_000u32)
            .step_by(7919)
            .map(|n| format!("{n:09}"))
            .find(|n| mst_check_digit(n.as_bytes()).is_none())
            .unwrap();
        for d in 0..10 {
            assert_eq!(rule(parse_mst(&format!("{nine}{d}"))), "mst_checksum");
        }
        assert_eq!(rule(parse_mst("")), "mst_length");
        assert_eq!(rule(parse_mst("010010910")), "mst_length");
        assert_eq!(rule(parse_mst("01001091061")), "mst_length");
        assert_eq!(rule(parse_mst("0100109106-01")), "mst_length");
        assert_eq!(rule(parse_mst("01001091A6")), "mst_length");
        assert_eq!(rule(parse_mst("0100109106-000")), "mst_branch");
        assert_eq!(rule(parse_mst("0100109107-001")), "mst_checksum");
    }

    #[test]
    fn phones() {
        for (s, v) in [
            ("0912345678", "0912345678"),
            ("0912 345 678", "0912345678"),
            ("0912.345.678", "0912345678"),
            ("091-234-5678", "0912345678"),
            ("+84 912 345 678", "0912345678"),
            ("+84912345678", "0912345678"),
            ("+84 (0) 912 345 678", "0912345678"),
            ("0084912345678", "0912345678"),
            ("84912345678", "0912345678"),
            ("912345678", "0912345678"),
            ("0362345678", "0362345678"),
            ("0523456789", "0523456789"),
            ("0783456789", "0783456789"),
            ("0843456789", "0843456789"),
            ("(0269) 382 4567", "02693824567"),
            ("02693824567", "02693824567"),
            ("+84 269 382 4567", "02693824567"),
            ("842693824567", "02693824567"),
            ("2693824567", "02693824567"),
        ] {
            assert_eq!(parse_phone(s).as_deref(), Ok(v), "{s}");
        }
        for s in [
            "",
            "091234567",
            "09123456789",
            "0112345678",
            "0412345678",
            "0612345678",
            "+1 202 555 0143",
            "0912a45678",
            "12345",
            "0269382456",
        ] {
            let e = parse_phone(s).unwrap_err();
            assert_eq!(e.rule, "phone", "{s}");
        }
        assert!(parse_phone("0412345678").unwrap_err().vi.contains("03, 05, 07, 08 hoặc 09"));
        assert!(parse_phone("01623456789").unwrap_err().vi.contains("2018"));
        assert_eq!(mask_phone("0912345612"), "09******12");
        assert_eq!(mask_phone("02693824567"), "02*******67");
        assert_eq!(mask_phone("123"), "***");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn emails() {
        for (s, v) in [
            ("nguyen.van.a@gialai.gov.vn", "nguyen.van.a@gialai.gov.vn"),
            ("Nguyen.Van.A@GiaLai.GOV.VN", "Nguyen.Van.A@gialai.gov.vn"),
            ("a+tag@example.com", "a+tag@example.com"),
            ("mailto:a@b.vn", "a@b.vn"),
            ("x_y-z@sub-domain.example.vn", "x_y-z@sub-domain.example.vn"),
        ] {
            assert_eq!(parse_email(s).as_deref(), Ok(v), "{s}");
        }
        for s in [
            "",
            "plainaddress",
            "a@b",
            "a@@b.vn",
            "a@b@c.vn",
            "@b.vn",
            "a b@c.vn",
            "a@b c.vn",
            "nguyễn@b.vn",
            "a@-b.vn",
            "a@b-.vn",
            "a@b..vn",
            "a@b.v",
            "a@b.123",
            ".a@b.vn",
            "a.@b.vn",
            "a..b@c.vn",
            "a@sở.vn",
            "a<b>@c.vn",
        ] {
            assert_eq!(rule(parse_email(s)), "email", "{s}");
        }
    }

    #[test]
    fn points() {
        let close = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9;
        for s in [
            "10.7769, 106.7009",
            "10.7769,106.7009",
            "10.7769 106.7009",
            "10.7769;106.7009",
            "10,7769; 106,7009",
            "10,7769;106,7009",
            "10,7769, 106,7009",
            "(10.7769, 106.7009)",
            "POINT(106.7009 10.7769)",
            "point (106.7009 10.7769)",
            "POINT( 106.7009   10.7769 )",
        ] {
            let p = parse_point(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert!(close(p, (10.7769, 106.7009)), "{s} → {p:?}");
        }
        assert!(close(parse_point("-33.8688, 151.2093").unwrap(), (-33.8688, 151.2093)));
        assert!(close(parse_point("0, 0").unwrap(), (0.0, 0.0)));
        for s in [
            "",
            "abc",
            "10.7769",
            "10.7769, 106.7009, 5",
            "91, 10",
            "10, 181",
            "POINT(10.7769)",
            "POINT 106 10",
            "1.2.3, 4",
            "NaN, 1",
            "10.7769; ",
            "POINT(200 10)",
        ] {
            assert_eq!(rule(parse_point(s)), "point", "{s}");
        }
        let e = parse_point("106.7009, 10.7769").unwrap_err();
        assert!(e.vi.contains("đảo thứ tự") && e.en.contains("swapped"), "{e}");
    }

    #[test]
    fn headers() {
        assert_eq!(fold_header("Số điện thoại (di động)"), "so_dien_thoai_di_dong");
        assert_eq!(fold_header("  Họ và tên  "), "ho_va_ten");
        assert_eq!(fold_header("Ngày sinh (dd/mm/yyyy)"), "ngay_sinh_dd_mm_yyyy");
        assert_eq!(fold_header("MÃ ĐƠN VỊ"), "ma_don_vi");
        assert_eq!(fold_header("__Đắk--Lắk__"), "dak_lak");
        assert_eq!(fold_header("CCCD/CMND"), "cccd_cmnd");
        assert_eq!(fold_header("Quy Nho\u{31b}n"), "quy_nhon");
        assert_eq!(fold_header("---"), "");
        assert_eq!(fold_header(""), "");
    }

    #[test]
    fn no_parser_panics_on_odd_input() {
        let pieces = [
            "0", "1", "9", "12", "2024", ".", ",", " ", "-", "+", "/", ":", "T", "Z", "h", "ệ", "đ", "x", "%", "tỷ",
            "k", "(", ")", "@", ";", "POINT(", "ngày ", " tháng ", "e", "\u{a0}", "₫", "84", "0",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut s = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut r = seed;
            for _ in 0..(r % 9) {
                r /= 9;
                s.push_str(pieces[(r % pieces.len() as u64) as usize]);
                r /= pieces.len() as u64;
                if r == 0 {
                    r = seed.rotate_left(17);
                }
            }
            let _ = parse_integer(&s);
            let _ = parse_decimal(&s);
            let _ = parse_money(&s);
            let _ = parse_date(&s);
            let _ = parse_datetime(&s);
            let _ = parse_bool(&s);
            let _ = parse_cccd(&s);
            let _ = parse_mst(&s);
            let _ = parse_phone(&s);
            let _ = parse_email(&s);
            let _ = parse_point(&s);
            let _ = fold_header(&s);
            let _ = mask_phone(&s);
        }
        assert!(parse_mst("01001091ệ12").is_err());
    }

    #[test]
    fn errors_convert_and_quote_long_values() {
        let e = parse_integer("x").unwrap_err();
        let err: Error = e.clone().into();
        assert_eq!(err.kind, ErrorKind::Invalid);
        assert_eq!(e.clone().into_error("so_luong").field.as_deref(), Some("so_luong"));
        assert_eq!(e.to_string(), format!("{} / {}", e.vi, e.en));
        let long = "9".repeat(200) + "x";
        let e = parse_integer(&long).unwrap_err();
        assert!(e.vi.contains("…”") && e.vi.chars().count() < 160, "{}", e.vi);
    }
}
