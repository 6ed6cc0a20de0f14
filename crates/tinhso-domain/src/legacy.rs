//! Legacy Vietnamese text: the 8-bit font encodings TCVN3 (ABC, `.VnTime`) and VNI
//! (`VNI-Times`), Windows-1258, and the mojibake they leave ("TØnh Gia Lai", "Vieät Nam") when
//! read as Windows-1252 or saved from there as UTF-8.
//!
//! Converters work on text whose characters are the Windows-1252 reading of the legacy bytes.
//! [`detect_legacy`] tells a mojibake cell from real text by how many of its words become
//! Vietnamese syllables; [`detect_encoding`] and [`Decoder`] turn whole files into NFC UTF-8,
//! chunk by chunk.

use encoding_rs::{CoderResult, Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252, WINDOWS_1258};
use unicode_normalization::char::{canonical_combining_class, compose, decompose_canonical, is_combining_mark};
use unicode_normalization::{is_nfc, UnicodeNormalization};

/// A legacy 8-bit Vietnamese font encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Legacy {
    /// TCVN 5712:1993 VN3, the "ABC" encoding of the `.VnTime` fonts: one byte per letter.
    Tcvn3,
    /// VNI Windows (`VNI-Times`): a base letter followed by a byte for its marks.
    Vni,
}

impl Legacy {
    /// Converts mojibake of this encoding to Unicode NFC.
    pub fn to_unicode(self, s: &str) -> String {
        match self {
            Legacy::Tcvn3 => tcvn3_to_unicode(s),
            Legacy::Vni => vni_to_unicode(s),
        }
    }
    /// Writes Unicode text in this encoding (as Windows-1252 characters).
    pub fn to_legacy(self, s: &str) -> String {
        match self {
            Legacy::Tcvn3 => unicode_to_tcvn3(s),
            Legacy::Vni => unicode_to_vni(s),
        }
    }
    pub fn source_encoding(self) -> SourceEncoding {
        match self {
            Legacy::Tcvn3 => SourceEncoding::Tcvn3,
            Legacy::Vni => SourceEncoding::Vni,
        }
    }
}

const GRAVE: char = '\u{300}';
const ACUTE: char = '\u{301}';
const CIRCUMFLEX: char = '\u{302}';
const TILDE: char = '\u{303}';
const BREVE: char = '\u{306}';
const HOOK: char = '\u{309}';
const HORN: char = '\u{31b}';
const DOT: char = '\u{323}';

// ---------------------------------------------------------------------------------------------
// TCVN3
// ---------------------------------------------------------------------------------------------

/// TCVN3 (ABC) byte → Unicode. Only 0xA1–0xFE carry Vietnamese letters; the rest is ASCII.
/// Capitals with a tone mark have no code: the uppercase `.VnTimeH` fonts draw the lowercase
/// codes as capitals.
const TCVN3_PAIRS: [(u8, char); 74] = [
    (0xA1, 'Ă'),
    (0xA2, 'Â'),
    (0xA3, 'Ê'),
    (0xA4, 'Ô'),
    (0xA5, 'Ơ'),
    (0xA6, 'Ư'),
    (0xA7, 'Đ'),
    (0xA8, 'ă'),
    (0xA9, 'â'),
    (0xAA, 'ê'),
    (0xAB, 'ô'),
    (0xAC, 'ơ'),
    (0xAD, 'ư'),
    (0xAE, 'đ'),
    (0xB5, 'à'),
    (0xB6, 'ả'),
    (0xB7, 'ã'),
    (0xB8, 'á'),
    (0xB9, 'ạ'),
    (0xBB, 'ằ'),
    (0xBC, 'ẳ'),
    (0xBD, 'ẵ'),
    (0xBE, 'ắ'),
    (0xC6, 'ặ'),
    (0xC7, 'ầ'),
    (0xC8, 'ẩ'),
    (0xC9, 'ẫ'),
    (0xCA, 'ấ'),
    (0xCB, 'ậ'),
    (0xCC, 'è'),
    (0xCE, 'ẻ'),
    (0xCF, 'ẽ'),
    (0xD0, 'é'),
    (0xD1, 'ẹ'),
    (0xD2, 'ề'),
    (0xD3, 'ể'),
    (0xD4, 'ễ'),
    (0xD5, 'ế'),
    (0xD6, 'ệ'),
    (0xD7, 'ì'),
    (0xD8, 'ỉ'),
    (0xDC, 'ĩ'),
    (0xDD, 'í'),
    (0xDE, 'ị'),
    (0xDF, 'ò'),
    (0xE1, 'ỏ'),
    (0xE2, 'õ'),
    (0xE3, 'ó'),
    (0xE4, 'ọ'),
    (0xE5, 'ồ'),
    (0xE6, 'ổ'),
    (0xE7, 'ỗ'),
    (0xE8, 'ố'),
    (0xE9, 'ộ'),
    (0xEA, 'ờ'),
    (0xEB, 'ở'),
    (0xEC, 'ỡ'),
    (0xED, 'ớ'),
    (0xEE, 'ợ'),
    (0xEF, 'ù'),
    (0xF1, 'ủ'),
    (0xF2, 'ũ'),
    (0xF3, 'ú'),
    (0xF4, 'ụ'),
    (0xF5, 'ừ'),
    (0xF6, 'ử'),
    (0xF7, 'ữ'),
    (0xF8, 'ứ'),
    (0xF9, 'ự'),
    (0xFA, 'ỳ'),
    (0xFB, 'ỷ'),
    (0xFC, 'ỹ'),
    (0xFD, 'ý'),
    (0xFE, 'ỵ'),
];

/// TCVN3 decoding of U+00A0..=U+00FF (the Windows-1252 reading of bytes 0xA0..=0xFF); `\0` = none.
static TCVN3_DECODE: [char; 96] = {
    let mut t = ['\0'; 96];
    let mut i = 0;
    while i < TCVN3_PAIRS.len() {
        t[(TCVN3_PAIRS[i].0 - 0xA0) as usize] = TCVN3_PAIRS[i].1;
        i += 1;
    }
    t
};

/// The Unicode letter of a TCVN3 mojibake character, and whether its code is a lowercase one
/// (which `.VnTimeH` fonts draw as a capital).
fn tcvn3_char(c: char) -> Option<(char, bool)> {
    let u = c as u32;
    if !(0xA0..=0xFF).contains(&u) {
        return None;
    }
    let m = TCVN3_DECODE[(u - 0xA0) as usize];
    (m != '\0').then_some((m, u >= 0xA8))
}

/// `char::is_alphabetic`, quick for the Latin letters Vietnamese uses.
fn is_letter(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' => true,
        '\0'..='\u{7f}' | '×' | '÷' => false,
        '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}' => true,
        _ => c.is_alphabetic(),
    }
}

/// TCVN3 mojibake → Unicode NFC. Toned capitals have no TCVN3 code, so they come out lower
/// case, as in every converter; but inside a word whose other letters are all capitals (at
/// least two of them, or one after the letter: "ñY" → "ỦY", "TØNH" → "TỈNH") they are
/// capitalised, since such words were typed in an uppercase `.VnTimeH` font. "Hµ" stays "Hà".
pub fn tcvn3_to_unicode(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    let mut word: Vec<(char, bool)> = Vec::new();
    for c in s.chars() {
        let (u, lower_code) = tcvn3_char(c).unwrap_or((c, false));
        if is_letter(u) {
            word.push((u, lower_code));
        } else {
            flush_tcvn3_word(&mut word, &mut out);
            out.push(u);
        }
    }
    flush_tcvn3_word(&mut word, &mut out);
    out
}

fn flush_tcvn3_word(word: &mut Vec<(char, bool)>, out: &mut String) {
    let mut capitals = false;
    if word.iter().any(|&(_, l)| l) {
        let (mut others, mut all_upper, mut upper_after, mut seen_code) = (0, true, false, false);
        for &(c, l) in word.iter() {
            if l {
                seen_code = true;
            } else if c.is_lowercase() {
                others += 1;
                all_upper = false;
            } else if c.is_uppercase() {
                others += 1;
                upper_after |= seen_code;
            }
        }
        capitals = others > 0 && all_upper && (others >= 2 || upper_after);
    }
    for (c, l) in word.drain(..) {
        if capitals && l {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
}

fn tcvn3_code(c: char) -> Option<u8> {
    let find = |c: char| TCVN3_PAIRS.iter().find(|(_, u)| *u == c).map(|(b, _)| *b);
    find(c).or_else(|| {
        // A toned capital has no code: the lowercase letter's code stands for it.
        let mut lower = c.to_lowercase();
        let l = lower.next()?;
        (l != c && lower.next().is_none()).then(|| find(l)).flatten()
    })
}

/// Unicode → TCVN3, as the Windows-1252 characters of the TCVN3 bytes. Toned capitals take
/// the lowercase letter's code (TCVN3 has none for them); other characters pass through.
pub fn unicode_to_tcvn3(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.nfc() {
        match tcvn3_code(c).filter(|_| !c.is_ascii()) {
            Some(b) => out.push(char::from(b)),
            None => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// VNI
// ---------------------------------------------------------------------------------------------

/// VNI mark characters: (lowercase, uppercase, shape, tone). After a, e, o, ơ, u, ư, y they
/// carry the letter's marks: "aù" = á, "aâ" = â, "aá" = ấ, "aê" = ă, "aé" = ắ.
static VNI_MARKS: [(char, char, Option<char>, Option<char>); 17] = [
    ('ù', 'Ù', None, Some(ACUTE)),
    ('ø', 'Ø', None, Some(GRAVE)),
    ('û', 'Û', None, Some(HOOK)),
    ('õ', 'Õ', None, Some(TILDE)),
    ('ï', 'Ï', None, Some(DOT)),
    ('â', 'Â', Some(CIRCUMFLEX), None),
    ('á', 'Á', Some(CIRCUMFLEX), Some(ACUTE)),
    ('à', 'À', Some(CIRCUMFLEX), Some(GRAVE)),
    ('å', 'Å', Some(CIRCUMFLEX), Some(HOOK)),
    ('ã', 'Ã', Some(CIRCUMFLEX), Some(TILDE)),
    ('ä', 'Ä', Some(CIRCUMFLEX), Some(DOT)),
    ('ê', 'Ê', Some(BREVE), None),
    ('é', 'É', Some(BREVE), Some(ACUTE)),
    ('è', 'È', Some(BREVE), Some(GRAVE)),
    ('ú', 'Ú', Some(BREVE), Some(HOOK)),
    ('ü', 'Ü', Some(BREVE), Some(TILDE)),
    ('ë', 'Ë', Some(BREVE), Some(DOT)),
];

/// VNI letters that stand alone: ơ ư đ, i with its tones, ỵ (lowercase, uppercase, Unicode lowercase).
static VNI_SINGLES: [(char, char, char); 8] = [
    ('ô', 'Ô', 'ơ'),
    ('ö', 'Ö', 'ư'),
    ('ñ', 'Ñ', 'đ'),
    ('í', 'Í', 'í'),
    ('ì', 'Ì', 'ì'),
    ('æ', 'Æ', 'ỉ'),
    ('ó', 'Ó', 'ĩ'),
    ('ò', 'Ò', 'ị'),
];

fn vni_mark(c: char) -> Option<(Option<char>, Option<char>, bool)> {
    if c < 'À' {
        return None;
    }
    VNI_MARKS.iter().find_map(|&(l, u, shape, tone)| {
        if c == l {
            Some((shape, tone, false))
        } else if c == u {
            Some((shape, tone, true))
        } else {
            None
        }
    })
}

/// A VNI base letter: (Unicode lowercase letter, upper case, takes a circumflex, takes a breve).
fn vni_base(c: char) -> Option<(char, bool, bool, bool)> {
    Some(match c {
        'a' => ('a', false, true, true),
        'A' => ('a', true, true, true),
        'e' => ('e', false, true, false),
        'E' => ('e', true, true, false),
        'o' => ('o', false, true, false),
        'O' => ('o', true, true, false),
        'u' => ('u', false, false, false),
        'U' => ('u', true, false, false),
        'y' => ('y', false, false, false),
        'Y' => ('y', true, false, false),
        'ô' => ('ơ', false, false, false),
        'Ô' => ('ơ', true, false, false),
        'ö' => ('ư', false, false, false),
        'Ö' => ('ư', true, false, false),
        _ => return None,
    })
}

fn vni_single(c: char) -> char {
    if c < 'Æ' {
        return c;
    }
    match c {
        'î' => 'ỵ',
        'Î' => 'Ỵ',
        _ => VNI_SINGLES
            .iter()
            .find_map(|&(l, u, v)| {
                if c == l {
                    Some(v)
                } else if c == u {
                    v.to_uppercase().next()
                } else {
                    None
                }
            })
            .unwrap_or(c),
    }
}

/// The precomposed letter of `base` with its marks. A dot below composes before a circumflex
/// or breve (ệ is ẹ + ̂, not ê + ̣), any other tone after.
fn vowel(base: char, shape: Option<char>, tone: Option<char>, upper: bool) -> char {
    let marks = match (shape, tone) {
        (Some(s), Some(DOT)) if s != HORN => [Some(DOT), Some(s)],
        _ => [shape, tone],
    };
    let mut v = base;
    for m in marks.into_iter().flatten() {
        v = compose(v, m).unwrap_or(v);
    }
    if upper {
        v.to_uppercase().next().unwrap_or(v)
    } else {
        v
    }
}

/// VNI mojibake → Unicode NFC. A base letter followed by a mark character of the same case
/// becomes one letter ("Vieät" → "Việt"); ô ö ñ î æ ó ò alone are ơ ư đ ỵ ỉ ĩ ị.
pub fn vni_to_unicode(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii() && !matches!(c, 'a' | 'e' | 'o' | 'u' | 'y' | 'A' | 'E' | 'O' | 'U' | 'Y') {
            out.push(c);
            continue;
        }
        if let Some((base, upper, circumflex, breve)) = vni_base(c) {
            if let Some((shape, tone, mark_upper)) = chars.peek().and_then(|&n| vni_mark(n)) {
                let fits = match shape {
                    None => true,
                    Some(CIRCUMFLEX) => circumflex,
                    _ => breve,
                };
                if fits && mark_upper == upper {
                    chars.next();
                    out.push(vowel(base, shape, tone, upper));
                    continue;
                }
            }
        }
        out.push(vni_single(c));
    }
    out
}

/// A Vietnamese vowel split into its ASCII letter, shape mark and tone mark (`ấ` → a, ̂, ́).
fn split_vowel(c: char) -> Option<(char, Option<char>, Option<char>)> {
    let mut parts = ['\0'; 4];
    let mut n = 0;
    decompose_canonical(c, |d| {
        if n < 4 {
            parts[n] = d;
        }
        n += 1;
    });
    if !(2..=3).contains(&n) || !matches!(parts[0].to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y') {
        return None;
    }
    let (mut shape, mut tone) = (None, None);
    for &m in &parts[1..n] {
        match m {
            CIRCUMFLEX | BREVE | HORN if shape.is_none() => shape = Some(m),
            GRAVE | ACUTE | TILDE | HOOK | DOT if tone.is_none() => tone = Some(m),
            _ => return None,
        }
    }
    Some((parts[0], shape, tone))
}

fn vni_encode(c: char, out: &mut String) -> bool {
    let case = |x: char, upper: bool| if upper { x.to_uppercase().next().unwrap_or(x) } else { x };
    match c {
        'đ' => out.push('ñ'),
        'Đ' => out.push('Ñ'),
        _ => {
            let Some((base, shape, tone)) = split_vowel(c) else { return false };
            let upper = base.is_ascii_uppercase();
            let lower = base.to_ascii_lowercase();
            if lower == 'i' || (lower == 'y' && tone == Some(DOT)) {
                if shape.is_some() {
                    return false;
                }
                let single = match (lower, tone) {
                    ('y', _) => 'î',
                    (_, None) => 'i',
                    (_, Some(ACUTE)) => 'í',
                    (_, Some(GRAVE)) => 'ì',
                    (_, Some(HOOK)) => 'æ',
                    (_, Some(TILDE)) => 'ó',
                    _ => 'ò',
                };
                out.push(case(single, upper));
                return true;
            }
            let lead = match (lower, shape) {
                ('o', Some(HORN)) => 'ô',
                ('u', Some(HORN)) => 'ö',
                (_, Some(HORN)) => return false,
                ('a' | 'e' | 'o', Some(CIRCUMFLEX)) | ('a', Some(BREVE)) | (_, None) => lower,
                _ => return false,
            };
            let shape = shape.filter(|&m| m != HORN);
            out.push(case(lead, upper));
            if shape.is_some() || tone.is_some() {
                let mark = VNI_MARKS.iter().find(|m| m.2 == shape && m.3 == tone).map(|m| m.0);
                match mark {
                    Some(m) => out.push(case(m, upper)),
                    None => return false,
                }
            }
        }
    }
    true
}

/// Unicode → VNI, as the Windows-1252 characters of the VNI bytes; other characters pass through.
pub fn unicode_to_vni(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for c in s.nfc() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mark = out.len();
            if !vni_encode(c, &mut out) {
                out.truncate(mark);
                out.push(c);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Vietnamese syllables and detection
// ---------------------------------------------------------------------------------------------

static INITIALS: [&str; 36] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g", "h", "k", "l", "m",
    "n", "p", "r", "s", "t", "v", "x", // Central Highlands names: Krông, Grai, Pleiku, Đrăng…
    "kr", "gr", "pl", "bl", "br", "dr", "đr", "kl", "",
];

/// Toneless rhymes: (vowels, allowed final consonants or glides).
static RHYMES: [(&str, &[&str]); 29] = [
    ("a", &["", "i", "o", "u", "y", "c", "ch", "m", "n", "ng", "nh", "p", "t"]),
    ("ă", &["c", "m", "n", "ng", "p", "t"]),
    ("â", &["u", "y", "c", "m", "n", "ng", "p", "t"]),
    ("e", &["", "o", "c", "m", "n", "ng", "p", "t"]),
    ("ê", &["", "u", "ch", "m", "n", "nh", "p", "t"]),
    ("i", &["", "u", "ch", "m", "n", "nh", "p", "t"]),
    ("ia", &[""]),
    ("iê", &["u", "c", "m", "n", "ng", "p", "t"]),
    ("yê", &["u", "m", "n", "ng", "t"]),
    ("y", &[""]),
    ("o", &["", "i", "c", "m", "n", "ng", "p", "t"]),
    ("oo", &["c", "ng"]),
    ("ô", &["", "i", "c", "m", "n", "ng", "p", "t"]),
    ("ơ", &["", "i", "m", "n", "ng", "p", "t"]),
    ("u", &["", "i", "c", "m", "n", "ng", "p", "t"]),
    ("ua", &[""]),
    ("uô", &["i", "c", "m", "n", "ng", "t"]),
    ("ư", &["", "i", "u", "c", "m", "n", "ng", "t"]),
    ("ưa", &[""]),
    ("ươ", &["i", "u", "c", "m", "n", "ng", "p", "t"]),
    ("oa", &["", "i", "y", "o", "c", "ch", "m", "n", "ng", "nh", "p", "t"]),
    ("oă", &["c", "m", "n", "ng", "t"]),
    ("oe", &["", "o", "n", "t"]),
    ("uâ", &["n", "ng", "t", "y"]),
    ("uê", &["", "ch", "nh", "n"]),
    ("uy", &["", "u", "a", "ch", "n", "nh", "p", "t"]),
    ("uyê", &["n", "t"]),
    ("uơ", &[""]),
    ("uă", &["ng"]),
];

/// A lowercase letter as (toneless letter, tone 1–5 or 0), if it is a Vietnamese letter.
fn viet_letter(c: char) -> Option<(char, u8)> {
    if c.is_ascii_lowercase() {
        return (!matches!(c, 'f' | 'j' | 'w' | 'z')).then_some((c, 0));
    }
    if c == 'đ' {
        return Some((c, 0));
    }
    let mut parts = ['\0'; 4];
    let mut n = 0;
    decompose_canonical(c, |d| {
        if n < 4 {
            parts[n] = d;
        }
        n += 1;
    });
    if !(2..=3).contains(&n) || !parts[0].is_ascii_lowercase() {
        return None;
    }
    let (mut base, mut tone) = (parts[0], 0);
    for &m in &parts[1..n] {
        match m {
            ACUTE if tone == 0 => tone = 1,
            GRAVE if tone == 0 => tone = 2,
            HOOK if tone == 0 => tone = 3,
            TILDE if tone == 0 => tone = 4,
            DOT if tone == 0 => tone = 5,
            CIRCUMFLEX | BREVE | HORN => base = compose(base, m)?,
            _ => return None,
        }
    }
    matches!(base, 'a'..='z' | 'ă' | 'â' | 'ê' | 'ô' | 'ơ' | 'ư').then_some((base, tone))
}

/// `w` without the prefix `p`, if it starts with it.
fn strip<'a>(w: &'a [char], p: &str) -> Option<&'a [char]> {
    let mut i = 0;
    for c in p.chars() {
        if w.get(i) != Some(&c) {
            return None;
        }
        i += 1;
    }
    Some(&w[i..])
}

/// Whether `rhyme` (toneless) is a Vietnamese rhyme with the tone at char `tone_at` of it.
fn rhyme_ok(rhyme: &[char], tone: u8, tone_at: usize) -> bool {
    RHYMES.iter().any(|(vowels, codas)| {
        let Some(coda) = strip(rhyme, vowels) else { return false };
        let n = rhyme.len() - coda.len();
        let is = |s: &str| strip(coda, s).is_some_and(<[char]>::is_empty);
        // Names in the languages of the Central Highlands also end in h, k, l, r: Păh, Đăk, Kmăl, Sôr.
        let ethnic = n == 1 && ["h", "k", "l", "r"].iter().any(|f| is(f));
        if !codas.iter().any(|c| is(c)) && !ethnic {
            return false;
        }
        // The tone sits on a vowel of the nucleus, never on a final glide; stops take only sắc or nặng.
        let on_vowel = tone == 0 || tone_at < n;
        let stop = ["c", "ch", "p", "t"].iter().any(|f| is(f));
        on_vowel && (!stop || tone == 1 || tone == 5)
    })
}

/// Whether `word` is one Vietnamese syllable: an initial consonant from the standard set
/// (plus a few Central Highlands clusters), a rhyme from the standard set, at most one tone
/// mark, on a vowel of the nucleus, sắc or nặng before c/ch/p/t; lower case, Capitalised or
/// ALL CAPS. A heuristic for telling real text from mojibake, not a spelling checker.
pub fn is_vietnamese_syllable(word: &str) -> bool {
    // letters[0] is room for the medial u or i that "qu" and "gi" may share with the rhyme.
    let mut letters = ['\0'; 9];
    let mut n = 0;
    let (mut tone, mut tone_at) = (0u8, 0usize);
    let (mut upper, mut lower, mut first_upper) = (0, 0, false);
    for c in word.chars() {
        if n == 8 {
            return false;
        }
        if c.is_uppercase() {
            upper += 1;
            first_upper |= n == 0;
        } else if c.is_lowercase() {
            lower += 1;
        } else {
            return false;
        }
        let l = if c.is_ascii() {
            c.to_ascii_lowercase()
        } else {
            let mut lc = c.to_lowercase();
            let (Some(l), None) = (lc.next(), lc.next()) else { return false };
            l
        };
        let Some((base, t)) = viet_letter(l) else { return false };
        if t != 0 {
            if tone != 0 {
                return false;
            }
            (tone, tone_at) = (t, n);
        }
        n += 1;
        letters[n] = base;
    }
    if n == 0 || !(upper == 0 || lower == 0 || (upper == 1 && first_upper)) {
        return false;
    }
    let word = &letters[1..=n];
    INITIALS.iter().any(|init| {
        let Some(rest) = strip(word, init) else { return false };
        let k = n - rest.len();
        if tone != 0 && tone_at < k {
            return false;
        }
        let at = tone_at.saturating_sub(k);
        let with = |medial: char| {
            let mut buf = ['\0'; 9];
            buf[0] = medial;
            buf[1..=rest.len()].copy_from_slice(rest);
            rhyme_ok(&buf[..=rest.len()], tone, at + 1)
        };
        match *init {
            // "quý", "quyết": the u of qu is the medial.
            "qu" => rhyme_ok(rest, tone, at) || with('u'),
            // "giá", "giếng": gi may absorb the i of iê.
            "gi" => !rest.is_empty() && (rhyme_ok(rest, tone, at) || with('i')),
            _ => rhyme_ok(rest, tone, at),
        }
    })
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Score {
    good: u32,
    bad: u32,
}

impl Score {
    fn net(self) -> i64 {
        i64::from(self.good) - i64::from(self.bad)
    }
}

fn is_word_char(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' | '\u{a1}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}' => true,
        '\0'..='\u{a0}' => false,
        _ => c.is_alphanumeric() || is_combining_mark(c),
    }
}

/// Counts the words with a non-ASCII character that are (good) or are not (bad) Vietnamese syllables.
fn score(text: &str) -> Score {
    let mut s = Score::default();
    for w in text.split(|c| !is_word_char(c)) {
        if w.is_ascii() {
            continue;
        }
        if is_vietnamese_syllable(w) {
            s.good += 1;
        } else {
            s.bad += 1;
        }
    }
    s
}

/// Letters that only real Unicode Vietnamese has (never a Windows-1252 reading of legacy bytes).
fn is_unicode_vietnamese(c: char) -> bool {
    matches!(c, 'ă' | 'Ă' | 'đ' | 'Đ' | 'ĩ' | 'Ĩ' | 'ũ' | 'Ũ' | 'ơ' | 'Ơ' | 'ư' | 'Ư')
        || ('\u{1ea0}'..='\u{1ef9}').contains(&c)
        || ('\u{300}'..='\u{323}').contains(&c)
}

/// Whether VNI conversion would change `s`.
fn has_vni(s: &str) -> bool {
    let mut prev = None;
    for c in s.chars() {
        if c.is_ascii() {
            prev = Some(c);
            continue;
        }
        if vni_single(c) != c {
            return true;
        }
        if let (Some((_, upper, _, _)), Some((_, _, mark_upper))) = (prev.and_then(vni_base), vni_mark(c)) {
            if upper == mark_upper {
                return true;
            }
        }
        prev = Some(c);
    }
    false
}

/// Detects and converts in one go.
fn detect_and_convert(s: &str) -> Option<(String, Legacy)> {
    if s.is_ascii() {
        return None;
    }
    let mut suspicious = false;
    for c in s.chars() {
        if ('\u{a1}'..='\u{ff}').contains(&c) {
            suspicious = true;
        } else if is_unicode_vietnamese(c) {
            return None;
        }
    }
    if !suspicious || !(s.chars().any(|c| tcvn3_char(c).is_some()) || has_vni(s)) {
        return None;
    }
    let original = score(s);
    let tcvn3 = tcvn3_to_unicode(s);
    let vni = vni_to_unicode(s);
    let (t, v) = (score(&tcvn3), score(&vni));
    if t.net() == v.net() {
        return None;
    }
    let (best, text, legacy) = if t.net() > v.net() { (t, tcvn3, Legacy::Tcvn3) } else { (v, vni, Legacy::Vni) };
    let clear = best.good > 0 && best.good >= best.bad && best.net() > original.net();
    clear.then_some((text, legacy))
}

/// Whether `s` (a cell or a sample of a file) is TCVN3 or VNI mojibake rather than real text:
/// both conversions are scored by how many words become Vietnamese syllables, and the clearly
/// better one is returned if it beats the text as it is. `None` for ASCII, for text with real
/// Unicode Vietnamese letters (ơ, ư, ạ…), and for text without Latin-1 letters and symbols.
pub fn detect_legacy(s: &str) -> Option<Legacy> {
    detect_and_convert(s).map(|(_, l)| l)
}

/// Detects mojibake in a cell and converts it: `Some((fixed, encoding))`, or `None` when
/// there is nothing to fix.
pub fn fix_cell(s: &str) -> Option<(String, Legacy)> {
    detect_and_convert(s)
}

// ---------------------------------------------------------------------------------------------
// Whole files
// ---------------------------------------------------------------------------------------------

/// The encoding of a file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Windows1258,
    Tcvn3,
    Vni,
}

impl SourceEncoding {
    pub fn label_vi(self) -> &'static str {
        match self {
            SourceEncoding::Utf8 => "UTF-8",
            SourceEncoding::Utf8Bom => "UTF-8 (có BOM)",
            SourceEncoding::Utf16Le => "UTF-16 LE",
            SourceEncoding::Utf16Be => "UTF-16 BE",
            SourceEncoding::Windows1258 => "Windows-1258 (bảng mã tiếng Việt của Windows)",
            SourceEncoding::Tcvn3 => "TCVN3 (ABC, phông .VnTime)",
            SourceEncoding::Vni => "VNI (phông VNI-Times)",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            SourceEncoding::Utf8 => "UTF-8",
            SourceEncoding::Utf8Bom => "UTF-8 with BOM",
            SourceEncoding::Utf16Le => "UTF-16 LE",
            SourceEncoding::Utf16Be => "UTF-16 BE",
            SourceEncoding::Windows1258 => "Windows-1258 (Vietnamese Windows code page)",
            SourceEncoding::Tcvn3 => "TCVN3 (ABC, .VnTime fonts)",
            SourceEncoding::Vni => "VNI (VNI-Times fonts)",
        }
    }
    /// Whether this is a Unicode encoding (UTF-8 or UTF-16).
    pub fn is_unicode(self) -> bool {
        matches!(
            self,
            SourceEncoding::Utf8 | SourceEncoding::Utf8Bom | SourceEncoding::Utf16Le | SourceEncoding::Utf16Be
        )
    }
    pub fn legacy(self) -> Option<Legacy> {
        match self {
            SourceEncoding::Tcvn3 => Some(Legacy::Tcvn3),
            SourceEncoding::Vni => Some(Legacy::Vni),
            _ => None,
        }
    }
}

/// What [`detect_encoding`] found: the encoding the text was written in, and for TCVN3/VNI
/// text that was later saved through a Unicode encoding (mojibake in a UTF-8 file), that
/// Unicode encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    pub encoding: SourceEncoding,
    /// `Some(Utf8 | Utf8Bom | Utf16Le | Utf16Be)` only with `encoding` `Tcvn3` or `Vni`:
    /// the bytes are that Unicode encoding of the Windows-1252 reading of the legacy text.
    pub via: Option<SourceEncoding>,
}

impl Detected {
    pub fn plain(encoding: SourceEncoding) -> Detected {
        Detected { encoding, via: None }
    }
    pub fn decoder(self) -> Decoder {
        Decoder::new(self.encoding, self.via)
    }
    pub fn label_vi(&self) -> String {
        match self.via {
            Some(via) => format!("{}, lưu lại dưới dạng {}", self.encoding.label_vi(), via.label_vi()),
            None => self.encoding.label_vi().to_string(),
        }
    }
    pub fn label_en(&self) -> String {
        match self.via {
            Some(via) => format!("{}, saved again as {}", self.encoding.label_en(), via.label_en()),
            None => self.encoding.label_en().to_string(),
        }
    }
}

/// Decodes a prefix of a file, leaving out a sequence cut at its end.
fn decode_prefix(encoding: &'static Encoding, bytes: &[u8]) -> String {
    let mut d = if encoding == UTF_8 || encoding == UTF_16LE || encoding == UTF_16BE {
        encoding.new_decoder_with_bom_removal()
    } else {
        encoding.new_decoder_without_bom_handling()
    };
    let mut out = String::with_capacity(d.max_utf8_buffer_length(bytes.len()).unwrap_or(bytes.len() * 3 + 16));
    let _ = d.decode_to_string(bytes, &mut out, false);
    out
}

/// UTF-16 without a BOM, told by where the NUL bytes of ASCII characters fall.
fn utf16_by_nuls(prefix: &[u8]) -> Option<SourceEncoding> {
    let sample = &prefix[..prefix.len().min(4096) & !1];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even, mut odd) = (0, 0);
    for (i, &b) in sample.iter().enumerate() {
        if b == 0 {
            if i % 2 == 0 {
                even += 1;
            } else {
                odd += 1;
            }
        }
    }
    if odd * 10 >= pairs * 3 && even * 20 <= pairs {
        Some(SourceEncoding::Utf16Le)
    } else if even * 10 >= pairs * 3 && odd * 20 <= pairs {
        Some(SourceEncoding::Utf16Be)
    } else {
        None
    }
}

/// Whether `prefix` is UTF-8, allowing a multi-byte sequence cut at the end.
fn is_utf8_prefix(prefix: &[u8]) -> bool {
    match std::str::from_utf8(prefix) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && prefix.len() - e.valid_up_to() < 4,
    }
}

/// Guesses the encoding of a file from its first bytes (a few KiB to 64 KiB): a BOM; UTF-16 by
/// its NUL bytes; valid UTF-8; otherwise Windows-1258, TCVN3 or VNI, whichever reads as more
/// Vietnamese syllables. Unicode text is also checked for TCVN3/VNI mojibake (see [`Detected::via`]).
pub fn detect_encoding(prefix: &[u8]) -> Detected {
    let unicode = if prefix.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Some(SourceEncoding::Utf8Bom)
    } else if prefix.starts_with(&[0xFF, 0xFE]) {
        Some(SourceEncoding::Utf16Le)
    } else if prefix.starts_with(&[0xFE, 0xFF]) {
        Some(SourceEncoding::Utf16Be)
    } else if let Some(e) = utf16_by_nuls(prefix) {
        Some(e)
    } else if is_utf8_prefix(prefix) {
        Some(SourceEncoding::Utf8)
    } else {
        None
    };
    if let Some(e) = unicode {
        let enc = match e {
            SourceEncoding::Utf16Le => UTF_16LE,
            SourceEncoding::Utf16Be => UTF_16BE,
            _ => UTF_8,
        };
        let text = decode_prefix(enc, prefix);
        return match detect_legacy(&text) {
            Some(l) => Detected { encoding: l.source_encoding(), via: Some(e) },
            None => Detected::plain(e),
        };
    }
    let w1258: String = decode_prefix(WINDOWS_1258, prefix).nfc().collect();
    let latin = decode_prefix(WINDOWS_1252, prefix);
    let candidates = [
        (score(&w1258).net(), SourceEncoding::Windows1258),
        (score(&tcvn3_to_unicode(&latin)).net(), SourceEncoding::Tcvn3),
        (score(&vni_to_unicode(&latin)).net(), SourceEncoding::Vni),
    ];
    let mut best = candidates[0];
    for c in &candidates[1..] {
        if c.0 > best.0 {
            best = *c;
        }
    }
    Detected::plain(best.1)
}

/// Streams bytes in a [`SourceEncoding`] to NFC UTF-8, chunk by chunk: a UTF-8 or UTF-16
/// sequence, a Windows-1258 letter and its tone mark, or a VNI letter and its mark byte may
/// be split across chunks. The output does not depend on how the input is cut.
pub struct Decoder {
    inner: encoding_rs::Decoder,
    legacy: Option<Legacy>,
    /// Decoded legacy mojibake not yet converted (a VNI letter may await its mark, a TCVN3
    /// word its end).
    raw: String,
    /// Unicode text not yet normalised (a letter may await a combining mark).
    text: String,
}

/// A TCVN3 word longer than this is converted without waiting for its end.
const MAX_HELD_WORD: usize = 1024;

impl Decoder {
    /// A decoder for bytes in `encoding`; for `Tcvn3`/`Vni`, `via` names the Unicode encoding
    /// the mojibake was saved in (`None`: raw 8-bit bytes). `via` is ignored for other encodings.
    pub fn new(encoding: SourceEncoding, via: Option<SourceEncoding>) -> Decoder {
        let legacy = encoding.legacy();
        let transport = match (legacy, via) {
            (Some(_), Some(v)) if v.is_unicode() => v,
            _ => encoding,
        };
        let inner = match transport {
            SourceEncoding::Utf8 | SourceEncoding::Utf8Bom => UTF_8.new_decoder_with_bom_removal(),
            SourceEncoding::Utf16Le => UTF_16LE.new_decoder_with_bom_removal(),
            SourceEncoding::Utf16Be => UTF_16BE.new_decoder_with_bom_removal(),
            SourceEncoding::Windows1258 => WINDOWS_1258.new_decoder_without_bom_handling(),
            SourceEncoding::Tcvn3 | SourceEncoding::Vni => WINDOWS_1252.new_decoder_without_bom_handling(),
        };
        Decoder { inner, legacy, raw: String::new(), text: String::new() }
    }

    /// Decodes `input` and appends what is complete to `out`; `last` flushes everything held.
    pub fn decode(&mut self, input: &[u8], last: bool, out: &mut String) {
        let buf = if self.legacy.is_some() { &mut self.raw } else { &mut self.text };
        let mut src = input;
        loop {
            let need = self.inner.max_utf8_buffer_length(src.len()).unwrap_or(src.len().saturating_mul(3) + 16);
            buf.reserve(need);
            let (result, read, _) = self.inner.decode_to_string(src, buf, last);
            src = &src[read..];
            if matches!(result, CoderResult::InputEmpty) {
                break;
            }
        }
        if let Some(l) = self.legacy {
            let cut = if last { self.raw.len() } else { legacy_cut(l, &self.raw) };
            if cut > 0 {
                self.text.push_str(&l.to_unicode(&self.raw[..cut]));
                self.raw.drain(..cut);
            }
        }
        let cut = if last { self.text.len() } else { nfc_cut(&self.text) };
        if cut > 0 {
            let head = &self.text[..cut];
            if is_nfc(head) {
                out.push_str(head);
            } else {
                out.extend(head.nfc());
            }
            self.text.drain(..cut);
        }
    }
}

/// Where converted legacy text may end without changing the conversion of what follows.
fn legacy_cut(legacy: Legacy, raw: &str) -> usize {
    match legacy {
        Legacy::Vni => match raw.char_indices().next_back() {
            Some((i, c)) if vni_base(c).is_some() => i,
            _ => raw.len(),
        },
        Legacy::Tcvn3 => {
            let mut cut = raw.len();
            for (i, c) in raw.char_indices().rev() {
                if !is_letter(tcvn3_char(c).map_or(c, |(u, _)| u)) {
                    break;
                }
                cut = i;
            }
            if raw.len() - cut > MAX_HELD_WORD {
                raw.len()
            } else {
                cut
            }
        }
    }
}

/// Where normalised text may end: before the last ASCII character (nothing composes with
/// what precedes an ASCII letter, and a mark may still follow it); without ASCII, before the
/// last starter once a lot is held.
fn nfc_cut(text: &str) -> usize {
    if let Some(i) = text.bytes().rposition(|b| b.is_ascii()) {
        return i;
    }
    if text.len() > 4096 {
        if let Some((i, _)) = text.char_indices().rev().find(|&(_, c)| canonical_combining_class(c) == 0) {
            return i;
        }
        return text.len();
    }
    0
}

/// Decodes a whole file: detects the encoding from its first 64 KiB and converts it all.
pub fn decode_bytes(bytes: &[u8]) -> (String, Detected) {
    let detected = detect_encoding(&bytes[..bytes.len().min(64 * 1024)]);
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 4);
    detected.decoder().decode(bytes, true, &mut out);
    (out, detected)
}

// ---------------------------------------------------------------------------------------------
// Encoders for test and demo files
// ---------------------------------------------------------------------------------------------

fn encodes_in_1258(c: char) -> bool {
    let mut b = [0u8; 4];
    !WINDOWS_1258.encode(c.encode_utf8(&mut b)).2
}

/// Unicode → Windows-1258 bytes: letters the code page has are written as they are, the others
/// as their base letter followed by a combining tone mark (ấ → â + 0xEC), as Windows writes them.
pub fn encode_windows_1258(s: &str) -> Vec<u8> {
    let mut text = String::with_capacity(s.len() + 8);
    for c in s.nfc() {
        if c.is_ascii() || encodes_in_1258(c) {
            text.push(c);
            continue;
        }
        match split_vowel(c) {
            Some((base, shape, Some(tone))) => {
                let base = shape.and_then(|m| compose(base, m)).unwrap_or(base);
                text.push(base);
                text.push(tone);
            }
            _ => text.push(c),
        }
    }
    WINDOWS_1258.encode(&text).0.into_owned()
}

/// Unicode → TCVN3 file bytes.
pub fn encode_tcvn3(s: &str) -> Vec<u8> {
    WINDOWS_1252.encode(&unicode_to_tcvn3(s)).0.into_owned()
}

/// Unicode → VNI file bytes.
pub fn encode_vni(s: &str) -> Vec<u8> {
    WINDOWS_1252.encode(&unicode_to_vni(s)).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Ủy ban nhân dân tỉnh Gia Lai; Sở Thông tin và Truyền thông; Trường THCS Nguyễn Huệ; \
                          Xã Ia Grai; Phường Quy Nhơn Bắc. Đắk Lắk, Đà Nẵng, Thừa Thiên Huế, Bà Rịa - Vũng Tàu. \
                          Quyết định số 1234/QĐ-UBND ngày 05/03/2024 về việc phê duyệt kế hoạch chuyển đổi số; \
                          người dân được hướng dẫn sử dụng dịch vụ công trực tuyến mức độ 4.";

    /// Every Vietnamese vowel with every tone, lower then upper case, and đ Đ.
    fn all_letters() -> (String, String) {
        let bases = ['a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y'];
        let mut lower = String::new();
        for b in bases {
            lower.push(b);
            for t in [ACUTE, GRAVE, HOOK, TILDE, DOT] {
                lower.push(vowel(b, None, Some(t), false));
            }
        }
        lower.push('đ');
        let upper = lower.to_uppercase();
        assert_eq!(lower.chars().count() + upper.chars().count(), 146);
        (lower, upper)
    }

    #[test]
    fn tcvn3_table_is_the_abc_table() {
        // Spot checks against the published table (byte → letter).
        for (b, c) in [
            (0xB8, 'á'),
            (0xB5, 'à'),
            (0xD8, 'ỉ'),
            (0xAD, 'ư'),
            (0xAE, 'đ'),
            (0xA7, 'Đ'),
            (0xFE, 'ỵ'),
            (0xE9, 'ộ'),
            (0xC6, 'ặ'),
        ] {
            assert_eq!(tcvn3_to_unicode(&char::from(b as u8).to_string()), c.to_string(), "{b:#x}");
        }
        // 67 lowercase letters (vowels with tones, ă â ê ô ơ ư đ) and 7 capitals, all distinct.
        let mut letters: Vec<char> = TCVN3_PAIRS.iter().map(|p| p.1).collect();
        letters.sort();
        letters.dedup();
        assert_eq!(letters.len(), 74);
        let (lower, _) = all_letters();
        for c in lower.chars().filter(|c| !c.is_ascii()) {
            assert!(letters.contains(&c), "{c} has no TCVN3 code");
        }
        assert_eq!(tcvn3_to_unicode("TØnh Gia Lai"), "Tỉnh Gia Lai");
        assert_eq!(tcvn3_to_unicode("B¶o Th¾ng"), "Bảo Thắng");
        assert_eq!(tcvn3_to_unicode("M\u{ad}êng Kh\u{ad}¬ng"), "Mường Khương");
        assert_eq!(tcvn3_to_unicode("Hµ Néi"), "Hà Nội");
        assert_eq!(tcvn3_to_unicode("§µ N½ng"), "Đà Nẵng");
        assert_eq!(tcvn3_to_unicode("¡n, ¢u, £m, ¤ng, ¥n, ¦u"), "Ăn, Âu, Êm, Ông, Ơn, Ưu");
        assert_eq!(tcvn3_to_unicode("plain ASCII 123"), "plain ASCII 123");
    }

    #[test]
    fn tcvn3_capitals_in_all_caps_words() {
        assert_eq!(tcvn3_to_unicode("ñY BAN NH©N D©N TØNH GIA LAI"), "ỦY BAN NHÂN DÂN TỈNH GIA LAI");
        assert_eq!(tcvn3_to_unicode("§¾K L¾K"), "ĐẮK LẮK");
        assert_eq!(tcvn3_to_unicode("NGUYÔN"), "NGUYỄN");
        // Title case and a lone capital stay as typed.
        assert_eq!(tcvn3_to_unicode("Hµ"), "Hà");
        assert_eq!(tcvn3_to_unicode("ñy ban"), "ủy ban");
        assert_eq!(tcvn3_to_unicode("TØnh"), "Tỉnh");
    }

    #[test]
    fn tcvn3_round_trip() {
        let (lower, upper) = all_letters();
        assert_eq!(tcvn3_to_unicode(&unicode_to_tcvn3(&lower)), lower);
        // Toned capitals have no code: alone they come back lower case…
        for c in upper.chars() {
            let back = tcvn3_to_unicode(&unicode_to_tcvn3(&c.to_string()));
            let expect = if "ĂÂÊÔƠƯĐAEIOUY".contains(c) { c.to_string() } else { c.to_lowercase().to_string() };
            assert_eq!(back, expect, "{c}");
        }
        // …and capitals again inside an all-caps word.
        for c in upper.chars() {
            let word = format!("X{c}Y");
            assert_eq!(tcvn3_to_unicode(&unicode_to_tcvn3(&word)), word);
        }
        let text = "Sở Thông tin và Truyền thông; trường học; ĐẮK LẮK; Đà Nẵng; Ưu tiên; Ơn nghĩa";
        assert_eq!(tcvn3_to_unicode(&unicode_to_tcvn3(text)), text);
        assert_eq!(unicode_to_tcvn3("Tỉnh"), "TØnh");
        assert_eq!(encode_tcvn3("Tỉnh"), vec![b'T', 0xD8, b'n', b'h']);
        assert_eq!(encode_tcvn3("được"), vec![0xAE, 0xAD, 0xEE, b'c']);
    }

    #[test]
    fn vni_conversion() {
        assert_eq!(vni_to_unicode("Vieät Nam"), "Việt Nam");
        assert_eq!(vni_to_unicode("Xin chaøo caùc baïn"), "Xin chào các bạn");
        assert_eq!(vni_to_unicode("Ñaø Naüng"), "Đà Nẵng");
        assert_eq!(vni_to_unicode("Thaønh phoá Hoà Chí Minh"), "Thành phố Hồ Chí Minh");
        assert_eq!(vni_to_unicode("TÆNH GIA LAI"), "TỈNH GIA LAI");
        assert_eq!(vni_to_unicode("Ngöôøi daân"), "Người dân");
        assert_eq!(vni_to_unicode("Quy Nhôn"), "Quy Nhơn");
        assert_eq!(vni_to_unicode("quyeát ñònh"), "quyết định");
        assert_eq!(vni_to_unicode("khoeû, thuyû, tyû, yù"), "khoẻ, thuỷ, tỷ, ý");
        assert_eq!(vni_to_unicode("khoûe, thuûy"), "khỏe, thủy");
        assert_eq!(vni_to_unicode("ÑAÉK LAÉK"), "ĐẮK LẮK");
        // A mark of the other case, or after a consonant, is left alone.
        assert_eq!(vni_to_unicode("aÙ bù"), "aÙ bù");
        assert_eq!(unicode_to_vni("Việt Nam"), "Vieät Nam");
        assert_eq!(encode_vni("Việt"), b"Vie\xE4t".to_vec());
        assert_eq!(encode_vni("đ Đ ơ Ư ỵ Ỵ"), b"\xF1 \xD1 \xF4 \xD6 \xEE \xCE".to_vec());
    }

    #[test]
    fn vni_round_trip_every_letter() {
        let (lower, upper) = all_letters();
        for text in [lower.as_str(), upper.as_str(), SAMPLE] {
            assert_eq!(vni_to_unicode(&unicode_to_vni(text)), text);
        }
        // Letter by letter too, since neighbours could mask a wrong pair.
        for c in lower.chars().chain(upper.chars()) {
            let s = c.to_string();
            let v = unicode_to_vni(&s);
            assert!(v.chars().count() <= 2 && v != s || "íìÍÌ".contains(c) || c.is_ascii(), "{c} → {v}");
            assert_eq!(vni_to_unicode(&v), s, "{c} → {v}");
        }
    }

    #[test]
    fn windows_1258_encoding() {
        assert_eq!(encode_windows_1258("Việt"), vec![b'V', b'i', 0xEA, 0xF2, b't']);
        assert_eq!(encode_windows_1258("Tỉnh"), vec![b'T', b'i', 0xD2, b'n', b'h']);
        assert_eq!(encode_windows_1258("Đà"), vec![0xD0, 0xE0]);
        assert_eq!(encode_windows_1258("ơ ư ă"), vec![0xF5, b' ', 0xFD, b' ', 0xE3]);
        let (lower, upper) = all_letters();
        for text in [lower.as_str(), upper.as_str(), SAMPLE] {
            let bytes = encode_windows_1258(text);
            let (back, _, bad) = WINDOWS_1258.decode(&bytes);
            assert!(!bad);
            assert_eq!(back.nfc().collect::<String>(), text);
        }
    }

    #[test]
    fn syllables() {
        for w in [
            "tỉnh",
            "Việt",
            "người",
            "nghiêng",
            "Nguyễn",
            "quyết",
            "quý",
            "quýt",
            "giá",
            "giếng",
            "gì",
            "khuya",
            "khuỷu",
            "Huệ",
            "Ủy",
            "uỷ",
            "hoà",
            "hòa",
            "khoẻ",
            "khỏe",
            "thuở",
            "được",
            "rượu",
            "xoong",
            "ĐẮK",
            "Lắk",
            "ấy",
            "ạ",
            "ở",
            "của",
            "mưa",
            "yêu",
            "chuyện",
            "oanh",
            "Krông",
            "trường",
        ] {
            assert!(is_vietnamese_syllable(w), "{w} should be a syllable");
        }
        for w in [
            "",
            "TØnh",
            "Vieät",
            "caù",
            "cafe",
            "café",
            "Müller",
            "xyz",
            "ng",
            "tỉnhh",
            "tiếngg",
            "vÒ",
            "NéI",
            "cát̀",
            "tàt",
            "hỏc",
            "viêtt",
            "qua1",
            "aâ",
            "Taây",
            "nghiênggg",
            "bỡnh",
            "ẵ",
            "â",
        ] {
            assert!(!is_vietnamese_syllable(w), "{w} should not be a syllable");
        }
    }

    #[test]
    fn detects_tcvn3_and_vni() {
        for s in [
            "TØnh Gia Lai",
            "Hµ Néi",
            "Uû ban nh©n d©n tØnh",
            "Së Th«ng tin vµ TruyÒn th«ng",
            "ñY BAN NH©N D©N",
            "§µ N½ng",
        ] {
            assert_eq!(detect_legacy(s), Some(Legacy::Tcvn3), "{s}");
        }
        for s in [
            "Vieät Nam",
            "Xin chaøo caùc baïn",
            "Ñaø Naüng",
            "Sôû Thoâng tin vaø Truyeàn thoâng",
            "Taây Ninh",
            "TÆNH GIA LAI",
        ] {
            assert_eq!(detect_legacy(s), Some(Legacy::Vni), "{s}");
        }
        // Generated from real text, both ways, cell and paragraph.
        for text in [SAMPLE, "Trường THCS Nguyễn Huệ", "Phường Quy Nhơn Bắc", "người dân"] {
            assert_eq!(fix_cell(&unicode_to_tcvn3(text)).map(|(_, l)| l), Some(Legacy::Tcvn3), "{text}");
            assert_eq!(fix_cell(&unicode_to_vni(text)), Some((text.to_string(), Legacy::Vni)), "{text}");
        }
        assert_eq!(fix_cell("TØnh Gia Lai"), Some(("Tỉnh Gia Lai".to_string(), Legacy::Tcvn3)));
        // Mojibake among English words and numbers.
        assert_eq!(detect_legacy("Report 2024: TØnh Gia Lai, 12 x·"), Some(Legacy::Tcvn3));
    }

    #[test]
    fn leaves_real_text_alone() {
        for s in [
            "",
            "Tỉnh Gia Lai",
            "Hà Giang",
            "Tây Ninh",
            "Lê",
            "Cà Mau",
            "Thái Bình",
            "Bà Rịa - Vũng Tàu",
            "Mê Linh Café",
            SAMPLE,
            "The quick brown fox",
            "12345",
            "1.234.567,89",
            "XA-21583",
            "nguyen.van.a@gialai.gov.vn",
            "café",
            "Müller",
            "São Paulo",
            "naïve",
            "Zoë",
            "Ångström",
            "François",
            "El Niño",
            "Straße",
            "½ kg",
            "© 2024",
            "50 °C",
            "±5%",
            "«Bonjour»",
            "日本語",
            "Quy Nho\u{31b}n",
            "déjà vu",
            "résumé",
            "Größe",
            "mañana",
            "coração",
            "crème brûlée",
            "Zürich",
            "Bogotá",
            "piñata",
            "smörgåsbord",
            "Ærø",
            "Dvořák",
            "Hôtel de Ville",
            "Noël",
            "Ça va",
            "à",
            "ô tô",
            "Ê Đê",
            "Côn Sơn",
            "Ý Yên",
        ] {
            assert_eq!(detect_legacy(s), None, "{s}");
            assert_eq!(fix_cell(s), None, "{s}");
        }
    }

    #[test]
    fn unit_names_are_never_taken_for_mojibake_and_their_legacy_forms_are_found() {
        let units = crate::AdminUnits::embedded();
        let mut names: Vec<&str> = units.all().iter().map(|u| u.full_name.as_str()).collect();
        names.sort();
        names.dedup();
        assert!(names.len() > 9000);
        let (mut tcvn3, mut vni, mut total) = (0, 0, 0);
        for name in &names {
            assert_eq!(detect_legacy(name), None, "{name}");
            let (t, v) = (unicode_to_tcvn3(name), unicode_to_vni(name));
            if t.is_ascii() {
                continue;
            }
            total += 1;
            if fix_cell(&t).is_some_and(|(f, l)| l == Legacy::Tcvn3 && f.to_lowercase() == name.to_lowercase()) {
                tcvn3 += 1;
            }
            if fix_cell(&v) == Some((name.to_string(), Legacy::Vni)) {
                vni += 1;
            }
        }
        // A handful of one-word names in minority languages ("Chrôh Pơnan") stay undecided.
        assert!(tcvn3 * 1000 >= total * 998, "TCVN3 {tcvn3}/{total}");
        assert!(vni * 1000 >= total * 998, "VNI {vni}/{total}");
    }

    fn decode_in_chunks(d: Detected, bytes: &[u8], sizes: &mut dyn Iterator<Item = usize>) -> String {
        let mut dec = d.decoder();
        let mut out = String::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = sizes.next().unwrap_or(rest.len()).clamp(1, rest.len());
            dec.decode(&rest[..n], false, &mut out);
            rest = &rest[n..];
        }
        dec.decode(&[], true, &mut out);
        out
    }

    fn utf16(s: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for u in (if bom { "\u{feff}" } else { "" }).encode_utf16().chain(s.encode_utf16()) {
            out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    }

    /// (bytes, what detection must find, the text decoding must give).
    fn files() -> Vec<(&'static str, Vec<u8>, Detected, String)> {
        use SourceEncoding::*;
        let text = format!("{SAMPLE}\nMã;Tên;Ghi chú\n21583;Phường Quy Nhơn Bắc;đã sáp nhập\n");
        let tcvn3_text = tcvn3_to_unicode(&unicode_to_tcvn3(&text));
        let nfd: String = text.nfd().collect();
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend(text.as_bytes());
        let mut mojibake_bom = vec![0xEF, 0xBB, 0xBF];
        mojibake_bom.extend(unicode_to_tcvn3(&text).as_bytes());
        vec![
            ("utf8", text.as_bytes().to_vec(), Detected::plain(Utf8), text.clone()),
            ("utf8 nfd", nfd.as_bytes().to_vec(), Detected::plain(Utf8), text.clone()),
            ("utf8 bom", bom, Detected::plain(Utf8Bom), text.clone()),
            ("utf16le bom", utf16(&text, true, true), Detected::plain(Utf16Le), text.clone()),
            ("utf16be bom", utf16(&text, false, true), Detected::plain(Utf16Be), text.clone()),
            ("utf16le", utf16(&text, true, false), Detected::plain(Utf16Le), text.clone()),
            ("utf16be", utf16(&text, false, false), Detected::plain(Utf16Be), text.clone()),
            ("1258", encode_windows_1258(&text), Detected::plain(Windows1258), text.clone()),
            ("tcvn3", encode_tcvn3(&text), Detected::plain(Tcvn3), tcvn3_text.clone()),
            ("vni", encode_vni(&text), Detected::plain(Vni), text.clone()),
            (
                "tcvn3 as utf8",
                unicode_to_tcvn3(&text).into_bytes(),
                Detected { encoding: Tcvn3, via: Some(Utf8) },
                tcvn3_text.clone(),
            ),
            ("tcvn3 as utf8 bom", mojibake_bom, Detected { encoding: Tcvn3, via: Some(Utf8Bom) }, tcvn3_text),
            (
                "vni as utf8",
                unicode_to_vni(&text).into_bytes(),
                Detected { encoding: Vni, via: Some(Utf8) },
                text.clone(),
            ),
            (
                "vni as utf16le",
                utf16(&unicode_to_vni(&text), true, true),
                Detected { encoding: Vni, via: Some(Utf16Le) },
                text.clone(),
            ),
        ]
    }

    #[test]
    fn detects_file_encodings() {
        for (name, bytes, detected, _) in files() {
            assert_eq!(detect_encoding(&bytes), detected, "{name}");
            // A prefix cut anywhere (past the BOM) is detected the same.
            for cut in [64, 101, 157] {
                assert_eq!(detect_encoding(&bytes[..cut]), detected, "{name} cut at {cut}");
            }
        }
        assert_eq!(detect_encoding(b"plain,ascii\n1,2\n"), Detected::plain(SourceEncoding::Utf8));
        assert_eq!(detect_encoding(b""), Detected::plain(SourceEncoding::Utf8));
        // "Tỉnh" in UTF-8 cut inside the ỉ is still UTF-8.
        assert_eq!(detect_encoding(&"Tỉnh".as_bytes()[..3]), Detected::plain(SourceEncoding::Utf8));
        assert!(detect_encoding(b"Ti\xD2nh").encoding != SourceEncoding::Utf8);
    }

    #[test]
    fn decodes_the_same_however_the_bytes_are_cut() {
        for (name, bytes, detected, text) in files() {
            let whole = decode_in_chunks(detected, &bytes, &mut std::iter::empty());
            assert_eq!(whole, text, "{name}: whole");
            assert!(is_nfc(&whole), "{name}");
            let ones = decode_in_chunks(detected, &bytes, &mut std::iter::repeat(1));
            assert_eq!(ones, whole, "{name}: 1-byte chunks");
            for size in [2, 3, 5, 7, 64] {
                assert_eq!(decode_in_chunks(detected, &bytes, &mut std::iter::repeat(size)), whole, "{name}: {size}");
            }
            for cut in 1..bytes.len() {
                let mut sizes = [cut].into_iter();
                assert_eq!(decode_in_chunks(detected, &bytes, &mut sizes), whole, "{name}: split at {cut}");
            }
            assert_eq!(decode_bytes(&bytes), (whole, detected), "{name}");
        }
    }

    #[test]
    fn random_bytes_decode_the_same_in_any_chunks_and_never_panic() {
        use SourceEncoding::*;
        let decoders = [
            (Utf8, None),
            (Utf8Bom, None),
            (Utf16Le, None),
            (Utf16Be, None),
            (Windows1258, None),
            (Tcvn3, None),
            (Vni, None),
            (Tcvn3, Some(Utf8)),
            (Vni, Some(Utf8)),
            (Vni, Some(Utf16Be)),
        ];
        // Bytes that matter: ASCII letters and separators, legacy codes, UTF-8 leads, 1258 tone marks.
        let alphabet: Vec<u8> = b"aeouyAEOUYnhT ;\n"
            .iter()
            .copied()
            .chain([
                0x00, 0xAD, 0xB5, 0xC3, 0xCC, 0xD2, 0xD8, 0xDE, 0xE1, 0xE4, 0xEC, 0xF2, 0xF4, 0xF9, 0xFF, 0x80, 0xBB,
            ])
            .collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..150 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut r = seed;
            let bytes: Vec<u8> = (0..(r % 24))
                .map(|_| {
                    r = r.rotate_left(5) ^ 0x5555;
                    alphabet[(r % alphabet.len() as u64) as usize]
                })
                .collect();
            let _ = detect_encoding(&bytes);
            let latin = WINDOWS_1252.decode(&bytes).0.into_owned();
            let _ = (detect_legacy(&latin), fix_cell(&latin), unicode_to_vni(&latin), unicode_to_tcvn3(&latin));
            for &(encoding, via) in &decoders {
                let d = Detected { encoding, via };
                let whole = decode_in_chunks(d, &bytes, &mut std::iter::empty());
                assert_eq!(decode_in_chunks(d, &bytes, &mut std::iter::repeat(1)), whole, "{d:?} {bytes:x?}");
                for cut in 1..bytes.len() {
                    assert_eq!(decode_in_chunks(d, &bytes, &mut [cut].into_iter()), whole, "{d:?} {bytes:x?} at {cut}");
                }
            }
        }
    }

    #[test]
    fn chunk_boundaries_inside_letters() {
        // Windows-1258: "a" then its tone mark in the next chunk.
        let mut d = Decoder::new(SourceEncoding::Windows1258, None);
        let mut out = String::new();
        d.decode(b"Vi\xEA", false, &mut out);
        d.decode(b"\xF2t", false, &mut out);
        d.decode(b"", true, &mut out);
        assert_eq!(out, "Việt");
        // VNI: "e" then its mark byte.
        let mut d = Decoder::new(SourceEncoding::Vni, None);
        let mut out = String::new();
        d.decode(b"Vie", false, &mut out);
        assert_eq!(out, "V", "the e may still get a mark, the i a combining one");
        d.decode(b"\xE4t", true, &mut out);
        assert_eq!(out, "Việt");
        // UTF-8: a three-byte letter cut in two.
        let mut d = Decoder::new(SourceEncoding::Utf8, None);
        let mut out = String::new();
        let b = "ệ".as_bytes();
        d.decode(&b[..1], false, &mut out);
        d.decode(&b[1..], true, &mut out);
        assert_eq!(out, "ệ");
        // A truncated sequence at the very end becomes U+FFFD rather than vanishing.
        let mut d = Decoder::new(SourceEncoding::Utf8, None);
        let mut out = String::new();
        d.decode(&b[..2], true, &mut out);
        assert_eq!(out, "\u{fffd}");
    }

    #[test]
    fn labels() {
        let d = Detected { encoding: SourceEncoding::Tcvn3, via: Some(SourceEncoding::Utf8) };
        assert!(d.label_vi().contains("TCVN3") && d.label_vi().contains("UTF-8"));
        assert!(d.label_en().contains("saved again as UTF-8"));
        for e in [
            SourceEncoding::Utf8,
            SourceEncoding::Utf8Bom,
            SourceEncoding::Utf16Le,
            SourceEncoding::Utf16Be,
            SourceEncoding::Windows1258,
            SourceEncoding::Tcvn3,
            SourceEncoding::Vni,
        ] {
            assert!(!e.label_vi().is_empty() && !e.label_en().is_empty());
            assert_eq!(Detected::plain(e).label_en(), e.label_en());
        }
    }
}
