//! Reading agency import files (CSV and XLSX) into rows, with headers matched
//! to fields ignoring case and diacritics. Errors name the file, row and column.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use tinhso_domain::text::{fold, nfc};
use tinhso_domain::Error;
use tinhso_store::{AgencyInput, ImportRow};

/// A file read into rows, with the header label of each field.
#[derive(Debug)]
pub struct ParsedFile {
    pub rows: Vec<ImportRow>,
    /// API field name → header as written in the file.
    pub columns: HashMap<String, String>,
}

/// The fields and the (folded) headers accepted for each.
const FIELDS: &[(&str, &[&str])] = &[
    ("code", &["ma", "ma co quan", "ma don vi", "code", "agency code"]),
    ("name_vi", &["ten", "ten co quan", "ten don vi", "ten tieng viet", "name", "name vi"]),
    ("name_en", &["ten tieng anh", "name en", "english name"]),
    ("kind", &["loai", "loai co quan", "loai don vi", "kind"]),
    ("parent_code", &["ma cap tren", "ma co quan cap tren", "ma don vi cap tren", "cap tren", "parent", "parent code"]),
    ("admin_unit_code", &["ma dvhc", "ma don vi hanh chinh", "dvhc", "admin unit", "admin unit code"]),
];

fn field_for(header: &str) -> Option<&'static str> {
    let h = fold(&header.replace(['_', '-'], " "));
    FIELDS.iter().find(|(_, names)| names.contains(&h.as_str())).map(|(f, _)| *f)
}

fn file_error(file: &str, vi: String, en: String) -> Error {
    Error::invalid("file", format!("Tệp {file}: {vi}"), format!("File {file}: {en}")).at(file)
}

/// Reads an uploaded file by its extension.
pub fn parse(file_name: &str, bytes: &[u8]) -> Result<ParsedFile, Error> {
    let lower = file_name.to_lowercase();
    let table = if lower.ends_with(".xlsx") {
        read_xlsx(file_name, bytes)?
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") {
        read_csv(file_name, bytes)?
    } else {
        return Err(file_error(
            file_name,
            "chỉ nhận tệp .xlsx hoặc .csv.".into(),
            "only .xlsx or .csv files are accepted.".into(),
        ));
    };
    to_rows(file_name, table)
}

fn read_xlsx(file: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, Error> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        file_error(file, format!("không đọc được tệp Excel ({e})."), format!("cannot read the Excel file ({e})."))
    })?;
    let sheet = wb.sheet_names().first().cloned().ok_or_else(|| {
        file_error(file, "tệp Excel không có trang tính nào.".into(), "the Excel file has no worksheet.".into())
    })?;
    let range = wb.worksheet_range(&sheet).map_err(|e| {
        file_error(
            file,
            format!("không đọc được trang «{sheet}» ({e})."),
            format!("cannot read sheet «{sheet}» ({e})."),
        )
    })?;
    Ok(range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    // Codes typed as numbers come back as floats: 21583.0 → "21583".
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                    Data::Int(i) => i.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect())
}

fn read_csv(file: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, Error> {
    let text = decode(file, bytes)?;
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter =
        [b',', b';', b'\t', b'|'].into_iter().max_by_key(|d| first.bytes().filter(|b| b == d).count()).unwrap_or(b',');
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| {
            file_error(file, format!("dòng {}: CSV hỏng ({e}).", i + 1), format!("row {}: malformed CSV ({e}).", i + 1))
        })?;
        out.push(rec.iter().map(str::to_string).collect());
    }
    Ok(out)
}

/// UTF-8 (with or without BOM) or UTF-16 with a BOM.
fn decode(file: &str, bytes: &[u8]) -> Result<String, Error> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(file, rest);
    }
    let utf16 = |le: bool, rest: &[u8]| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) })
            .collect();
        String::from_utf16(&units)
            .map_err(|_| file_error(file, "nội dung UTF-16 hỏng.".into(), "malformed UTF-16 content.".into()))
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(true, rest),
        [0xFE, 0xFF, rest @ ..] => utf16(false, rest),
        _ => utf8(file, bytes),
    }
}

fn utf8(file: &str, bytes: &[u8]) -> Result<String, Error> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let row = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        Error::invalid(
            "file",
            format!("Tệp {file}, dòng {row}: không phải UTF-8. Hãy lưu tệp dưới dạng CSV UTF-8."),
            format!("File {file}, row {row}: not UTF-8. Save the file as CSV UTF-8."),
        )
        .at(format!("{file}:{row}"))
    })
}

fn to_rows(file: &str, table: Vec<Vec<String>>) -> Result<ParsedFile, Error> {
    let Some(header_ix) = table.iter().position(|r| r.iter().any(|c| field_for(c).is_some())) else {
        return Err(file_error(
            file,
            "không tìm thấy dòng tiêu đề (cần ít nhất các cột «Mã» và «Tên»).".into(),
            "no header row found (at least the columns «Mã» (code) and «Tên» (name) are needed).".into(),
        ));
    };
    let header = &table[header_ix];
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut columns = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        if let Some(f) = field_for(h) {
            if index.insert(f, i).is_some() {
                return Err(file_error(
                    file,
                    format!("cột «{h}» xuất hiện hai lần."),
                    format!("column «{h}» appears twice."),
                ));
            }
            columns.insert(f.to_string(), nfc(h));
        }
    }
    for (f, vi, en) in [("code", "Mã", "code"), ("name_vi", "Tên", "name")] {
        if !index.contains_key(f) {
            return Err(file_error(
                file,
                format!("thiếu cột «{vi}» trong dòng tiêu đề (dòng {}).", header_ix + 1),
                format!("the header row (row {}) lacks the «{vi}» ({en}) column.", header_ix + 1),
            ));
        }
    }
    let get = |row: &[String], f: &str| index.get(f).and_then(|&i| row.get(i)).map(|s| nfc(s)).unwrap_or_default();
    let rows = table
        .iter()
        .enumerate()
        .skip(header_ix + 1)
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, r)| {
            let opt = |f: &str| Some(get(r, f)).filter(|s| !s.is_empty());
            ImportRow {
                row_no: i + 1,
                input: AgencyInput {
                    code: get(r, "code"),
                    name_vi: get(r, "name_vi"),
                    name_en: get(r, "name_en"),
                    kind: get(r, "kind"),
                    parent_code: opt("parent_code"),
                    admin_unit_code: opt("admin_unit_code"),
                    active: true,
                },
                raw: r.join(" | "),
            }
        })
        .collect::<Vec<_>>();
    if rows.is_empty() {
        return Err(file_error(file, "không có dòng dữ liệu nào.".into(), "there are no data rows.".into()));
    }
    Ok(ParsedFile { rows, columns })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_bom_semicolons_and_vietnamese_headers() {
        let csv = "\u{feff}Danh sách đơn vị;;\nMã;Tên cơ quan;Mã cấp trên;Mã ĐVHC\nSYT2;Sở Y tế 2;UBND;52\n;;;\nX;Xã A;UBND;21583\n";
        let p = parse("dv.csv", csv.as_bytes()).unwrap();
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].row_no, 3);
        assert_eq!(p.rows[0].input.parent_code.as_deref(), Some("UBND"));
        assert_eq!(p.rows[1].row_no, 5);
        assert_eq!(p.columns["parent_code"], "Mã cấp trên");
    }

    #[test]
    fn utf16_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "ma,ten\nA,Sở A\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(parse("a.csv", &bytes).unwrap().rows[0].input.name_vi, "Sở A");
    }

    #[test]
    fn bad_files_say_what_and_where() {
        let e = parse("a.pdf", b"x").unwrap_err();
        assert!(e.vi.contains("a.pdf") && e.en.contains(".xlsx"));
        let e = parse("a.csv", b"foo,bar\n1,2\n").unwrap_err();
        assert!(e.en.contains("no header row"));
        let e = parse("a.csv", b"ma,loai\nA,so\n").unwrap_err();
        assert!(e.en.contains("lacks") && e.vi.contains("Tên"));
        let e = parse("a.csv", b"ma,ten\nA,S\xe1 A\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("a.csv:2"));
        let e = parse("a.xlsx", b"not a zip").unwrap_err();
        assert!(e.vi.contains("Excel"));
        let e = parse("a.csv", b"ma,ten\n").unwrap_err();
        assert!(e.en.contains("no data rows"));
    }
}
