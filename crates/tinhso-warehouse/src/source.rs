//! Reading uploaded files as a header and a stream of rows of text cells:
//! CSV (any delimiter, any of the encodings Vietnamese offices produce),
//! Excel .xlsx and JSON/JSONL. CSV and JSON are streamed from disk.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use calamine::{Data, Reader as _};
use tinhso_domain::legacy::{detect_encoding, Decoder, SourceEncoding};
use tinhso_domain::{Error, Result};

/// The largest cell we accept (bytes); longer cells reject their row.
pub const MAX_CELL_BYTES: usize = 1 << 20;
/// The largest record (line) we read; longer ones fail the file at that row.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// The file formats we ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
        }
    }

    /// The format from a content type or, failing that, the file name.
    pub fn guess(content_type: Option<&str>, file_name: &str) -> Option<Format> {
        let ct = content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        match ct.as_deref() {
            Some("text/csv" | "text/plain" | "application/csv" | "text/tab-separated-values") => {
                return Some(Format::Csv)
            }
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") => return Some(Format::Xlsx),
            Some("application/json" | "application/x-ndjson" | "application/jsonl" | "application/x-jsonlines") => {
                return Some(Format::Json)
            }
            _ => {}
        }
        let lower = file_name.to_ascii_lowercase();
        if lower.ends_with(".csv") || lower.ends_with(".tsv") || lower.ends_with(".txt") {
            Some(Format::Csv)
        } else if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
            Some(Format::Xlsx)
        } else if lower.ends_with(".json") || lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Some(Format::Json)
        } else {
            None
        }
    }
}

/// One data row: its number in the source (1-based line, Excel row, or JSON element) and its cells.
#[derive(Debug, Clone)]
pub struct SourceRow {
    pub number: u64,
    pub cells: Vec<String>,
    /// Cells that are errors in the source (Excel `#DIV/0!`…), by column index.
    pub error_cells: Vec<usize>,
}

/// How the file was read, for the quality report.
#[derive(Debug, Clone, Default)]
pub struct SourceInfo {
    pub format: &'static str,
    pub encoding: Option<SourceEncoding>,
    pub delimiter: Option<char>,
    pub sheet: Option<String>,
    /// 1-based row/line of the header.
    pub header_row: u64,
    pub headers: Vec<String>,
    /// Excel formula cells, read as their cached values.
    pub formula_cells: u64,
}

fn file_error(file: &str, vi: impl Into<String>, en: impl Into<String>) -> Error {
    Error::invalid("file", format!("Tệp «{file}»: {}", vi.into()), format!("File «{file}»: {}", en.into()))
}

fn row_error(file: &str, row: u64, vi: impl Into<String>, en: impl Into<String>) -> Error {
    Error::invalid(
        "file",
        format!("Tệp «{file}», dòng {row}: {}", vi.into()),
        format!("File «{file}», row {row}: {}", en.into()),
    )
}

/// Something that yields rows.
pub trait RowStream: Send {
    fn info(&self) -> &SourceInfo;
    /// The next data row; `Ok(None)` at the end.
    fn next_row(&mut self) -> Result<Option<SourceRow>>;
    /// Bytes consumed so far (for progress).
    fn bytes_read(&self) -> u64;
}

/// Opens `path` (named `file_name` for messages) as a row stream. `matches`
/// scores a candidate header row (how many cells name a field), to find the
/// header under a title block.
pub fn open(
    path: &Path,
    file_name: &str,
    format: Format,
    sheet: Option<&str>,
    matches: &dyn Fn(&[String]) -> usize,
) -> Result<Box<dyn RowStream>> {
    let len = std::fs::metadata(path)
        .map_err(|e| file_error(file_name, format!("không đọc được: {e}"), format!("cannot be read: {e}")))?
        .len();
    if len == 0 {
        return Err(file_error(file_name, "tệp rỗng.", "the file is empty."));
    }
    let mut head = [0u8; 8];
    let n = File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
    let head = &head[..n];
    let is_zip = head.starts_with(b"PK\x03\x04");
    match format {
        Format::Xlsx if !is_zip => Err(file_error(
            file_name,
            "không phải tệp Excel .xlsx (nội dung không phải định dạng Office Open XML).",
            "is not an Excel .xlsx file (the content is not Office Open XML).",
        )),
        Format::Csv | Format::Json if is_zip || head.starts_with(b"\xD0\xCF\x11\xE0") || head.starts_with(b"%PDF") => {
            Err(file_error(
                file_name,
                "là tệp nhị phân (Excel, Word hoặc PDF), không phải văn bản CSV/JSON. Hãy tải lên đúng loại tệp.",
                "is a binary file (Excel, Word or PDF), not CSV/JSON text. Upload it with the right type.",
            ))
        }
        Format::Csv => Ok(Box::new(CsvStream::open(path, file_name, matches)?)),
        Format::Xlsx => Ok(Box::new(XlsxStream::open(path, file_name, sheet, matches)?)),
        Format::Json => Ok(Box::new(JsonStream::open(path, file_name)?)),
    }
}

/// A `Read` that turns a legacy-encoded byte stream into UTF-8 (NFC).
struct DecodingReader<R: Read> {
    inner: R,
    decoder: Decoder,
    buf: Vec<u8>,
    out: String,
    pos: usize,
    done: bool,
    consumed: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, dst: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.out.clear();
            self.pos = 0;
            let n = self.inner.read(&mut self.buf)?;
            self.consumed.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
            self.done = n == 0;
            self.decoder.decode(&self.buf[..n], self.done, &mut self.out);
        }
        let bytes = &self.out.as_bytes()[self.pos..];
        let k = bytes.len().min(dst.len());
        dst[..k].copy_from_slice(&bytes[..k]);
        self.pos += k;
        Ok(k)
    }
}

/// Picks the delimiter that splits the sample's lines most consistently.
fn sniff_delimiter(sample: &str) -> char {
    let lines: Vec<&str> = sample.lines().filter(|l| !l.trim().is_empty()).take(30).collect();
    let mut best = (',', 0usize, 0usize);
    for d in [',', ';', '\t', '|'] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let max = counts.iter().copied().max().unwrap_or(0);
        if max == 0 {
            continue;
        }
        // Lines that have the modal count: title lines above the header may differ.
        let mut freq = std::collections::HashMap::new();
        for c in counts.iter().filter(|&&c| c > 0) {
            *freq.entry(*c).or_insert(0usize) += 1;
        }
        let (&mode, &agree) = freq.iter().max_by_key(|(c, n)| (**n, **c)).unwrap();
        if (agree, mode) > (best.1, best.2) {
            best = (d, agree, mode);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, d: char) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for c in line.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if c == d && !quoted {
            n += 1;
        }
    }
    n
}

/// Among the first rows, the one that names the most fields (at least one).
fn find_header(rows: &[Vec<String>], matches: &dyn Fn(&[String]) -> usize) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, r) in rows.iter().enumerate() {
        let m = matches(r);
        if m > 0 && best.is_none_or(|(_, bm)| m > bm) {
            best = Some((i, m));
        }
    }
    best.map(|(i, _)| i)
}

const HEADER_SEARCH_ROWS: usize = 30;

struct CsvStream {
    info: SourceInfo,
    reader: csv::Reader<Box<dyn Read + Send>>,
    pending: std::collections::VecDeque<SourceRow>,
    record: csv::StringRecord,
    file_name: String,
    consumed: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl CsvStream {
    fn open(path: &Path, file_name: &str, matches: &dyn Fn(&[String]) -> usize) -> Result<CsvStream> {
        let io =
            |e: std::io::Error| file_error(file_name, format!("không đọc được: {e}"), format!("cannot be read: {e}"));
        let mut f = File::open(path).map_err(io)?;
        let mut prefix = vec![0u8; 256 * 1024];
        let mut n = 0;
        while n < prefix.len() {
            let k = f.read(&mut prefix[n..]).map_err(io)?;
            if k == 0 {
                break;
            }
            n += k;
        }
        prefix.truncate(n);
        let detected = detect_encoding(&prefix);
        let encoding = detected.encoding;
        let mut sample = String::new();
        detected.decoder().decode(&prefix, n < 256 * 1024, &mut sample);
        if sample.contains('\u{FFFD}') && matches!(encoding, SourceEncoding::Utf8 | SourceEncoding::Utf8Bom) {
            return Err(file_error(
                file_name,
                "không đọc được bảng mã ký tự (không phải UTF-8, UTF-16, Windows-1258, TCVN3 hay VNI).",
                "has an unreadable character encoding (not UTF-8, UTF-16, Windows-1258, TCVN3 or VNI).",
            ));
        }
        if sample.contains('\0') {
            return Err(file_error(
                file_name,
                "chứa ký tự NUL: đây không phải tệp văn bản CSV.",
                "contains NUL characters: this is not a CSV text file.",
            ));
        }
        let delimiter = sniff_delimiter(&sample);
        let consumed = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let f = File::open(path).map_err(io)?;
        let reader: Box<dyn Read + Send> = Box::new(DecodingReader {
            inner: f,
            decoder: detected.decoder(),
            buf: vec![0u8; 256 * 1024],
            out: String::new(),
            pos: 0,
            done: false,
            consumed: consumed.clone(),
        });
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter as u8)
            .buffer_capacity(256 * 1024)
            .from_reader(reader);
        let mut first: Vec<SourceRow> = Vec::new();
        let mut record = csv::StringRecord::new();
        while first.len() < HEADER_SEARCH_ROWS {
            match read_record(&mut reader, &mut record, file_name)? {
                None => break,
                Some(line) => first.push(SourceRow {
                    number: line,
                    cells: record.iter().map(|c| c.to_string()).collect(),
                    error_cells: Vec::new(),
                }),
            }
        }
        let rows: Vec<Vec<String>> = first.iter().map(|r| r.cells.clone()).collect();
        let Some(h) = find_header(&rows, matches) else {
            return Err(no_header(file_name, rows.first()));
        };
        let header = first[h].clone();
        let pending = first.into_iter().skip(h + 1).collect();
        Ok(CsvStream {
            info: SourceInfo {
                format: "csv",
                encoding: Some(encoding),
                delimiter: Some(delimiter),
                sheet: None,
                header_row: header.number,
                headers: header.cells.iter().map(|c| c.trim().to_string()).collect(),
                formula_cells: 0,
            },
            reader,
            pending,
            record,
            file_name: file_name.to_string(),
            consumed,
        })
    }
}

fn no_header(file_name: &str, first: Option<&Vec<String>>) -> Error {
    let seen = first.map(|r| r.iter().take(8).map(|c| c.trim()).collect::<Vec<_>>().join(" | ")).unwrap_or_default();
    file_error(
        file_name,
        format!("không tìm thấy dòng tiêu đề nào khớp với các trường của bộ dữ liệu (dòng đầu: «{seen}»). Tên cột phải trùng tên hoặc nhãn trường (không phân biệt hoa thường, dấu)."),
        format!("no header row matches the dataset's fields (first row: «{seen}»). Column names must equal field names or labels (ignoring case and accents)."),
    )
}

fn read_record(
    reader: &mut csv::Reader<Box<dyn Read + Send>>,
    record: &mut csv::StringRecord,
    file_name: &str,
) -> Result<Option<u64>> {
    loop {
        let res = reader.read_record(record);
        let line = reader.position().line();
        match res {
            Ok(false) => return Ok(None),
            Ok(true) => {
                if record.as_slice().len() > MAX_RECORD_BYTES {
                    return Err(row_error(
                        file_name,
                        line,
                        format!("dòng dài quá {} MB.", MAX_RECORD_BYTES >> 20),
                        format!("the line is longer than {} MB.", MAX_RECORD_BYTES >> 20),
                    ));
                }
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                let start = record.position().map(|p| p.line()).unwrap_or(line);
                return Ok(Some(start));
            }
            Err(e) => {
                let at = e.position().map(|p| p.line()).unwrap_or(line);
                return Err(row_error(
                    file_name,
                    at,
                    format!("lỗi cú pháp CSV: {e}"),
                    format!("CSV syntax error: {e}"),
                ));
            }
        }
    }
}

impl RowStream for CsvStream {
    fn info(&self) -> &SourceInfo {
        &self.info
    }
    fn next_row(&mut self) -> Result<Option<SourceRow>> {
        if let Some(r) = self.pending.pop_front() {
            return Ok(Some(r));
        }
        match read_record(&mut self.reader, &mut self.record, &self.file_name)? {
            None => Ok(None),
            Some(number) => Ok(Some(SourceRow {
                number,
                cells: self.record.iter().map(|c| c.to_string()).collect(),
                error_cells: Vec::new(),
            })),
        }
    }
    fn bytes_read(&self) -> u64 {
        self.consumed.load(std::sync::atomic::Ordering::Relaxed)
    }
}

struct XlsxStream {
    info: SourceInfo,
    rows: std::vec::IntoIter<SourceRow>,
    total: u64,
    done: u64,
}

/// Text of an Excel cell as a person would read it; `Err(text)` for an error cell.
fn excel_cell(d: &Data) -> std::result::Result<String, String> {
    Ok(match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                // Vietnamese decimal comma: unambiguous for the number parsers.
                format!("{f}").replace('.', ",")
            }
        }
        Data::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(format!("{e:?}")),
    })
}

impl XlsxStream {
    fn open(
        path: &Path,
        file_name: &str,
        sheet: Option<&str>,
        matches: &dyn Fn(&[String]) -> usize,
    ) -> Result<XlsxStream> {
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).map_err(|e| {
            file_error(file_name, format!("không mở được tệp Excel: {e}"), format!("cannot open the Excel file: {e}"))
        })?;
        let names = wb.sheet_names().to_vec();
        let name = match sheet {
            Some(s) => names
                .iter()
                .find(|n| tinhso_domain::text::fold(n) == tinhso_domain::text::fold(s))
                .cloned()
                .or_else(|| s.parse::<usize>().ok().and_then(|i| names.get(i.saturating_sub(1)).cloned()))
                .ok_or_else(|| {
                    file_error(
                        file_name,
                        format!("không có trang tính «{s}» (có: {}).", names.join(", ")),
                        format!("has no sheet «{s}» (sheets: {}).", names.join(", ")),
                    )
                })?,
            None => names
                .first()
                .cloned()
                .ok_or_else(|| file_error(file_name, "không có trang tính nào.", "has no sheets."))?,
        };
        let range = wb.worksheet_range(&name).map_err(|e| {
            file_error(
                file_name,
                format!("không đọc được trang «{name}»: {e}"),
                format!("cannot read sheet «{name}»: {e}"),
            )
        })?;
        let formulas = wb
            .worksheet_formula(&name)
            .map(|r| r.used_cells().filter(|(_, _, f)| !f.is_empty()).count() as u64)
            .unwrap_or(0);
        let merges = wb.merge_cells_by_sheet_name(&name).unwrap_or_default();
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let width = range.width();
        let mut rows: Vec<SourceRow> = Vec::with_capacity(range.height());
        for (i, r) in range.rows().enumerate() {
            let mut cells = Vec::with_capacity(width);
            let mut errors = Vec::new();
            for (j, d) in r.iter().enumerate() {
                match excel_cell(d) {
                    Ok(s) => cells.push(s),
                    Err(e) => {
                        errors.push(j);
                        cells.push(e);
                    }
                }
            }
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            rows.push(SourceRow { number: (r0 + i as u32 + 1) as u64, cells, error_cells: errors });
        }
        // Merged cells: the top-left value fills the region, so a header merged
        // across rows or columns names every column under it.
        let mut header_rows: Vec<Vec<String>> = rows.iter().take(HEADER_SEARCH_ROWS).map(|r| r.cells.clone()).collect();
        for m in &merges {
            let value = rows
                .iter()
                .position(|r| r.number == (m.start.0 + 1) as u64)
                .and_then(|i| header_rows.get(i))
                .and_then(|r| r.get((m.start.1.saturating_sub(c0)) as usize))
                .cloned()
                .unwrap_or_default();
            for (i, r) in rows.iter().enumerate().take(header_rows.len()) {
                let rn = r.number as u32 - 1;
                if rn < m.start.0 || rn > m.end.0 {
                    continue;
                }
                for c in m.start.1..=m.end.1 {
                    let j = (c.saturating_sub(c0)) as usize;
                    if let Some(cell) = header_rows[i].get_mut(j) {
                        if cell.trim().is_empty() {
                            *cell = value.clone();
                        }
                    }
                }
            }
        }
        let Some(h) = find_header(&header_rows, matches) else {
            return Err(no_header(file_name, header_rows.first()));
        };
        let headers = header_rows[h].iter().map(|c| c.trim().to_string()).collect();
        let header_row = rows[h].number;
        let data: Vec<SourceRow> = rows.into_iter().skip(h + 1).collect();
        let total = data.len() as u64;
        Ok(XlsxStream {
            info: SourceInfo {
                format: "xlsx",
                encoding: None,
                delimiter: None,
                sheet: Some(name),
                header_row,
                headers,
                formula_cells: formulas,
            },
            rows: data.into_iter(),
            total,
            done: 0,
        })
    }
}

impl RowStream for XlsxStream {
    fn info(&self) -> &SourceInfo {
        &self.info
    }
    fn next_row(&mut self) -> Result<Option<SourceRow>> {
        self.done += 1;
        Ok(self.rows.next())
    }
    fn bytes_read(&self) -> u64 {
        // Rows stand in for bytes: progress is the share of rows handled.
        self.done.min(self.total)
    }
}

/// JSON: an array of objects, or one object per line (JSONL). Streamed: each
/// element is cut out of the byte stream and parsed on its own.
struct JsonStream {
    info: SourceInfo,
    reader: BufReader<CountingReader<File>>,
    array: bool,
    index: u64,
    file_name: String,
    /// Records read ahead to learn the keys (bounded).
    pending: std::collections::VecDeque<(u64, serde_json::Map<String, serde_json::Value>)>,
    buf: Vec<u8>,
}

/// How many JSON records are read ahead to collect the keys (columns).
const JSON_LOOKAHEAD: usize = 1000;

struct CountingReader<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

impl JsonStream {
    fn open(path: &Path, file_name: &str) -> Result<JsonStream> {
        let f = File::open(path)
            .map_err(|e| file_error(file_name, format!("không đọc được: {e}"), format!("cannot be read: {e}")))?;
        let mut reader = BufReader::with_capacity(256 * 1024, CountingReader { inner: f, n: 0 });
        // Skip a BOM and whitespace to see whether this is an array.
        let array = loop {
            let buf = reader.fill_buf().map_err(|e| file_error(file_name, e.to_string(), e.to_string()))?;
            if buf.is_empty() {
                return Err(file_error(file_name, "tệp rỗng.", "the file is empty."));
            }
            if buf.starts_with(b"\xEF\xBB\xBF") {
                reader.consume(3);
                continue;
            }
            match buf[0] {
                b' ' | b'\t' | b'\r' | b'\n' => reader.consume(1),
                b'[' => {
                    reader.consume(1);
                    break true;
                }
                b'{' => break false,
                _ => {
                    return Err(file_error(
                        file_name,
                        "không phải JSON: cần một mảng các đối tượng hoặc mỗi dòng một đối tượng (JSONL).",
                        "is not JSON: expected an array of objects or one object per line (JSONL).",
                    ))
                }
            }
        };
        let mut s = JsonStream {
            info: SourceInfo { format: "json", header_row: 0, ..Default::default() },
            reader,
            array,
            index: 0,
            file_name: file_name.to_string(),
            pending: Default::default(),
            buf: Vec::new(),
        };
        while s.pending.len() < JSON_LOOKAHEAD {
            match s.next_object()? {
                Some(obj) => {
                    for k in obj.keys() {
                        if !s.info.headers.contains(k) {
                            s.info.headers.push(k.clone());
                        }
                    }
                    s.pending.push_back((s.index, obj));
                }
                None => break,
            }
        }
        if s.pending.is_empty() {
            return Err(file_error(file_name, "không có bản ghi nào.", "has no records."));
        }
        Ok(s)
    }

    /// Cuts the next top-level element out of the stream.
    fn next_element(&mut self) -> Result<Option<Vec<u8>>> {
        self.buf.clear();
        let mut depth = 0i32;
        let mut in_str = false;
        let mut esc = false;
        let mut started = false;
        loop {
            let chunk =
                self.reader.fill_buf().map_err(|e| file_error(&self.file_name, e.to_string(), e.to_string()))?;
            if chunk.is_empty() {
                if started {
                    return Err(row_error(
                        &self.file_name,
                        self.index + 1,
                        "bản ghi JSON bị cắt cụt.",
                        "the JSON record is truncated.",
                    ));
                }
                return Ok(None);
            }
            let mut used = 0;
            let mut finished = false;
            for &b in chunk {
                used += 1;
                if !started {
                    match b {
                        b' ' | b'\t' | b'\r' | b'\n' | b',' => continue,
                        b']' if self.array => {
                            finished = true;
                            break;
                        }
                        b'{' => {
                            started = true;
                            depth = 1;
                            self.buf.push(b);
                            continue;
                        }
                        _ => {
                            return Err(row_error(
                                &self.file_name,
                                self.index + 1,
                                format!("cần một đối tượng JSON, gặp «{}».", b as char),
                                format!("expected a JSON object, found «{}».", b as char),
                            ))
                        }
                    }
                }
                self.buf.push(b);
                if in_str {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = true;
                    } else if b == b'"' {
                        in_str = false;
                    }
                } else {
                    match b {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                finished = true;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                if self.buf.len() > MAX_RECORD_BYTES {
                    return Err(row_error(
                        &self.file_name,
                        self.index + 1,
                        format!("bản ghi dài quá {} MB.", MAX_RECORD_BYTES >> 20),
                        format!("the record is longer than {} MB.", MAX_RECORD_BYTES >> 20),
                    ));
                }
            }
            self.reader.consume(used);
            if finished {
                return Ok(if started { Some(std::mem::take(&mut self.buf)) } else { None });
            }
        }
    }

    fn next_object(&mut self) -> Result<Option<serde_json::Map<String, serde_json::Value>>> {
        let Some(bytes) = self.next_element()? else { return Ok(None) };
        self.index += 1;
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(serde_json::Value::Object(m)) => Ok(Some(m)),
            Ok(_) => Err(row_error(&self.file_name, self.index, "cần một đối tượng JSON.", "expected a JSON object.")),
            Err(e) => Err(row_error(
                &self.file_name,
                self.index,
                format!("JSON không hợp lệ: {e}"),
                format!("invalid JSON: {e}"),
            )),
        }
    }

    /// Keys first seen after the look-ahead are not columns and are ignored.
    fn to_row(&self, number: u64, obj: serde_json::Map<String, serde_json::Value>) -> SourceRow {
        let mut cells = vec![String::new(); self.info.headers.len()];
        for (k, v) in obj {
            if let Some(i) = self.info.headers.iter().position(|h| *h == k) {
                cells[i] = json_cell(&v);
            }
        }
        SourceRow { number, cells, error_cells: Vec::new() }
    }
}

/// Text of a JSON value; numbers use the decimal comma so the Vietnamese parsers read them exactly.
fn json_cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.to_string()
            } else {
                n.to_string().replace('.', ",")
            }
        }
        other => other.to_string(),
    }
}

impl RowStream for JsonStream {
    fn info(&self) -> &SourceInfo {
        &self.info
    }
    fn next_row(&mut self) -> Result<Option<SourceRow>> {
        let (number, obj) = match self.pending.pop_front() {
            Some(p) => p,
            None => match self.next_object()? {
                Some(o) => (self.index, o),
                None => return Ok(None),
            },
        };
        Ok(Some(self.to_row(number, obj)))
    }
    fn bytes_read(&self) -> u64 {
        self.reader.get_ref().n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3\n"), ';');
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), ',');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), '\t');
        assert_eq!(sniff_delimiter("BÁO CÁO\na|b|c\n1|\"x|y\"|3\n"), '|');
        assert_eq!(sniff_delimiter("a;b\n\"1,5\";2\n"), ';');
    }

    #[test]
    fn guesses_formats() {
        assert_eq!(Format::guess(Some("text/csv; charset=utf-8"), "x"), Some(Format::Csv));
        assert_eq!(Format::guess(None, "Báo cáo.XLSX"), Some(Format::Xlsx));
        assert_eq!(Format::guess(Some("application/octet-stream"), "a.jsonl"), Some(Format::Json));
        assert_eq!(Format::guess(None, "a.doc"), None);
    }

    #[test]
    fn json_numbers_use_decimal_comma() {
        assert_eq!(json_cell(&serde_json::json!(1234.5)), "1234,5");
        assert_eq!(json_cell(&serde_json::json!(1234567)), "1234567");
        assert_eq!(json_cell(&serde_json::json!(null)), "");
    }
}
