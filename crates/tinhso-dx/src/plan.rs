//! Plans and tasks: checking a plan (JSON or the XLSX template) against the
//! agencies and datasets that exist, and writing the XLSX template back.
//! A plan with any bad cell is refused as a whole with every error (file,
//! sheet, row, column, reason in both languages): nothing is half-saved.

use std::collections::{BTreeSet, HashMap};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use serde_json::Value;
use tinhso_domain::text::{fold, nfc};
use tinhso_domain::values::parse_money;
use tinhso_domain::Error;
use tinhso_store::{PlanInput, PlanRecord, TaskInput, TaskRecord};

use crate::{groups, keep, parse_day};

/// Task statuses (code, Vietnamese, English). "Late" is derived, not stored.
pub const STATUSES: [(&str, &str, &str); 4] = [
    ("chua-bat-dau", "Chưa bắt đầu", "Not started"),
    ("dang-thuc-hien", "Đang thực hiện", "In progress"),
    ("hoan-thanh", "Hoàn thành", "Done"),
    ("tam-dung", "Tạm dừng", "Paused"),
];

pub fn parse_status(field: &str, s: &str) -> Result<&'static str, Error> {
    let f = fold(s.trim()).replace('-', " ");
    for (code, vi, en) in STATUSES {
        if f == code.replace('-', " ") || f == fold(vi) || f == fold(en) {
            return Ok(code);
        }
    }
    Err(Error::invalid(
        field,
        format!("Trạng thái «{}» không hợp lệ (Chưa bắt đầu, Đang thực hiện, Hoàn thành, Tạm dừng).", s.trim()),
        format!("Status «{}» is not valid (Not started, In progress, Done, Paused).", s.trim()),
    ))
}

pub fn status_name(code: &str, lang: tinhso_domain::Lang) -> &str {
    STATUSES
        .iter()
        .find(|s| s.0 == code)
        .map(|s| if lang == tinhso_domain::Lang::En { s.2 } else { s.1 })
        .unwrap_or(code)
}

/// A task is late when its deadline has passed and it is not done.
pub fn is_late(t: &TaskRecord, today: NaiveDate) -> bool {
    t.status != "hoan-thanh" && NaiveDate::parse_from_str(&t.due_on, "%Y-%m-%d").is_ok_and(|d| d < today)
}

/// What a plan may refer to: agencies (by code and by folded name) and datasets.
#[derive(Debug, Default, Clone)]
pub struct Refs {
    /// Upper-case code → (id, code).
    pub agencies: HashMap<String, (i64, String)>,
    /// Folded name → (id, code).
    pub agency_names: HashMap<String, (i64, String)>,
    pub datasets: BTreeSet<String>,
}

impl Refs {
    pub fn add_agency(&mut self, id: i64, code: &str, name: &str) {
        self.agencies.insert(code.to_uppercase(), (id, code.to_string()));
        self.agency_names.insert(fold(name), (id, code.to_string()));
    }

    fn agency(&self, field: &str, s: &str) -> Result<(i64, String), Error> {
        let t = s.trim();
        self.agencies.get(&t.to_uppercase()).or_else(|| self.agency_names.get(&fold(t))).cloned().ok_or_else(|| {
            Error::invalid(
                field,
                format!("Không có cơ quan «{t}» trong danh mục cơ quan, đơn vị (ghi mã, ví dụ SYT, hoặc đúng tên)."),
                format!("There is no agency «{t}» in the register (write its code, e.g. SYT, or its exact name)."),
            )
        })
    }
}

/// A plan as sent in JSON (`POST /api/v1/plans`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanDoc {
    pub code: String,
    pub title: String,
    /// The issuing agency's code (empty: the province).
    #[serde(default)]
    pub agency: Option<String>,
    pub year_from: i64,
    pub year_to: i64,
    #[serde(default)]
    pub issued_on: Option<String>,
    #[serde(default)]
    pub tasks: Vec<TaskDoc>,
}

/// A task as sent in JSON. Dates as `dd/mm/yyyy` or ISO; budget as a number
/// of đồng or Vietnamese text ("1,2 tỷ").
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDoc {
    pub code: String,
    pub group: String,
    pub title: String,
    pub lead: String,
    #[serde(default)]
    pub cooperating: Vec<String>,
    #[serde(default)]
    pub start: Option<String>,
    pub due: String,
    #[serde(default)]
    pub output: String,
    #[serde(default)]
    pub budget: Option<Value>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub progress: Option<Value>,
    #[serde(default)]
    pub datasets: Vec<String>,
    #[serde(default)]
    pub projects: Vec<String>,
}

/// A checked plan, ready for the store.
#[derive(Debug, Clone)]
pub struct CheckedPlan {
    pub plan: PlanInput,
    pub tasks: Vec<TaskInput>,
}

fn text(field: &str, s: &str, max: usize) -> Result<String, Error> {
    let t = nfc(s.trim());
    if t.is_empty() {
        return Err(Error::invalid(field, "Không được để trống.", "Must not be empty."));
    }
    if t.chars().count() > max {
        return Err(Error::invalid(field, format!("Dài quá {max} ký tự."), format!("Longer than {max} characters.")));
    }
    Ok(t)
}

fn progress(field: &str, v: &str) -> Result<i64, Error> {
    let t = v.trim().trim_end_matches('%').trim().replace(',', ".");
    let p: f64 = t.parse().map_err(|_| {
        Error::invalid(
            field,
            format!("Tiến độ «{}» không phải là số phần trăm.", v.trim()),
            format!("Progress «{}» is not a percentage.", v.trim()),
        )
    })?;
    if !(0.0..=100.0).contains(&p) {
        return Err(Error::invalid(
            field,
            format!("Tiến độ {p}% phải từ 0 đến 100%."),
            format!("Progress {p}% must be between 0 and 100%."),
        ));
    }
    Ok(p.round() as i64)
}

/// The fields of one task as text (from JSON or a spreadsheet row), with
/// the name each field has in error messages.
struct RawTask<'a> {
    names: &'a dyn Fn(&str) -> String,
    code: String,
    group: String,
    title: String,
    lead: String,
    cooperating: Vec<String>,
    start: String,
    due: String,
    output: String,
    budget: String,
    status: String,
    progress: String,
    datasets: Vec<String>,
    projects: Vec<String>,
}

fn check_task(raw: &RawTask, refs: &Refs, years: (i64, i64), errors: &mut Vec<Error>) -> Option<TaskInput> {
    let n = raw.names;
    let before = errors.len();
    let code = keep(errors, text(&n("code"), &raw.code, 40));
    let group = keep(errors, groups::parse(&n("group"), &raw.group));
    let title = keep(errors, text(&n("title"), &raw.title, 1000));
    let lead = keep(errors, refs.agency(&n("lead"), &raw.lead));
    let mut cooperating = Vec::new();
    for c in raw.cooperating.iter().filter(|c| !c.trim().is_empty()) {
        if let Some((_, code)) = keep(errors, refs.agency(&n("cooperating"), c)) {
            if !cooperating.contains(&code) {
                cooperating.push(code);
            }
        }
    }
    let start = if raw.start.trim().is_empty() {
        Some(None)
    } else {
        keep(errors, parse_day(&n("start"), &raw.start)).map(Some)
    };
    let due = keep(errors, parse_day(&n("due"), &raw.due));
    let budget = if raw.budget.trim().is_empty() {
        Some(None)
    } else {
        keep(errors, parse_money(raw.budget.trim()).map_err(|e| e.into_error(&n("budget")))).map(Some)
    };
    if let Some(Some(b)) = budget {
        if b < 0 {
            keep(
                errors,
                Err::<(), _>(Error::invalid(
                    &n("budget"),
                    "Kinh phí không được âm.",
                    "The budget must not be negative.",
                )),
            );
        }
    }
    let status = if raw.status.trim().is_empty() {
        Some("chua-bat-dau")
    } else {
        keep(errors, parse_status(&n("status"), &raw.status))
    };
    let pct =
        if raw.progress.trim().is_empty() { Some(0) } else { keep(errors, progress(&n("progress"), &raw.progress)) };
    for d in &raw.datasets {
        if !refs.datasets.contains(d.trim()) {
            keep(
                errors,
                Err::<(), _>(Error::invalid(
                    &n("datasets"),
                    format!("Không có bộ dữ liệu «{}» trong danh mục.", d.trim()),
                    format!("There is no dataset «{}» in the catalogue.", d.trim()),
                )),
            );
        }
    }
    if let (Some(Some(s)), Some(d)) = (&start, &due) {
        if d < s {
            keep(
                errors,
                Err::<(), _>(Error::invalid(
                    &n("due"),
                    format!("Hạn hoàn thành {} trước ngày bắt đầu {}.", d.format("%d/%m/%Y"), s.format("%d/%m/%Y")),
                    format!("The deadline {} is before the start date {}.", d.format("%d/%m/%Y"), s.format("%d/%m/%Y")),
                )),
            );
        }
    }
    if let Some(d) = &due {
        if i64::from(d.year()) < years.0 || i64::from(d.year()) > years.1 + 5 {
            keep(
                errors,
                Err::<(), _>(Error::invalid(
                    &n("due"),
                    format!(
                        "Hạn hoàn thành {} nằm ngoài thời kỳ của kế hoạch ({}–{}).",
                        d.format("%d/%m/%Y"),
                        years.0,
                        years.1
                    ),
                    format!(
                        "The deadline {} is outside the plan's period ({}–{}).",
                        d.format("%d/%m/%Y"),
                        years.0,
                        years.1
                    ),
                )),
            );
        }
    }
    if let (Some("hoan-thanh"), Some(p)) = (status, pct) {
        if p < 100 {
            keep(
                errors,
                Err::<(), _>(Error::invalid(
                    &n("progress"),
                    format!("Nhiệm vụ «Hoàn thành» phải có tiến độ 100% (đang ghi {p}%)."),
                    format!("A «Done» task must be at 100% (it says {p}%)."),
                )),
            );
        }
    }
    if errors.len() > before {
        return None;
    }
    Some(TaskInput {
        code: code?,
        group_code: group?.to_string(),
        title: title?,
        lead_agency_id: lead?.0,
        cooperating: serde_json::to_string(&cooperating).unwrap_or_else(|_| "[]".into()),
        start_on: start?.map(|d| d.to_string()),
        due_on: due?.to_string(),
        output: nfc(raw.output.trim()),
        budget: budget?,
        status: status?.to_string(),
        progress: pct?,
        datasets: serde_json::to_string(&raw.datasets.iter().map(|d| d.trim()).collect::<Vec<_>>()).unwrap_or_default(),
        projects: serde_json::to_string(
            &raw.projects.iter().map(|p| nfc(p.trim())).filter(|p| !p.is_empty()).collect::<Vec<_>>(),
        )
        .unwrap_or_default(),
    })
}

#[allow(clippy::too_many_arguments)]
fn check_header(
    code: &str,
    title: &str,
    agency: Option<&str>,
    years: (i64, i64),
    issued_on: Option<&str>,
    refs: &Refs,
    names: &dyn Fn(&str) -> String,
    errors: &mut Vec<Error>,
) -> Option<PlanInput> {
    let before = errors.len();
    let code = keep(errors, text(&names("code"), code, 60));
    let title = keep(errors, text(&names("title"), title, 500));
    let agency = match agency.map(str::trim).filter(|a| !a.is_empty()) {
        None => Some(None),
        Some(a) => keep(errors, refs.agency(&names("agency"), a)).map(|x| Some(x.0)),
    };
    let issued = match issued_on.map(str::trim).filter(|a| !a.is_empty()) {
        None => Some(None),
        Some(d) => keep(errors, parse_day(&names("issued_on"), d)).map(Some),
    };
    if !(2000..=2100).contains(&years.0) || !(2000..=2100).contains(&years.1) {
        keep(
            errors,
            Err::<(), _>(Error::invalid(
                &names("year_from"),
                "Năm phải từ 2000 đến 2100.",
                "Years must be between 2000 and 2100.",
            )),
        );
    } else if years.1 < years.0 {
        keep(
            errors,
            Err::<(), _>(Error::invalid(
                &names("year_to"),
                format!("Năm kết thúc {} trước năm bắt đầu {}.", years.1, years.0),
                format!("The end year {} is before the start year {}.", years.1, years.0),
            )),
        );
    }
    if errors.len() > before {
        return None;
    }
    Some(PlanInput {
        code: code?,
        title: title?,
        agency_id: agency?,
        year_from: years.0,
        year_to: years.1,
        issued_on: issued?.map(|d| d.to_string()),
    })
}

fn value_text(v: &Option<Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn duplicate_codes(codes: &[(String, String)], errors: &mut Vec<Error>) {
    let mut seen = BTreeSet::new();
    for (field, code) in codes {
        if !seen.insert(code.trim().to_uppercase()) {
            errors.push(Error::invalid(
                field,
                format!("Mã nhiệm vụ «{}» bị trùng trong kế hoạch.", code.trim()),
                format!("Task code «{}» appears twice in the plan.", code.trim()),
            ));
        }
    }
}

/// Checks a JSON plan. All errors at once, each naming its field (`tasks[2].due`).
pub fn check_doc(doc: &PlanDoc, refs: &Refs) -> Result<CheckedPlan, Vec<Error>> {
    let mut errors = Vec::new();
    let plan = check_header(
        &doc.code,
        &doc.title,
        doc.agency.as_deref(),
        (doc.year_from, doc.year_to),
        doc.issued_on.as_deref(),
        refs,
        &|f| f.to_string(),
        &mut errors,
    );
    let mut tasks = Vec::new();
    for (i, t) in doc.tasks.iter().enumerate() {
        let names = move |f: &str| format!("tasks[{i}].{f}");
        let raw = RawTask {
            names: &names,
            code: t.code.clone(),
            group: t.group.clone(),
            title: t.title.clone(),
            lead: t.lead.clone(),
            cooperating: t.cooperating.clone(),
            start: t.start.clone().unwrap_or_default(),
            due: t.due.clone(),
            output: t.output.clone(),
            budget: value_text(&t.budget),
            status: t.status.clone().unwrap_or_default(),
            progress: value_text(&t.progress),
            datasets: t.datasets.clone(),
            projects: t.projects.clone(),
        };
        if let Some(task) = check_task(&raw, refs, (doc.year_from, doc.year_to), &mut errors) {
            tasks.push(task);
        }
    }
    duplicate_codes(
        &doc.tasks.iter().enumerate().map(|(i, t)| (format!("tasks[{i}].code"), t.code.clone())).collect::<Vec<_>>(),
        &mut errors,
    );
    match plan {
        Some(plan) if errors.is_empty() => Ok(CheckedPlan { plan, tasks }),
        _ => Err(errors),
    }
}

// ---- the XLSX template ---------------------------------------------------------------------

/// The plan sheet: label in column A, value in column B.
pub const PLAN_SHEET: &str = "Kế hoạch";
/// The task sheet: a header row, then one task per row.
pub const TASK_SHEET: &str = "Nhiệm vụ";

const PLAN_FIELDS: [(&str, &str, &str); 6] = [
    ("code", "Số, ký hiệu kế hoạch", "Plan number"),
    ("title", "Tên kế hoạch", "Plan title"),
    ("agency", "Cơ quan ban hành", "Issuing agency"),
    ("year_from", "Từ năm", "From year"),
    ("year_to", "Đến năm", "To year"),
    ("issued_on", "Ngày ban hành", "Issued on"),
];

/// (field, Vietnamese header, English header) of the task sheet's columns.
pub const TASK_COLUMNS: [(&str, &str, &str); 13] = [
    ("code", "Mã nhiệm vụ", "Task code"),
    ("group", "Nhóm nhiệm vụ", "Task group"),
    ("title", "Nhiệm vụ", "Task"),
    ("lead", "Cơ quan chủ trì", "Lead agency"),
    ("cooperating", "Cơ quan phối hợp", "Cooperating agencies"),
    ("start", "Ngày bắt đầu", "Start date"),
    ("due", "Hạn hoàn thành", "Deadline"),
    ("output", "Sản phẩm đầu ra", "Expected output"),
    ("budget", "Kinh phí (đồng)", "Budget (VND)"),
    ("status", "Trạng thái", "Status"),
    ("progress", "Tiến độ (%)", "Progress (%)"),
    ("datasets", "Bộ dữ liệu", "Datasets"),
    ("projects", "Dự án", "Projects"),
];

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt.as_datetime().map(|d| d.date().format("%d/%m/%Y").to_string()).unwrap_or_default(),
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn list(s: &str) -> Vec<String> {
    s.split([';', ',', '\n']).map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()
}

fn col_letter(i: usize) -> String {
    let mut n = i + 1;
    let mut s = String::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.insert(0, (b'A' + r as u8) as char);
        n = (n - 1) / 26;
    }
    s
}

/// Reads a plan from the XLSX template. Errors name the file, sheet, row and
/// column (`ke-hoach.xlsx: Nhiệm vụ!G5 (Hạn hoàn thành)`).
pub fn read_xlsx(file_name: &str, bytes: &[u8], refs: &Refs) -> Result<CheckedPlan, Vec<Error>> {
    let bad_file = |vi: String, en: String| vec![Error::invalid(file_name, vi, en)];
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        bad_file(
            format!("{file_name}: không đọc được tệp Excel (.xlsx): {e}"),
            format!("{file_name}: cannot read the Excel (.xlsx) file: {e}"),
        )
    })?;
    let sheet = |book: &mut Xlsx<_>, name: &str| -> Result<calamine::Range<Data>, Vec<Error>> {
        let wanted = book.sheet_names().into_iter().find(|n| fold(n) == fold(name));
        match wanted {
            Some(n) => book.worksheet_range(&n).map_err(|e| {
                bad_file(
                    format!("{file_name}: không đọc được trang «{name}»: {e}"),
                    format!("{file_name}: cannot read sheet «{name}»: {e}"),
                )
            }),
            None => Err(bad_file(
                format!("{file_name}: thiếu trang «{name}» của mẫu kế hoạch."),
                format!("{file_name}: the plan template's sheet «{name}» is missing."),
            )),
        }
    };
    let plan_range = sheet(&mut book, PLAN_SHEET)?;
    let task_range = sheet(&mut book, TASK_SHEET)?;
    let mut errors = Vec::new();

    // The plan sheet: find each label in column A.
    let mut values: HashMap<&str, (String, String)> = HashMap::new();
    for (r, row) in plan_range.rows().enumerate() {
        let label = fold(&cell_text(row.first().unwrap_or(&Data::Empty)));
        if let Some((f, _, _)) = PLAN_FIELDS.iter().find(|(_, vi, en)| label == fold(vi) || label == fold(en)) {
            let at = format!("{file_name}: {PLAN_SHEET}!B{}", r + 1 + plan_range.start().map_or(0, |s| s.0 as usize));
            values.insert(f, (at, cell_text(row.get(1).unwrap_or(&Data::Empty))));
        }
    }
    let get = |f: &str| values.get(f).map(|v| v.1.clone()).unwrap_or_default();
    let at_of = |f: &str| {
        let label = PLAN_FIELDS.iter().find(|p| p.0 == f).map_or("", |p| p.1);
        values
            .get(f)
            .map(|v| format!("{} ({label})", v.0))
            .unwrap_or_else(|| format!("{file_name}: {PLAN_SHEET} ({label})"))
    };
    let year = |f: &str, errors: &mut Vec<Error>| -> i64 {
        let t = get(f);
        t.trim().parse::<i64>().unwrap_or_else(|_| {
            errors.push(Error::invalid(
                &at_of(f),
                format!("Năm «{}» không hợp lệ.", t.trim()),
                format!("Year «{}» is not valid.", t.trim()),
            ));
            0
        })
    };
    let years = (year("year_from", &mut errors), year("year_to", &mut errors));
    let header_ok = errors.is_empty();
    let agency = get("agency");
    let issued = get("issued_on");
    let plan = if header_ok {
        check_header(&get("code"), &get("title"), Some(&agency), years, Some(&issued), refs, &at_of, &mut errors)
    } else {
        None
    };

    // The task sheet: the header row is the first row whose cells match the columns.
    let start = task_range.start().unwrap_or((0, 0));
    let rows: Vec<&[Data]> = task_range.rows().collect();
    let header_at = rows.iter().position(|row| {
        let heads: Vec<String> = row.iter().map(|c| fold(&cell_text(c))).collect();
        heads.iter().any(|h| h == &fold("Mã nhiệm vụ") || h == &fold("Task code"))
    });
    let Some(h) = header_at else {
        errors.push(Error::invalid(
            &format!("{file_name}: {TASK_SHEET}"),
            format!("{file_name}: trang «{TASK_SHEET}» không có dòng tiêu đề (Mã nhiệm vụ, Nhóm nhiệm vụ, …)."),
            format!("{file_name}: sheet «{TASK_SHEET}» has no header row (Task code, Task group, …)."),
        ));
        return Err(errors);
    };
    let heads: Vec<String> = rows[h].iter().map(|c| fold(&cell_text(c))).collect();
    let mut col: HashMap<&str, usize> = HashMap::new();
    for (f, vi, en) in TASK_COLUMNS {
        match heads.iter().position(|x| x == &fold(vi) || x == &fold(en)) {
            Some(i) => {
                col.insert(f, i);
            }
            None if ["code", "group", "title", "lead", "due"].contains(&f) => errors.push(Error::invalid(
                &format!("{file_name}: {TASK_SHEET}!{}", h + 1 + start.0 as usize),
                format!("{file_name}: trang «{TASK_SHEET}» thiếu cột «{vi}»."),
                format!("{file_name}: sheet «{TASK_SHEET}» has no column «{en}»."),
            )),
            None => {}
        }
    }
    if errors
        .iter()
        .any(|e| e.field.as_deref().is_some_and(|f| f.contains(&format!("{TASK_SHEET}!")) && !f.contains('(')))
    {
        return Err(errors);
    }
    let mut tasks = Vec::new();
    let mut codes = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(h + 1) {
        let cell = |f: &str| col.get(f).and_then(|&c| row.get(c)).map(cell_text).unwrap_or_default();
        if TASK_COLUMNS.iter().all(|(f, _, _)| cell(f).trim().is_empty()) {
            continue;
        }
        let excel_row = i + 1 + start.0 as usize;
        let names = |f: &str| {
            let (c, head) = col
                .get(f)
                .map(|&c| {
                    (col_letter(c + start.1 as usize), TASK_COLUMNS.iter().find(|t| t.0 == f).map_or("", |t| t.1))
                })
                .unwrap_or_default();
            format!("{file_name}: {TASK_SHEET}!{c}{excel_row} ({head})")
        };
        let raw = RawTask {
            names: &names,
            code: cell("code"),
            group: cell("group"),
            title: cell("title"),
            lead: cell("lead"),
            cooperating: list(&cell("cooperating")),
            start: cell("start"),
            due: cell("due"),
            output: cell("output"),
            budget: cell("budget"),
            status: cell("status"),
            progress: cell("progress"),
            datasets: list(&cell("datasets")),
            projects: cell("projects")
                .split(['\n', ';'])
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        };
        codes.push((names("code"), raw.code.clone()));
        if let Some(t) = check_task(&raw, refs, years, &mut errors) {
            tasks.push(t);
        }
    }
    duplicate_codes(&codes, &mut errors);
    match plan {
        Some(plan) if errors.is_empty() => Ok(CheckedPlan { plan, tasks }),
        _ => Err(errors),
    }
}

/// Writes a plan (or an empty template when `plan` is None) as the XLSX template.
pub fn write_xlsx(
    plan: Option<(&PlanRecord, &[TaskRecord])>,
    agency_name: &dyn Fn(i64) -> String,
) -> Result<Vec<u8>, Error> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| Error::internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let s = wb.add_worksheet();
    s.set_name(PLAN_SHEET).map_err(err)?;
    s.set_column_width(0, 26).map_err(err)?;
    s.set_column_width(1, 60).map_err(err)?;
    for (i, (f, vi, _)) in PLAN_FIELDS.iter().enumerate() {
        s.write_with_format(i as u32, 0, *vi, &bold).map_err(err)?;
        if let Some((p, _)) = plan {
            let v = match *f {
                "code" => p.code.clone(),
                "title" => p.title.clone(),
                "agency" => p.agency_code.clone().unwrap_or_default(),
                "year_from" => p.year_from.to_string(),
                "year_to" => p.year_to.to_string(),
                _ => p
                    .issued_on
                    .as_deref()
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .map(|d| d.format("%d/%m/%Y").to_string())
                    .unwrap_or_default(),
            };
            s.write(i as u32, 1, v).map_err(err)?;
        }
    }
    let t = wb.add_worksheet();
    t.set_name(TASK_SHEET).map_err(err)?;
    for (c, (_, vi, _)) in TASK_COLUMNS.iter().enumerate() {
        t.write_with_format(0, c as u16, *vi, &bold).map_err(err)?;
        t.set_column_width(c as u16, if c == 2 || c == 7 { 50 } else { 18 }).map_err(err)?;
    }
    let vi_date = |d: &str| {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default()
    };
    let join = |j: &str| serde_json::from_str::<Vec<String>>(j).unwrap_or_default().join("; ");
    if let Some((_, tasks)) = plan {
        for (r, task) in tasks.iter().enumerate() {
            let r = r as u32 + 1;
            let cells = [
                task.code.clone(),
                groups::name(&task.group_code, tinhso_domain::Lang::Vi).to_string(),
                task.title.clone(),
                task.lead_agency_code.clone(),
                join(&task.cooperating),
                task.start_on.as_deref().map(vi_date).unwrap_or_default(),
                vi_date(&task.due_on),
                task.output.clone(),
                String::new(),
                status_name(&task.status, tinhso_domain::Lang::Vi).to_string(),
                String::new(),
                join(&task.datasets),
                join(&task.projects),
            ];
            for (c, v) in cells.iter().enumerate() {
                t.write(r, c as u16, v.as_str()).map_err(err)?;
            }
            if let Some(b) = task.budget {
                t.write(r, 8, b as f64).map_err(err)?;
            }
            t.write(r, 10, task.progress as f64).map_err(err)?;
        }
    }
    let _ = agency_name;
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs() -> Refs {
        let mut r = Refs::default();
        r.add_agency(1, "UBND", "Ủy ban nhân dân tỉnh Gia Lai");
        r.add_agency(2, "SKHCN", "Sở Khoa học và Công nghệ");
        r.add_agency(3, "SYT", "Sở Y tế");
        r.datasets.insert("ho-so-tthc".into());
        r
    }

    fn doc(tasks: serde_json::Value) -> PlanDoc {
        serde_json::from_value(serde_json::json!({
            "code": "1282/KH-UBND", "title": "Kế hoạch chuyển đổi số", "agency": "UBND",
            "year_from": 2022, "year_to": 2025, "issued_on": "04/05/2022", "tasks": tasks
        }))
        .unwrap()
    }

    #[test]
    fn a_good_plan_is_checked() {
        let p = check_doc(
            &doc(serde_json::json!([{
                "code": "DL-01", "group": "Dữ liệu số", "title": "Xây dựng kho dữ liệu dùng chung", "lead": "SKHCN",
                "cooperating": ["Sở Y tế", "SYT"], "start": "01/02/2023", "due": "2023-12-31", "budget": "1,2 tỷ",
                "status": "Đang thực hiện", "progress": "40%", "datasets": ["ho-so-tthc"]
            }])),
            &refs(),
        )
        .unwrap();
        assert_eq!(p.plan.agency_id, Some(1));
        assert_eq!(p.plan.issued_on.as_deref(), Some("2022-05-04"));
        let t = &p.tasks[0];
        assert_eq!((t.group_code.as_str(), t.lead_agency_id, t.progress), ("du-lieu-so", 2, 40));
        assert_eq!(t.cooperating, r#"["SYT"]"#);
        assert_eq!(t.budget, Some(1_200_000_000));
        assert_eq!((t.start_on.as_deref(), t.due_on.as_str()), (Some("2023-02-01"), "2023-12-31"));
    }

    #[test]
    fn every_bad_cell_is_reported_in_both_languages() {
        let errs = check_doc(
            &doc(serde_json::json!([
                {"code": "A", "group": "Đô thị thông minh", "title": "x", "lead": "SXX", "due": "31/12/2023"},
                {"code": "B", "group": "Xã hội số", "title": "y", "lead": "SYT", "start": "01/06/2023", "due": "01/05/2023",
                 "progress": 120, "budget": "abc", "datasets": ["khong-co"], "status": "xong roi"},
                {"code": "b", "group": "Xã hội số", "title": "z", "lead": "SYT", "due": "31/02/2023"},
                {"code": "C", "group": "Xã hội số", "title": "z", "lead": "SYT", "due": "31/12/2023", "status": "Hoàn thành", "progress": 50}
            ])),
            &refs(),
        )
        .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_deref().unwrap()).collect();
        for f in [
            "tasks[0].group",
            "tasks[0].lead",
            "tasks[1].due",
            "tasks[1].progress",
            "tasks[1].budget",
            "tasks[1].datasets",
            "tasks[1].status",
            "tasks[2].due",
            "tasks[2].code",
            "tasks[3].progress",
        ] {
            assert!(fields.contains(&f), "{f} not in {fields:?}");
        }
        assert!(errs.iter().all(|e| !e.vi.is_empty() && !e.en.is_empty() && e.vi != e.en));
        let before = errs.iter().find(|e| e.field.as_deref() == Some("tasks[1].due")).unwrap();
        assert!(before.vi.contains("trước ngày bắt đầu") && before.en.contains("before the start date"));
    }

    #[test]
    fn the_template_round_trips() {
        let plan = PlanRecord {
            id: 1,
            code: "1282/KH-UBND".into(),
            title: "Kế hoạch".into(),
            agency_id: Some(1),
            agency_code: Some("UBND".into()),
            year_from: 2022,
            year_to: 2025,
            issued_on: Some("2022-05-04".into()),
            updated_at: 0,
        };
        let task = TaskRecord {
            id: 1,
            plan_id: 1,
            plan_code: plan.code.clone(),
            code: "DL-01".into(),
            group_code: "du-lieu-so".into(),
            title: "Kho dữ liệu".into(),
            lead_agency_id: 2,
            lead_agency_code: "SKHCN".into(),
            lead_agency_name: "Sở Khoa học và Công nghệ".into(),
            cooperating: r#"["SYT"]"#.into(),
            start_on: Some("2023-01-01".into()),
            due_on: "2023-12-31".into(),
            output: "Kho dữ liệu".into(),
            budget: Some(4_500_000_000),
            status: "dang-thuc-hien".into(),
            progress: 60,
            datasets: r#"["ho-so-tthc"]"#.into(),
            projects: "[]".into(),
            updated_at: 0,
        };
        let bytes = write_xlsx(Some((&plan, std::slice::from_ref(&task))), &|_| String::new()).unwrap();
        let back = read_xlsx("ke-hoach.xlsx", &bytes, &refs()).unwrap();
        assert_eq!(back.plan.code, "1282/KH-UBND");
        assert_eq!(back.tasks.len(), 1);
        let t = &back.tasks[0];
        assert_eq!((t.budget, t.progress, t.due_on.as_str()), (Some(4_500_000_000), 60, "2023-12-31"));
        assert_eq!(t.cooperating, r#"["SYT"]"#);
        let empty = write_xlsx(None, &|_| String::new()).unwrap();
        let e = read_xlsx("trong.xlsx", &empty, &refs()).unwrap_err();
        assert!(e.iter().all(|e| e.field.as_deref().unwrap().starts_with("trong.xlsx: Kế hoạch")), "{e:?}");
    }

    #[test]
    fn xlsx_errors_name_sheet_row_and_column() {
        use rust_xlsxwriter::Workbook;
        let mut wb = Workbook::new();
        let s = wb.add_worksheet();
        s.set_name(PLAN_SHEET).unwrap();
        for (i, (l, v)) in
            [("Số, ký hiệu kế hoạch", "KH-01"), ("Tên kế hoạch", "Kế hoạch"), ("Từ năm", "2023"), ("Đến năm", "2023")]
                .iter()
                .enumerate()
        {
            s.write(i as u32, 0, *l).unwrap();
            s.write(i as u32, 1, *v).unwrap();
        }
        let t = wb.add_worksheet();
        t.set_name(TASK_SHEET).unwrap();
        t.write(0, 0, "KẾ HOẠCH CHUYỂN ĐỔI SỐ NĂM 2023").unwrap();
        for (c, h) in ["Mã nhiệm vụ", "Nhóm nhiệm vụ", "Nhiệm vụ", "Cơ quan chủ trì", "Hạn hoàn thành", "Tiến độ (%)"]
            .iter()
            .enumerate()
        {
            t.write(2, c as u16, *h).unwrap();
        }
        for (c, v) in ["T1", "Nhóm lạ", "Việc", "Sở Lạ", "31/12/2023", "150"].iter().enumerate() {
            t.write(3, c as u16, *v).unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        let errs = read_xlsx("kh.xlsx", &bytes, &refs()).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_deref().unwrap()).collect();
        assert!(fields.contains(&"kh.xlsx: Nhiệm vụ!B4 (Nhóm nhiệm vụ)"), "{fields:?}");
        assert!(fields.contains(&"kh.xlsx: Nhiệm vụ!D4 (Cơ quan chủ trì)"), "{fields:?}");
        assert!(fields.contains(&"kh.xlsx: Nhiệm vụ!F4 (Tiến độ (%))"), "{fields:?}");
        let e = read_xlsx("x.xlsx", b"not a zip", &refs()).unwrap_err();
        assert_eq!(e[0].field.as_deref(), Some("x.xlsx"));
    }
}
