//! The monthly DX progress report as a Word (.docx) file, in the layout of the
//! Vietnamese administrative document standard: Decree 30/2020/NĐ-CP on clerical
//! work (Nghị định 30/2020/NĐ-CP về công tác văn thư), Appendix I (Phụ lục I).
//!
//! [`write`] turns a [`Document`] into the bytes of a .docx package (written with
//! `docx-rs`). The layout rules followed:
//!
//! * Page: A4 portrait (210 × 297 mm); margins top 20 mm, bottom 20 mm, left 30 mm,
//!   right 15 mm. Font Times New Roman everywhere (document defaults and every run).
//!   Body text 14 pt, justified, first-line indent 1.27 cm, line spacing 1.15,
//!   6 pt after each paragraph.
//! * Page numbers: centred in the page header, 13 pt, from the second page on (the
//!   first page has an empty header), as Decree 30 prescribes.
//! * Heading (a borderless two-column table, about 41 % / 59 %, reaching 7 mm into the
//!   left margin as the usual templates do, so the national title fits on one line):
//!   - left, centred: the parent issuer (cơ quan chủ quản) uppercase 13 pt regular,
//!     the issuer (cơ quan ban hành) uppercase 13 pt bold, a solid short line under
//!     it (about 1/3–1/2 of the issuer line), then the number ("Số: …") 13 pt;
//!   - right, centred: the national title "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
//!     uppercase 12 pt bold, the motto "Độc lập - Tự do - Hạnh phúc" 14 pt bold,
//!     underlined over its whole length, then the place and date 14 pt italic
//!     (see [`place_date`] for the leading-zero rule).
//! * The document kind (tên loại, e.g. "BÁO CÁO") centred, uppercase, bold 14 pt; the
//!   summary (trích yếu) centred bold 14 pt under it (one paragraph per `'\n'`), then
//!   a short solid centred line.
//! * Body: section headings and sub-headings bold 14 pt; paragraphs and bullets
//!   ("- " + text) justified 14 pt with a first-line indent; tables with single
//!   borders, a bold centred header row, 13 pt text, column widths in percent of the
//!   text width.
//! * Closing (a borderless two-column table, 40 % / 60 %): left, "Nơi nhận:" bold
//!   italic 12 pt then one recipient per line as "- " + text in 11 pt; right,
//!   centred, the signer's authority and title lines uppercase bold 14 pt, four
//!   empty lines for the signature and seal, then the signer's name bold 14 pt.
//!
//! Text is passed through unchanged (no Unicode re-normalisation, so NFC input stays
//! NFC); uppercase is applied with the Word "all caps" run property (`w:caps`) rather
//! than by rewriting the strings. XML special characters are escaped by `docx-rs`;
//! control characters that XML 1.0 cannot carry are dropped.

use chrono::{Datelike, NaiveDate};
use docx_rs::{
    AlignmentType, BorderType, BreakType, Docx, Header, LineSpacing, LineSpacingType, PageMargin, PageNum, Paragraph,
    ParagraphBorder, ParagraphBorderPosition, Run, RunFonts, SpecialIndentType, Table, TableCell, TableCellMargins,
    TableLayoutType, TableRow, VAlignType, WidthType,
};

/// A report in the Decree 30/2020 layout.
#[derive(Debug, Clone)]
pub struct Document {
    /// Cơ quan chủ quản, e.g. "UBND TỈNH GIA LAI" (may be empty).
    pub parent_issuer: String,
    /// Cơ quan ban hành, e.g. "SỞ KHOA HỌC VÀ CÔNG NGHỆ".
    pub issuer: String,
    /// Số và ký hiệu, e.g. "Số: 125/BC-SKHCN" (written as given).
    pub number: String,
    /// Địa danh, e.g. "Gia Lai".
    pub place: String,
    pub date: NaiveDate,
    /// Tên loại văn bản, e.g. "BÁO CÁO".
    pub kind: String,
    /// Trích yếu, e.g. "Tình hình thực hiện chuyển đổi số tháng 6 năm 2023" (may contain '\n' for line breaks).
    pub summary: String,
    /// Body: numbered sections.
    pub sections: Vec<Section>,
    /// Nơi nhận, one entry per line, e.g. ["Như trên;", "UBND tỉnh (b/c);", "Lưu: VT, CĐS."].
    pub recipients: Vec<String>,
    /// Quyền hạn, chức vụ của người ký, each element one line, e.g. ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"].
    pub signer_title: Vec<String>,
    /// Họ tên người ký, e.g. "Nguyễn Văn A".
    pub signer_name: String,
}

#[derive(Debug, Clone)]
pub struct Section {
    /// e.g. "I. KẾT QUẢ THỰC HIỆN" (bold).
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub enum Block {
    /// A body paragraph (justified, first-line indent).
    Paragraph(String),
    /// A sub-heading (bold), e.g. "1. Nhận thức số".
    Subheading(String),
    /// A bulleted line, written with a leading "- ".
    Bullet(String),
    /// A table with a bold header row; widths in percent of the text width (same length as headers; sum ≈ 100).
    Table { headers: Vec<String>, widths: Vec<u8>, rows: Vec<Vec<String>> },
}

const FONT: &str = "Times New Roman";

// Page geometry, in twips (1/1440 inch; 1 mm ≈ 56.69 twips).
const PAGE_W: u32 = 11906; // 210 mm
const PAGE_H: u32 = 16838; // 297 mm
const MARGIN_TOP: i32 = 1134; // 20 mm
const MARGIN_BOTTOM: i32 = 1134; // 20 mm
const MARGIN_LEFT: i32 = 1701; // 30 mm
const MARGIN_RIGHT: i32 = 850; // 15 mm
const HEADER_DIST: i32 = 567; // 10 mm from the top edge to the page-number header
const FOOTER_DIST: i32 = 567;
/// Text width: 210 mm − 30 mm − 15 mm = 165 mm.
const TEXT_W: usize = PAGE_W as usize - MARGIN_LEFT as usize - MARGIN_RIGHT as usize;
/// First-line indent of body paragraphs: 1.27 cm.
const FIRST_LINE: i32 = 720;
/// 6 pt after body paragraphs.
const AFTER_BODY: u32 = 120;
/// Single line spacing (240) and 1.15 (276), in 240ths of a line.
const SINGLE: i32 = 240;
const BODY_LINE: i32 = 276;

// Font sizes, in half-points.
const PT11: usize = 22;
const PT12: usize = 24;
const PT13: usize = 26;
const PT14: usize = 28;

/// `"<place>, ngày DD tháng M năm YYYY"`, with the leading zero of Decree 30/2020:
/// a day below 10 and the months 1 and 2 are written with a leading 0
/// ("ngày 05 tháng 01 năm 2023", "ngày 09 tháng 02 năm 2023"); months 3–12 are not
/// ("ngày 15 tháng 7 năm 2023").
pub fn place_date(place: &str, d: NaiveDate) -> String {
    let month = if d.month() <= 2 { format!("0{}", d.month()) } else { d.month().to_string() };
    format!("{place}, ngày {:02} tháng {month} năm {}", d.day(), d.year())
}

/// The .docx bytes.
pub fn write(doc: &Document) -> Result<Vec<u8>, String> {
    let mut docx = Docx::new()
        .page_size(PAGE_W, PAGE_H)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT)
                .header(HEADER_DIST)
                .footer(FOOTER_DIST)
                .gutter(0),
        )
        .default_fonts(fonts())
        .default_size(PT14)
        .default_line_spacing(spacing(SINGLE, 0, 0))
        // Page numbers from page 2 on: an empty first-page header, a centred PAGE field elsewhere.
        .title_pg()
        .first_header(Header::new().add_paragraph(line_para("", Fmt::new(PT13), AlignmentType::Center, 0)))
        .header(
            Header::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .line_spacing(spacing(SINGLE, 0, 0))
                    .fonts(fonts())
                    .size(PT13)
                    .add_page_num(PageNum::new()),
            ),
        );

    docx = docx.add_table(heading_table(doc));

    // Tên loại và trích yếu.
    docx = docx.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(spacing(SINGLE, 360, 0))
            .keep_next(true)
            .fonts(fonts())
            .size(PT14)
            .add_run(text_run(&doc.kind, Fmt::new(PT14).bold().caps())),
    );
    let summary_lines: Vec<&str> = doc.summary.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    for line in &summary_lines {
        docx = docx.add_paragraph(line_para(line, Fmt::new(PT14).bold(), AlignmentType::Center, 0).keep_next(true));
    }
    let longest = summary_lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    // About 2/5 of the estimated width of the longest summary line (14 pt bold ≈ 140 twips a character).
    let summary_rule = (longest * 140 * 2 / 5).clamp(1200, 3600);
    docx = docx.add_paragraph(short_rule(TEXT_W, summary_rule, 240));

    for section in &doc.sections {
        docx = docx.add_paragraph(body_para(&section.heading, Fmt::new(PT14).bold()).keep_next(true));
        for block in &section.blocks {
            match block {
                Block::Paragraph(text) => docx = docx.add_paragraph(body_para(text, Fmt::new(PT14))),
                Block::Subheading(text) => {
                    docx = docx.add_paragraph(body_para(text, Fmt::new(PT14).bold()).keep_next(true))
                }
                Block::Bullet(text) => docx = docx.add_paragraph(body_para(&format!("- {text}"), Fmt::new(PT14))),
                Block::Table { headers, widths, rows } => {
                    docx = docx.add_table(data_table(headers, widths, rows)?).add_paragraph(line_para(
                        "",
                        Fmt::new(PT12),
                        AlignmentType::Left,
                        0,
                    ));
                }
            }
        }
    }

    docx = docx.add_table(closing_table(doc));

    let mut out = std::io::Cursor::new(Vec::new());
    docx.build().pack(&mut out).map_err(|e| format!("writing the .docx package: {e}"))?;
    Ok(out.into_inner())
}

/// Character formatting of one run.
#[derive(Debug, Clone, Copy)]
struct Fmt {
    size: usize,
    bold: bool,
    italic: bool,
    caps: bool,
    underline: bool,
}

impl Fmt {
    const fn new(size: usize) -> Self {
        Fmt { size, bold: false, italic: false, caps: false, underline: false }
    }
    const fn bold(mut self) -> Self {
        self.bold = true;
        self
    }
    const fn italic(mut self) -> Self {
        self.italic = true;
        self
    }
    const fn caps(mut self) -> Self {
        self.caps = true;
        self
    }
    const fn underline(mut self) -> Self {
        self.underline = true;
        self
    }
}

fn fonts() -> RunFonts {
    RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT).east_asia(FONT)
}

fn spacing(line: i32, before: u32, after: u32) -> LineSpacing {
    LineSpacing::new().line_rule(LineSpacingType::Auto).line(line).before(before).after(after)
}

/// Drops the characters XML 1.0 cannot carry (C0 controls other than tab, CR, LF;
/// U+FFFE, U+FFFF). Everything else is passed through byte for byte.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| !((c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'))
        .collect()
}

/// One run; a `'\n'` inside the text becomes a line break.
fn text_run(text: &str, f: Fmt) -> Run {
    let mut run = Run::new().fonts(fonts()).size(f.size);
    for (i, line) in clean(text).split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        let line = line.trim_end_matches('\r');
        if !line.is_empty() {
            run = run.add_text(line);
        }
    }
    if f.bold {
        run = run.bold();
    }
    if f.italic {
        run = run.italic();
    }
    if f.caps {
        run.run_property = run.run_property.caps();
    }
    if f.underline {
        run = run.underline("single");
    }
    run
}

/// A single-spaced paragraph of one run (heading and closing blocks, table cells).
fn line_para(text: &str, f: Fmt, align: AlignmentType, after: u32) -> Paragraph {
    let p = Paragraph::new().align(align).line_spacing(spacing(SINGLE, 0, after)).fonts(fonts()).size(f.size);
    if text.is_empty() {
        p
    } else {
        p.add_run(text_run(text, f))
    }
}

/// A body paragraph: justified, first-line indent 1.27 cm, line spacing 1.15, 6 pt after.
fn body_para(text: &str, f: Fmt) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(FIRST_LINE)), None, None)
        .line_spacing(spacing(BODY_LINE, 0, AFTER_BODY))
        .widow_control(true)
        .fonts(fonts())
        .size(f.size)
        .add_run(text_run(text, f))
}

/// A short solid horizontal line of `line` twips, centred in a box `width` twips wide:
/// an almost empty paragraph (1 pt high) with a bottom border, narrowed by equal
/// left and right indents.
fn short_rule(width: usize, line: usize, after: u32) -> Paragraph {
    let side = (width.saturating_sub(line) / 2) as i32;
    let mut p = Paragraph::new()
        .align(AlignmentType::Center)
        .indent(Some(side), None, Some(side), None)
        .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Exact).line(40).before(0).after(after))
        .fonts(fonts())
        .size(2);
    p.property = p.property.set_border(
        ParagraphBorder::new(ParagraphBorderPosition::Bottom).val(BorderType::Single).size(6).space(0).color("000000"),
    );
    p
}

/// The heading table reaches this far (7 mm) into the left margin, as the usual
/// templates do, so that the national title fits on one line.
const HEAD_OUTDENT: usize = 400;
/// Widths of the heading table's columns (about 41 % / 59 %), without cell padding.
const HEAD_LEFT: usize = 4000;
const HEAD_RIGHT: usize = TEXT_W + HEAD_OUTDENT - HEAD_LEFT;

/// Widths of the closing table's columns: 40 % / 60 % of the text width.
fn closing_widths() -> (usize, usize) {
    let left = TEXT_W * 2 / 5;
    (left, TEXT_W - left)
}

/// A borderless one-row, two-column layout table.
fn layout_table(left: TableCell, right: TableCell, (lw, rw): (usize, usize)) -> Table {
    Table::without_borders(vec![TableRow::new(vec![left, right]).cant_split()])
        .set_grid(vec![lw, rw])
        .width(lw + rw, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

/// The heading block: issuer on the left, national title, motto, place and date on the right.
fn heading_table(doc: &Document) -> Table {
    let (lw, rw) = (HEAD_LEFT, HEAD_RIGHT);
    let center = AlignmentType::Center;

    let mut left = TableCell::new().width(lw, WidthType::Dxa).vertical_align(VAlignType::Top);
    if !doc.parent_issuer.trim().is_empty() {
        left = left.add_paragraph(line_para(&doc.parent_issuer, Fmt::new(PT13).caps(), center, 0));
    }
    left = left.add_paragraph(line_para(&doc.issuer, Fmt::new(PT13).bold().caps(), center, 0));
    // The line under the issuer: about 2/5 of the issuer line (13 pt bold capitals ≈ 175 twips a character).
    let issuer_chars = doc.issuer.split('\n').map(|l| l.chars().count()).max().unwrap_or(0);
    let cell_text = lw;
    let issuer_rule = (issuer_chars * 175 * 2 / 5).clamp(700, cell_text * 3 / 5);
    left = left.add_paragraph(short_rule(cell_text, issuer_rule, 120));
    left = left.add_paragraph(line_para(&doc.number, Fmt::new(PT13), center, 0));

    let right = TableCell::new()
        .width(rw, WidthType::Dxa)
        .vertical_align(VAlignType::Top)
        .add_paragraph(line_para("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Fmt::new(PT12).bold().caps(), center, 0))
        .add_paragraph(line_para("Độc lập - Tự do - Hạnh phúc", Fmt::new(PT14).bold().underline(), center, 0))
        .add_paragraph(
            line_para(&place_date(&doc.place, doc.date), Fmt::new(PT14).italic(), center, 0)
                .line_spacing(spacing(SINGLE, 240, 0)),
        );

    layout_table(left, right, (lw, rw))
        .indent(-(HEAD_OUTDENT as i32))
        .margins(TableCellMargins::new().margin(0, 0, 0, 0))
}

/// A body table: single borders, bold centred header row, 13 pt.
fn data_table(headers: &[String], widths: &[u8], rows: &[Vec<String>]) -> Result<Table, String> {
    if headers.is_empty() {
        return Err("table without columns".to_owned());
    }
    if widths.len() != headers.len() {
        return Err(format!("table has {} headers but {} column widths", headers.len(), widths.len()));
    }
    let total: usize = widths.iter().map(|&w| usize::from(w)).sum();
    if total == 0 {
        return Err("table column widths sum to 0".to_owned());
    }
    if let Some(row) = rows.iter().find(|r| r.len() > headers.len()) {
        return Err(format!("table row has {} cells but only {} columns", row.len(), headers.len()));
    }
    // Scale the percentages so the columns fill the text width exactly.
    let mut grid: Vec<usize> = widths.iter().map(|&w| usize::from(w) * TEXT_W / total).collect();
    let used: usize = grid.iter().sum();
    if let Some(last) = grid.last_mut() {
        *last += TEXT_W - used;
    }

    let cell = |text: &str, width: usize, header: bool| {
        let (fmt, align) =
            if header { (Fmt::new(PT13).bold(), AlignmentType::Center) } else { (Fmt::new(PT13), AlignmentType::Left) };
        TableCell::new()
            .width(width, WidthType::Dxa)
            .vertical_align(VAlignType::Center)
            .add_paragraph(line_para(text, fmt, align, 0).line_spacing(spacing(SINGLE, 40, 40)))
    };

    let mut table_rows = Vec::with_capacity(rows.len() + 1);
    table_rows.push(TableRow::new(headers.iter().zip(&grid).map(|(h, &w)| cell(h, w, true)).collect()).cant_split());
    for row in rows {
        let cells = grid
            .iter()
            .enumerate()
            .map(|(i, &w)| cell(row.get(i).map(String::as_str).unwrap_or(""), w, false))
            .collect();
        table_rows.push(TableRow::new(cells).cant_split());
    }
    Ok(Table::new(table_rows).set_grid(grid).width(TEXT_W, WidthType::Dxa).layout(TableLayoutType::Fixed))
}

/// The closing block: "Nơi nhận" on the left, the signature on the right.
fn closing_table(doc: &Document) -> Table {
    let (lw, rw) = closing_widths();
    let center = AlignmentType::Center;

    let mut left = TableCell::new().width(lw, WidthType::Dxa).vertical_align(VAlignType::Top).add_paragraph(line_para(
        "Nơi nhận:",
        Fmt::new(PT12).bold().italic(),
        AlignmentType::Left,
        0,
    ));
    for r in &doc.recipients {
        left = left.add_paragraph(line_para(&format!("- {r}"), Fmt::new(PT11), AlignmentType::Left, 0));
    }

    let mut right = TableCell::new().width(rw, WidthType::Dxa).vertical_align(VAlignType::Top);
    let titles: Vec<&str> =
        if doc.signer_title.is_empty() { vec![""] } else { doc.signer_title.iter().map(String::as_str).collect() };
    for (i, t) in titles.iter().enumerate() {
        let before = if i == 0 { 240 } else { 0 };
        right = right.add_paragraph(
            line_para(t, Fmt::new(PT14).bold().caps(), center, 0).line_spacing(spacing(SINGLE, before, 0)),
        );
    }
    // Room for the signature and the seal.
    for _ in 0..4 {
        right = right.add_paragraph(line_para("", Fmt::new(PT14), center, 0));
    }
    right = right.add_paragraph(line_para(&doc.signer_name, Fmt::new(PT14).bold(), center, 0));

    layout_table(left, right, (lw, rw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn sample() -> Document {
        Document {
            parent_issuer: "UBND TỈNH GIA LAI".into(),
            issuer: "SỞ KHOA HỌC VÀ CÔNG NGHỆ".into(),
            number: "Số: 125/BC-SKHCN".into(),
            place: "Gia Lai".into(),
            date: date(2023, 7, 5),
            kind: "BÁO CÁO".into(),
            summary: "Tình hình thực hiện chuyển đổi số\ntháng 6 năm 2023".into(),
            sections: vec![
                Section {
                    heading: "I. KẾT QUẢ THỰC HIỆN".into(),
                    blocks: vec![
                        Block::Subheading("1. Nhận thức số".into()),
                        Block::Paragraph(
                            "Trong tháng, Sở đã triển khai các nhiệm vụ chuyển đổi số theo kế hoạch; \
                             tỷ lệ hồ sơ trực tuyến toàn trình đạt 45,2% (R&D <thử nghiệm> \"AT&T\" 'x')."
                                .into(),
                        ),
                        Block::Bullet("Tổ chức 03 lớp tập huấn kỹ năng số cho cán bộ.".into()),
                        Block::Table {
                            headers: vec!["STT".into(), "Chỉ tiêu".into(), "Kết quả".into()],
                            widths: vec![10, 60, 30],
                            rows: vec![
                                vec!["1".into(), "Hồ sơ trực tuyến toàn trình".into(), "45,2%".into()],
                                vec!["2".into(), "Tổ công nghệ số cộng đồng".into(), "1.234 tổ".into()],
                            ],
                        },
                    ],
                },
                Section {
                    heading: "II. PHƯƠNG HƯỚNG, NHIỆM VỤ THÁNG 7".into(),
                    blocks: vec![Block::Bullet("Tiếp tục đẩy mạnh dịch vụ công trực tuyến.".into())],
                },
            ],
            recipients: vec!["Như trên;".into(), "UBND tỉnh (b/c);".into(), "Lưu: VT, CĐS.".into()],
            signer_title: vec!["KT. GIÁM ĐỐC".into(), "PHÓ GIÁM ĐỐC".into()],
            signer_name: "Nguyễn Văn A".into(),
        }
    }

    fn document_xml(bytes: &[u8]) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
        let mut xml = String::new();
        zip.by_name("word/document.xml").expect("word/document.xml").read_to_string(&mut xml).unwrap();
        xml
    }

    #[test]
    fn place_date_pads_days_below_10_and_months_1_and_2() {
        assert_eq!(place_date("Gia Lai", date(2023, 1, 5)), "Gia Lai, ngày 05 tháng 01 năm 2023");
        assert_eq!(place_date("Gia Lai", date(2023, 2, 9)), "Gia Lai, ngày 09 tháng 02 năm 2023");
        assert_eq!(place_date("Gia Lai", date(2023, 7, 5)), "Gia Lai, ngày 05 tháng 7 năm 2023");
    }

    #[test]
    fn place_date_no_zero_for_months_3_to_12_and_days_from_10() {
        assert_eq!(place_date("Gia Lai", date(2023, 7, 15)), "Gia Lai, ngày 15 tháng 7 năm 2023");
        assert_eq!(place_date("Pleiku", date(2023, 3, 10)), "Pleiku, ngày 10 tháng 3 năm 2023");
        assert_eq!(place_date("Gia Lai", date(2024, 12, 31)), "Gia Lai, ngày 31 tháng 12 năm 2024");
        assert_eq!(place_date("Gia Lai", date(2024, 10, 1)), "Gia Lai, ngày 01 tháng 10 năm 2024");
        assert_eq!(place_date("Gia Lai", date(2025, 2, 28)), "Gia Lai, ngày 28 tháng 02 năm 2025");
    }

    #[test]
    fn writes_the_decree_30_layout() {
        let bytes = write(&sample()).expect("write");
        assert_eq!(&bytes[..2], b"PK");
        let xml = document_xml(&bytes);
        for needle in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "UBND TỈNH GIA LAI",
            "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
            "Số: 125/BC-SKHCN",
            "Gia Lai, ngày 05 tháng 7 năm 2023",
            "BÁO CÁO",
            "Tình hình thực hiện chuyển đổi số",
            "tháng 6 năm 2023",
            "I. KẾT QUẢ THỰC HIỆN",
            "1. Nhận thức số",
            "- Tổ chức 03 lớp tập huấn kỹ năng số cho cán bộ.",
            "Hồ sơ trực tuyến toàn trình",
            "1.234 tổ",
            "Nơi nhận:",
            "- UBND tỉnh (b/c);",
            "- Lưu: VT, CĐS.",
            "KT. GIÁM ĐỐC",
            "PHÓ GIÁM ĐỐC",
            "Nguyễn Văn A",
            r#"w:w="11906""#,
            r#"w:h="16838""#,
            r#"w:top="1134""#,
            r#"w:bottom="1134""#,
            r#"w:left="1701""#,
            r#"w:right="850""#,
            "Times New Roman",
        ] {
            assert!(xml.contains(needle), "document.xml lacks {needle:?}");
        }
        assert!(xml.contains("<w:pgSz"), "no w:pgSz");
        let pg_sz = &xml[xml.find("<w:pgSz").unwrap()..];
        let pg_sz = &pg_sz[..pg_sz.find('>').unwrap()];
        assert!(pg_sz.contains(r#"w:w="11906""#) && pg_sz.contains(r#"w:h="16838""#), "{pg_sz}");
        let pg_mar = &xml[xml.find("<w:pgMar").expect("no w:pgMar")..];
        let pg_mar = &pg_mar[..pg_mar.find('>').unwrap()];
        for m in [r#"w:top="1134""#, r#"w:bottom="1134""#, r#"w:left="1701""#, r#"w:right="850""#] {
            assert!(pg_mar.contains(m), "pgMar lacks {m}: {pg_mar}");
        }
        // Page size and fonts also go into the styles (document defaults).
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut styles = String::new();
        zip.by_name("word/styles.xml").unwrap().read_to_string(&mut styles).unwrap();
        assert!(styles.contains("Times New Roman"));
    }

    #[test]
    fn escapes_xml_special_characters_once() {
        let xml = document_xml(&write(&sample()).unwrap());
        assert!(xml.contains("R&amp;D &lt;thử nghiệm&gt;"), "ampersand and angle brackets escaped");
        assert!(!xml.contains("&amp;amp;") && !xml.contains("&amp;lt;"), "no double escaping");
        assert!(!xml.contains("<thử"), "no raw '<' from the text");
        // The escaped XML parses back to the original text.
        assert!(xml.contains("&quot;AT&amp;T&quot;") || xml.contains("\"AT&amp;T\""));
    }

    #[test]
    fn keeps_nfc_text_byte_for_byte() {
        // "Hạnh phúc" precomposed (NFC) must stay precomposed.
        let xml = document_xml(&write(&sample()).unwrap());
        assert!(xml.contains("H\u{1EA1}nh ph\u{FA}c"));
        assert!(!xml.contains("Ha\u{323}nh"));
    }

    #[test]
    fn drops_control_characters_and_allows_empty_parent_issuer() {
        let mut doc = sample();
        doc.parent_issuer = String::new();
        doc.sections[0].blocks.push(Block::Paragraph("a\u{0B}b\u{1}c".into()));
        let xml = document_xml(&write(&doc).unwrap());
        assert!(xml.contains(">abc<"));
        assert!(!xml.contains("UBND TỈNH GIA LAI"));
        assert!(xml.contains("SỞ KHOA HỌC VÀ CÔNG NGHỆ"));
    }

    #[test]
    fn rejects_inconsistent_tables() {
        let mut doc = sample();
        doc.sections[0].blocks =
            vec![Block::Table { headers: vec!["A".into(), "B".into()], widths: vec![100], rows: vec![] }];
        assert!(write(&doc).is_err());
        doc.sections[0].blocks = vec![Block::Table {
            headers: vec!["A".into()],
            widths: vec![100],
            rows: vec![vec!["1".into(), "2".into()]],
        }];
        assert!(write(&doc).is_err());
        // Short rows are padded.
        doc.sections[0].blocks = vec![Block::Table {
            headers: vec!["A".into(), "B".into()],
            widths: vec![50, 50],
            rows: vec![vec!["only".into()]],
        }];
        assert!(write(&doc).is_ok());
    }
}
