//! The rejected rows of an ingest: one CSV line per rejected source row with
//! its row number, column, value, rule and reasons in Vietnamese and English,
//! followed by the original cells so the file can be fixed and uploaded again.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use tinhso_domain::{Error, Result};

use crate::source::SourceRow;
use crate::validate::Issue;

/// The diagnostic columns that precede the original ones.
pub const DIAGNOSTIC_HEADERS: [&str; 6] =
    ["Dòng / Row", "Cột / Column", "Giá trị / Value", "Quy tắc / Rule", "Lý do", "Reason"];

fn err(e: impl std::fmt::Display) -> Error {
    Error::internal(e)
}

/// Streams rejected rows to a CSV file (UTF-8 with BOM so Excel reads the accents).
pub struct RejectsWriter {
    w: csv::Writer<BufWriter<File>>,
}

impl RejectsWriter {
    pub fn create(path: &Path, headers: &[String]) -> Result<RejectsWriter> {
        let mut f = BufWriter::new(File::create(path).map_err(err)?);
        f.write_all(b"\xEF\xBB\xBF").map_err(err)?;
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(f);
        let mut head: Vec<&str> = DIAGNOSTIC_HEADERS.to_vec();
        head.extend(headers.iter().map(String::as_str));
        w.write_record(&head).map_err(err)?;
        Ok(RejectsWriter { w })
    }

    /// Writes one rejected row; several issues are joined with " | ".
    pub fn write(&mut self, row: &SourceRow, issues: &[Issue]) -> Result<()> {
        let join = |f: fn(&Issue) -> &str| issues.iter().map(f).collect::<Vec<_>>().join(" | ");
        let mut rec = vec![
            row.number.to_string(),
            join(|i| i.column.as_str()),
            join(|i| i.value.as_str()),
            join(|i| i.rule.as_str()),
            join(|i| i.vi.as_str()),
            join(|i| i.en.as_str()),
        ];
        rec.extend(row.cells.iter().cloned());
        self.w.write_record(&rec).map_err(err)
    }

    pub fn finish(mut self) -> Result<()> {
        self.w.flush().map_err(err)
    }
}

/// Converts a rejects CSV to an .xlsx workbook (for people who fix rows in Excel).
pub fn csv_to_xlsx(csv_path: &Path) -> Result<Vec<u8>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(csv_path).map_err(err)?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Dong bi loai").map_err(err)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(err)?;
        for (j, cell) in rec.iter().enumerate() {
            let cell = cell.trim_start_matches('\u{feff}');
            if i == 0 {
                ws.write_string_with_format(i as u32, j as u16, cell, &bold).map_err(err)?;
            } else {
                ws.write_string(i as u32, j as u16, cell).map_err(err)?;
            }
        }
        if i >= 1_048_575 {
            break;
        }
    }
    wb.save_to_buffer().map_err(err)
}
