//! IT projects: the appraisal workflow (configurable steps, who acts at each,
//! deadlines, returns with the checklist items that are missing or wrong),
//! project checks, budget (capital plan, allocations, disbursements, the
//! summary) and what needs attention (stalled, returned twice, disbursing
//! slowly late in the year).

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tinhso_domain::text::nfc;
use tinhso_domain::values::parse_money;
use tinhso_domain::{Error, ErrorKind, Role};
use tinhso_store::{BudgetPlan, Money, ProjectRecord};
use tinhso_warehouse::Actor;

use crate::parse_day;

/// Project kinds: (code, Vietnamese, English).
pub const KINDS: [(&str, &str, &str); 2] = [
    ("dau-tu", "Dự án đầu tư ứng dụng công nghệ thông tin", "IT investment project"),
    ("thue-dich-vu", "Thuê dịch vụ công nghệ thông tin", "Hire of IT services"),
];

/// The dossier checklist: (item, Vietnamese, English, kinds it is required for).
pub const CHECKLIST: [(&str, &str, &str, &[&str]); 10] = [
    ("to-trinh", "Tờ trình đề nghị thẩm định", "Request for appraisal", &["dau-tu", "thue-dich-vu"]),
    ("chu-truong", "Quyết định chủ trương đầu tư", "Investment policy decision", &["dau-tu"]),
    (
        "bao-cao-kt-kt",
        "Báo cáo kinh tế - kỹ thuật / đề cương và dự toán chi tiết",
        "Techno-economic report / outline and detailed estimate",
        &["dau-tu"],
    ),
    ("thiet-ke", "Thiết kế cơ sở, thiết kế chi tiết", "Basic and detailed design", &["dau-tu"]),
    ("du-toan", "Dự toán, tổng mức đầu tư", "Cost estimate", &["dau-tu"]),
    ("ke-hoach-thue", "Kế hoạch thuê dịch vụ công nghệ thông tin", "IT service hire plan", &["thue-dich-vu"]),
    ("du-toan-thue", "Dự toán thuê dịch vụ", "Hire cost estimate", &["thue-dich-vu"]),
    (
        "yeu-cau-chat-luong",
        "Yêu cầu về chất lượng dịch vụ (SLA)",
        "Service quality requirements (SLA)",
        &["thue-dich-vu"],
    ),
    ("bao-gia", "Báo giá, khảo sát giá (ít nhất 3)", "Quotations (at least 3)", &["thue-dich-vu"]),
    (
        "an-toan-thong-tin",
        "Phương án bảo đảm an toàn thông tin theo cấp độ",
        "Cybersecurity plan by level",
        &["dau-tu", "thue-dich-vu"],
    ),
];

/// The checklist items of a kind, in order.
pub fn checklist(kind: &str) -> Vec<(&'static str, &'static str, &'static str)> {
    CHECKLIST.iter().filter(|c| c.3.contains(&kind)).map(|c| (c.0, c.1, c.2)).collect()
}

/// Who acts at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assignee {
    /// The owner agency's staff (chủ đầu tư).
    Owner,
    /// The DX office (Sở KH&CN).
    DxOffice,
    /// The finance department's staff.
    Finance,
}

impl Assignee {
    pub fn label(self, en: bool) -> &'static str {
        match (self, en) {
            (Assignee::Owner, false) => "Chủ đầu tư",
            (Assignee::Owner, true) => "Owner agency",
            (Assignee::DxOffice, false) => "Văn phòng chuyển đổi số (Sở KH&CN)",
            (Assignee::DxOffice, true) => "DX office",
            (Assignee::Finance, false) => "Sở Tài chính",
            (Assignee::Finance, true) => "Department of Finance",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub assignee: Assignee,
    /// Days allowed at the step.
    pub days: i64,
    /// The step a dossier goes back to when returned from here (none: cannot return).
    #[serde(default)]
    pub return_to: Option<String>,
    /// Leaving the step needs every checklist item of the kind attached.
    #[serde(default)]
    pub requires_documents: bool,
    /// The approval decision is taken here (approve or reject).
    #[serde(default)]
    pub decision: bool,
}

/// The appraisal workflow.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    pub steps: Vec<Step>,
    /// The finance department's agency code (its staff give the funding opinion).
    #[serde(default = "finance")]
    pub finance_agency: String,
}

fn finance() -> String {
    "STC".into()
}

/// Final steps.
pub const APPROVED: (&str, &str) = ("da-phe-duyet", "Đã phê duyệt");
pub const REJECTED: (&str, &str) = ("khong-phe-duyet", "Không phê duyệt");

impl Default for Workflow {
    fn default() -> Self {
        let step = |code: &str,
                    name: &str,
                    en: &str,
                    a: Assignee,
                    days: i64,
                    ret: Option<&str>,
                    docs: bool,
                    decision: bool| Step {
            code: code.into(),
            name: name.into(),
            name_en: en.into(),
            assignee: a,
            days,
            return_to: ret.map(Into::into),
            requires_documents: docs,
            decision,
        };
        Workflow {
            steps: vec![
                step("de-cuong", "Nộp đề cương, hồ sơ", "Outline submitted", Assignee::Owner, 30, None, true, false),
                step(
                    "xem-xet",
                    "Sở KH&CN xem xét, góp ý",
                    "DX office review and comments",
                    Assignee::DxOffice,
                    10,
                    Some("hoan-thien"),
                    false,
                    false,
                ),
                step(
                    "hoan-thien",
                    "Chủ đầu tư hoàn thiện hồ sơ",
                    "Owner revises",
                    Assignee::Owner,
                    15,
                    None,
                    true,
                    false,
                ),
                step(
                    "y-kien-tai-chinh",
                    "Sở Tài chính cho ý kiến về nguồn vốn",
                    "Finance opinion on funding",
                    Assignee::Finance,
                    10,
                    Some("hoan-thien"),
                    false,
                    false,
                ),
                step(
                    "ket-qua-tham-dinh",
                    "Kết quả thẩm định",
                    "Appraisal result",
                    Assignee::DxOffice,
                    7,
                    Some("hoan-thien"),
                    false,
                    false,
                ),
                step(
                    "phe-duyet",
                    "Quyết định phê duyệt",
                    "Approval decision",
                    Assignee::DxOffice,
                    10,
                    None,
                    false,
                    true,
                ),
            ],
            finance_agency: finance(),
        }
    }
}

impl Workflow {
    /// Parses and checks a workflow (YAML or JSON).
    pub fn parse(text: &str) -> Result<Workflow, Error> {
        let w: Workflow = serde_yaml::from_str(text).map_err(|e| {
            Error::invalid(
                "workflow",
                format!("Quy trình không đọc được: {e}"),
                format!("The workflow cannot be read: {e}"),
            )
        })?;
        if w.steps.len() < 2 {
            return Err(Error::invalid("steps", "Quy trình cần ít nhất 2 bước.", "A workflow needs at least 2 steps."));
        }
        for (i, s) in w.steps.iter().enumerate() {
            let f = |x: &str| format!("steps[{i}].{x}");
            if s.code.is_empty()
                || !s.code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                || [APPROVED.0, REJECTED.0].contains(&s.code.as_str())
            {
                return Err(Error::invalid(
                    &f("code"),
                    format!("Mã bước «{}» không hợp lệ.", s.code),
                    format!("Step code «{}» is not valid.", s.code),
                ));
            }
            if w.steps.iter().filter(|x| x.code == s.code).count() > 1 {
                return Err(Error::invalid(
                    &f("code"),
                    format!("Mã bước «{}» bị trùng.", s.code),
                    format!("Step code «{}» appears twice.", s.code),
                ));
            }
            if !(1..=365).contains(&s.days) {
                return Err(Error::invalid(
                    &f("days"),
                    "Thời hạn một bước từ 1 đến 365 ngày.",
                    "A step lasts 1 to 365 days.",
                ));
            }
            if let Some(r) = &s.return_to {
                match w.steps.iter().position(|x| &x.code == r) {
                    Some(j) if j != i && w.steps[j].assignee == Assignee::Owner => {}
                    _ => {
                        return Err(Error::invalid(
                            &f("return_to"),
                            format!("Bước trả về «{r}» phải là một bước khác của chủ đầu tư."),
                            format!("The return step «{r}» must be another step of the owner."),
                        ))
                    }
                }
            }
        }
        if !w.steps.last().is_some_and(|s| s.decision) || w.steps.iter().filter(|s| s.decision).count() != 1 {
            return Err(Error::invalid(
                "steps",
                "Bước cuối (và chỉ bước cuối) là bước quyết định phê duyệt (decision: true).",
                "The last step (and only it) is the approval decision (decision: true).",
            ));
        }
        Ok(w)
    }

    pub fn step(&self, code: &str) -> Option<(usize, &Step)> {
        self.steps.iter().enumerate().find(|(_, s)| s.code == code)
    }

    /// A step's name, including the final states.
    pub fn name(&self, code: &str, en: bool) -> String {
        match code {
            c if c == APPROVED.0 => if en { "Approved" } else { APPROVED.1 }.into(),
            c if c == REJECTED.0 => if en { "Rejected" } else { REJECTED.1 }.into(),
            c => self
                .step(c)
                .map(|(_, s)| if en && !s.name_en.is_empty() { s.name_en.clone() } else { s.name.clone() })
                .unwrap_or_else(|| c.to_string()),
        }
    }
}

/// Whether `actor` acts for `assignee` on a project owned by the agency at `owner_path`.
/// `finance_path` is the finance agency's path.
pub fn acts_as(actor: &Actor, a: Assignee, owner_path: &str, finance_path: Option<&str>) -> bool {
    if actor.role == Role::SystemAdmin {
        return true;
    }
    let staff = matches!(actor.role, Role::AgencyAdmin | Role::DataOfficer);
    match a {
        Assignee::DxOffice => actor.role == Role::DxOffice,
        Assignee::Owner => staff && actor.scope.contains(owner_path),
        Assignee::Finance => staff && finance_path.is_some_and(|p| actor.scope.contains(p)),
    }
}

/// A transition asked for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionDoc {
    /// `advance`, `return`, `approve` or `reject`.
    pub action: String,
    /// The step the caller believes the project is at (refused with 409 when it moved).
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub comment: String,
    /// Checklist items missing or wrong (required to return a dossier).
    #[serde(default)]
    pub missing: Vec<String>,
    /// Approval decision number, e.g. "1234/QĐ-UBND".
    #[serde(default)]
    pub decision: Option<String>,
    /// Its date.
    #[serde(default)]
    pub decided_on: Option<String>,
}

/// The checked outcome of a transition.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub action: &'static str,
    pub to_step: String,
    pub to_name: String,
    pub due_on: Option<NaiveDate>,
    pub status: &'static str,
    pub returned: bool,
    pub decision: Option<String>,
    pub approved_on: Option<NaiveDate>,
    pub missing: Vec<String>,
}

fn out_of_order(p: &ProjectRecord, w: &Workflow, what: &str, what_en: &str) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!("Hồ sơ «{}» đang ở bước «{}»: không thể {what}.", p.code, w.name(&p.step, false)),
        format!("Project «{}» is at step «{}»: it cannot {what_en}.", p.code, w.name(&p.step, true)),
    )
    .at("action")
}

/// Decides a transition: order, role, documents, returns. `documents` are the
/// checklist items with at least one file; `today` is the Vietnamese day.
pub fn decide(
    w: &Workflow,
    p: &ProjectRecord,
    actor: &Actor,
    finance_path: Option<&str>,
    t: &TransitionDoc,
    documents: &[String],
    today: NaiveDate,
) -> Result<Outcome, Error> {
    if p.status != "active" {
        return Err(Error::new(
            ErrorKind::Conflict,
            format!("Hồ sơ «{}» đã kết thúc ({}).", p.code, w.name(&p.step, false)),
            format!("Project «{}» is finished ({}).", p.code, w.name(&p.step, true)),
        ));
    }
    if let Some(from) = t.from.as_deref().filter(|f| *f != p.step) {
        return Err(Error::new(
            ErrorKind::Conflict,
            format!("Hồ sơ đã ở bước «{}», không còn ở «{from}»; hãy tải lại.", w.name(&p.step, false)),
            format!("The project is now at «{}», no longer at «{from}»; reload it.", w.name(&p.step, true)),
        )
        .at("from"));
    }
    let Some((i, step)) = w.step(&p.step) else {
        return Err(Error::internal(format!("project {} at unknown step {}", p.code, p.step)));
    };
    if !acts_as(actor, step.assignee, &p.owner_path, finance_path) {
        return Err(Error::new(
            ErrorKind::Forbidden,
            format!("Bước «{}» do {} thực hiện.", step.name, step.assignee.label(false)),
            format!("Step «{}» is for the {}.", step.name_en, step.assignee.label(true)),
        ));
    }
    let due = |s: &Step| Some(today + Duration::days(s.days));
    let required = checklist(&p.kind);
    match t.action.as_str() {
        "advance" => {
            if step.decision {
                return Err(out_of_order(
                    p,
                    w,
                    "chuyển tiếp; hãy phê duyệt hoặc không phê duyệt",
                    "be advanced; approve or reject it",
                ));
            }
            if step.requires_documents {
                let missing: Vec<&str> =
                    required.iter().filter(|c| !documents.iter().any(|d| d == c.0)).map(|c| c.0).collect();
                if !missing.is_empty() {
                    let names_vi: Vec<&str> = required.iter().filter(|c| missing.contains(&c.0)).map(|c| c.1).collect();
                    let names_en: Vec<&str> = required.iter().filter(|c| missing.contains(&c.0)).map(|c| c.2).collect();
                    return Err(Error::invalid(
                        "documents",
                        format!("Hồ sơ còn thiếu: {}.", names_vi.join("; ")),
                        format!("The dossier still lacks: {}.", names_en.join("; ")),
                    ));
                }
            }
            let next = &w.steps[i + 1];
            Ok(Outcome {
                action: "advance",
                to_step: next.code.clone(),
                to_name: next.name.clone(),
                due_on: due(next),
                status: "active",
                returned: false,
                decision: None,
                approved_on: None,
                missing: Vec::new(),
            })
        }
        "return" => {
            let Some(back) = step.return_to.as_deref().and_then(|r| w.step(r)).map(|x| x.1) else {
                return Err(out_of_order(p, w, "trả hồ sơ ở bước này", "be returned at this step"));
            };
            if t.missing.is_empty() {
                return Err(Error::invalid(
                    "missing",
                    "Trả hồ sơ phải nêu rõ các thành phần còn thiếu hoặc chưa đúng (theo danh mục hồ sơ).",
                    "A returned dossier must name the checklist items that are missing or wrong.",
                ));
            }
            let mut items = Vec::new();
            for (j, m) in t.missing.iter().enumerate() {
                match required.iter().find(|c| c.0 == m.trim()) {
                    Some(c) => items.push(c.0.to_string()),
                    None => {
                        return Err(Error::invalid(
                            &format!("missing[{j}]"),
                            format!(
                                "«{m}» không thuộc danh mục hồ sơ của loại dự án này ({}).",
                                required.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
                            ),
                            format!(
                                "«{m}» is not in this kind's dossier checklist ({}).",
                                required.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
                            ),
                        ))
                    }
                }
            }
            Ok(Outcome {
                action: "return",
                to_step: back.code.clone(),
                to_name: back.name.clone(),
                due_on: due(back),
                status: "active",
                returned: true,
                decision: None,
                approved_on: None,
                missing: items,
            })
        }
        "approve" => {
            if !step.decision {
                return Err(out_of_order(
                    p,
                    w,
                    "phê duyệt trước bước quyết định",
                    "be approved before the decision step",
                ));
            }
            let decision = t.decision.as_deref().map(|d| nfc(d.trim())).filter(|d| !d.is_empty()).ok_or_else(|| {
                Error::invalid(
                    "decision",
                    "Cần số, ký hiệu quyết định phê duyệt (ví dụ 1234/QĐ-UBND).",
                    "The approval decision's number is needed (e.g. 1234/QĐ-UBND).",
                )
            })?;
            let on = match t.decided_on.as_deref() {
                Some(d) => parse_day("decided_on", d)?,
                None => today,
            };
            if on > today {
                return Err(Error::invalid(
                    "decided_on",
                    "Ngày quyết định không được ở tương lai.",
                    "The decision date cannot be in the future.",
                ));
            }
            Ok(Outcome {
                action: "approve",
                to_step: APPROVED.0.into(),
                to_name: APPROVED.1.into(),
                due_on: None,
                status: "approved",
                returned: false,
                decision: Some(decision),
                approved_on: Some(on),
                missing: Vec::new(),
            })
        }
        "reject" => {
            if step.assignee != Assignee::DxOffice {
                return Err(out_of_order(p, w, "bác hồ sơ ở bước này", "be rejected at this step"));
            }
            if t.comment.trim().is_empty() {
                return Err(Error::invalid(
                    "comment",
                    "Không phê duyệt phải nêu lý do.",
                    "A rejection needs a reason.",
                ));
            }
            Ok(Outcome {
                action: "reject",
                to_step: REJECTED.0.into(),
                to_name: REJECTED.1.into(),
                due_on: None,
                status: "rejected",
                returned: false,
                decision: t.decision.clone(),
                approved_on: None,
                missing: Vec::new(),
            })
        }
        other => Err(Error::invalid(
            "action",
            format!("Thao tác «{other}» không có (advance, return, approve, reject)."),
            format!("There is no action «{other}» (advance, return, approve, reject)."),
        )),
    }
}

/// An amount of đồng: a whole number, or Vietnamese text ("4,5 tỷ", "350 triệu"); positive.
pub fn parse_amount(field: &str, v: &Value) -> Result<i64, Error> {
    let n = match v {
        Value::Number(n) => {
            n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9e15).map(|f| f as i64))
        }
        Value::String(s) => parse_money(s.trim()).ok(),
        _ => None,
    };
    match n {
        Some(n) if n > 0 => Ok(n),
        Some(n) => Err(Error::invalid(
            field,
            format!("Số tiền phải lớn hơn 0 (nhận {n}).").as_str(),
            format!("The amount must be above 0 (got {n}).").as_str(),
        )),
        None => Err(Error::invalid(
            field,
            format!(
                "«{}» không phải là số tiền (ví dụ 4500000000, \"4,5 tỷ\", \"350 triệu\").",
                v.as_str().map_or(v.to_string(), str::to_string)
            ),
            format!(
                "«{}» is not an amount (e.g. 4500000000, \"4,5 tỷ\", \"350 triệu\").",
                v.as_str().map_or(v.to_string(), str::to_string)
            ),
        )),
    }
}

/// The budget of a year: the capital plan, allocations and disbursements.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub year: i64,
    /// The year's DX capital plan (đồng).
    pub allocated: i64,
    /// Allocated to projects.
    pub allocated_to_projects: i64,
    pub disbursed: i64,
    /// disbursed / allocated (0–1).
    pub rate: f64,
    /// Requested by the year's projects.
    pub requested: i64,
    /// Requested but not allocated, over every project not rejected (all years).
    pub unallocated_requested: i64,
    pub by_agency: Vec<Line>,
    pub by_project: Vec<Line>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub code: String,
    pub name: String,
    pub allocated: i64,
    pub disbursed: i64,
    pub rate: Option<f64>,
}

fn rate(d: i64, a: i64) -> Option<f64> {
    (a > 0).then(|| (d as f64 / a as f64 * 10_000.0).round() / 10_000.0)
}

/// The summary of `year` from the records.
pub fn summary(
    year: i64,
    plans: &[BudgetPlan],
    projects: &[ProjectRecord],
    allocations: &[Money],
    disbursements: &[Money],
) -> Summary {
    let plan = plans.iter().find(|p| p.year == year).map_or(0, |p| p.amount);
    let alloc_y: Vec<&Money> = allocations.iter().filter(|a| a.year == year).collect();
    let disb_y: Vec<&Money> = disbursements.iter().filter(|d| d.year == year).collect();
    let disbursed: i64 = disb_y.iter().map(|d| d.amount).sum();
    let mut by_project = Vec::new();
    let mut agencies: HashMap<String, (String, i64, i64)> = HashMap::new();
    for p in projects {
        let a: i64 = alloc_y.iter().filter(|x| x.project_id == p.id).map(|x| x.amount).sum();
        let d: i64 = disb_y.iter().filter(|x| x.project_id == p.id).map(|x| x.amount).sum();
        if a == 0 && d == 0 {
            continue;
        }
        by_project.push(Line {
            code: p.code.clone(),
            name: p.name.clone(),
            allocated: a,
            disbursed: d,
            rate: rate(d, a),
        });
        let e = agencies.entry(p.owner_code.clone()).or_insert((p.owner_name.clone(), 0, 0));
        e.1 += a;
        e.2 += d;
    }
    let mut by_agency: Vec<Line> = agencies
        .into_iter()
        .map(|(code, (name, a, d))| Line { code, name, allocated: a, disbursed: d, rate: rate(d, a) })
        .collect();
    by_agency.sort_by(|a, b| b.allocated.cmp(&a.allocated).then(a.code.cmp(&b.code)));
    Summary {
        year,
        allocated: plan,
        allocated_to_projects: alloc_y.iter().map(|a| a.amount).sum(),
        disbursed,
        rate: rate(disbursed, plan).unwrap_or(0.0),
        requested: projects.iter().filter(|p| p.year == year && p.status != "rejected").map(|p| p.requested).sum(),
        unallocated_requested: projects
            .iter()
            .filter(|p| p.status != "rejected")
            .map(|p| (p.requested - p.allocated).max(0))
            .sum(),
        by_agency,
        by_project,
    }
}

/// Something about a project that needs attention.
#[derive(Debug, Clone, Serialize)]
pub struct Attention {
    pub project_id: i64,
    pub code: String,
    pub name: String,
    pub owner: String,
    /// `stalled`, `returned_twice`, `low_disbursement`.
    pub reason: &'static str,
    pub detail: String,
    pub detail_en: String,
    /// Dedupes notices: the step entry for stalls, the return count, the month.
    pub key: String,
}

/// Disbursement below this share of the year's allocation from October on is "low".
pub const LOW_DISBURSEMENT: f64 = 0.5;

/// What needs attention on `today`.
pub fn attention(
    w: &Workflow,
    projects: &[ProjectRecord],
    allocations: &[Money],
    disbursements: &[Money],
    today: NaiveDate,
) -> Vec<Attention> {
    let mut out = Vec::new();
    for p in projects {
        let base = |reason, detail: String, detail_en: String, key: String| Attention {
            project_id: p.id,
            code: p.code.clone(),
            name: p.name.clone(),
            owner: p.owner_name.clone(),
            reason,
            detail,
            detail_en,
            key,
        };
        if p.status == "active" {
            if let Some(due) = p.step_due_on.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
                if today > due {
                    let late = (today - due).num_days();
                    out.push(base(
                        "stalled",
                        format!(
                            "Dừng ở bước «{}» quá hạn {late} ngày (hạn {}).",
                            w.name(&p.step, false),
                            due.format("%d/%m/%Y")
                        ),
                        format!(
                            "Stalled at «{}», {late} days past its deadline ({}).",
                            w.name(&p.step, true),
                            due.format("%d/%m/%Y")
                        ),
                        format!("{}@{}", p.step, p.step_entered_at),
                    ));
                }
            }
        }
        if p.returns >= 2 {
            out.push(base(
                "returned_twice",
                format!("Hồ sơ bị trả {} lần.", p.returns),
                format!("The dossier was returned {} times.", p.returns),
                p.returns.to_string(),
            ));
        }
        if today.month() >= 10 {
            let year = i64::from(today.year());
            let a: i64 = allocations.iter().filter(|x| x.project_id == p.id && x.year == year).map(|x| x.amount).sum();
            let d: i64 =
                disbursements.iter().filter(|x| x.project_id == p.id && x.year == year).map(|x| x.amount).sum();
            if a > 0 && (d as f64) < LOW_DISBURSEMENT * a as f64 {
                let pct = d as f64 / a as f64 * 100.0;
                out.push(base(
                    "low_disbursement",
                    format!(
                        "Giải ngân {pct:.1} % vốn năm {year} ({} / {}).",
                        tinhso_store::projects::vnd(d),
                        tinhso_store::projects::vnd(a)
                    ),
                    format!(
                        "{pct:.1} % of the {year} allocation disbursed ({} / {}).",
                        tinhso_store::projects::vnd(d),
                        tinhso_store::projects::vnd(a)
                    ),
                    format!("{year}-{:02}", today.month()),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_domain::Scope;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn project(step: &str, kind: &str) -> ProjectRecord {
        ProjectRecord {
            id: 1,
            code: "DA-01".into(),
            name: "Hệ thống".into(),
            owner_agency_id: 4,
            owner_code: "SYT".into(),
            owner_name: "Sở Y tế".into(),
            owner_path: "/1/4/".into(),
            group_code: "chinh-quyen-so".into(),
            kind: kind.into(),
            year: 2022,
            requested: 4_500_000_000,
            funding_source: String::new(),
            tasks: "[]".into(),
            datasets: "[]".into(),
            step: step.into(),
            step_name: String::new(),
            step_entered_at: 0,
            step_due_on: Some("2022-03-10".into()),
            status: "active".into(),
            returns: 0,
            decision: String::new(),
            approved_on: None,
            created_at: 0,
            allocated: 0,
            disbursed: 0,
        }
    }

    fn actor(role: Role, path: &str) -> Actor {
        Actor {
            user_id: Some(1),
            role,
            scope: if role.province_wide() {
                Scope::Province
            } else {
                Scope::Subtree { agency_id: 1, path: path.into() }
            },
            agency_id: None,
            system_id: None,
            who: Default::default(),
        }
    }

    fn t(action: &str) -> TransitionDoc {
        TransitionDoc {
            action: action.into(),
            from: None,
            comment: String::new(),
            missing: vec![],
            decision: None,
            decided_on: None,
        }
    }

    #[test]
    fn the_default_workflow_is_valid_and_round_trips() {
        let w = Workflow::default();
        let yaml = serde_yaml::to_string(&w).unwrap();
        let back = Workflow::parse(&yaml).unwrap();
        assert_eq!(back.steps.len(), 6);
        assert!(Workflow::parse("steps: []").is_err());
        let bad = yaml.replace("return_to: hoan-thien", "return_to: phe-duyet");
        assert_eq!(Workflow::parse(&bad).unwrap_err().field.as_deref(), Some("steps[1].return_to"));
    }

    #[test]
    fn who_moves_what() {
        let w = Workflow::default();
        let today = d("2022-03-01");
        let owner = actor(Role::AgencyAdmin, "/1/4/");
        let other = actor(Role::AgencyAdmin, "/1/5/");
        let dx = actor(Role::DxOffice, "");
        let fin = actor(Role::DataOfficer, "/1/3/");
        let p = project("de-cuong", "thue-dich-vu");
        // The owner submits, but only with every checklist item.
        let e = decide(&w, &p, &owner, Some("/1/3/"), &t("advance"), &["to-trinh".into()], today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("documents"));
        assert!(e.vi.contains("Kế hoạch thuê dịch vụ") && e.en.contains("Quotations"), "{e:?}");
        let all: Vec<String> = checklist("thue-dich-vu").iter().map(|c| c.0.to_string()).collect();
        let o = decide(&w, &p, &owner, Some("/1/3/"), &t("advance"), &all, today).unwrap();
        assert_eq!((o.to_step.as_str(), o.due_on), ("xem-xet", Some(d("2022-03-11"))));
        assert_eq!(
            decide(&w, &p, &other, Some("/1/3/"), &t("advance"), &all, today).unwrap_err().kind,
            ErrorKind::Forbidden
        );
        assert_eq!(
            decide(&w, &p, &dx, Some("/1/3/"), &t("advance"), &all, today).unwrap_err().kind,
            ErrorKind::Forbidden
        );
        // Out of order.
        assert_eq!(decide(&w, &p, &owner, None, &t("approve"), &all, today).unwrap_err().kind, ErrorKind::Conflict);
        assert_eq!(decide(&w, &p, &owner, None, &t("return"), &all, today).unwrap_err().kind, ErrorKind::Conflict);
        // The DX office returns with the items that are wrong.
        let p = project("xem-xet", "thue-dich-vu");
        assert_eq!(decide(&w, &p, &dx, None, &t("return"), &all, today).unwrap_err().field.as_deref(), Some("missing"));
        let mut r = t("return");
        r.missing = vec!["bao-gia".into(), "thiet-ke".into()];
        assert_eq!(
            decide(&w, &p, &dx, None, &r, &all, today).unwrap_err().field.as_deref(),
            Some("missing[1]"),
            "not this kind's item"
        );
        r.missing = vec!["bao-gia".into()];
        let o = decide(&w, &p, &dx, None, &r, &all, today).unwrap();
        assert_eq!(
            (o.to_step.as_str(), o.returned, o.missing.clone()),
            ("hoan-thien", true, vec!["bao-gia".to_string()])
        );
        // Finance gives its opinion; the decision is the DX office's.
        let p = project("y-kien-tai-chinh", "dau-tu");
        assert_eq!(
            decide(&w, &p, &fin, Some("/1/3/"), &t("advance"), &[], today).unwrap().to_step,
            "ket-qua-tham-dinh"
        );
        assert_eq!(
            decide(&w, &p, &dx, Some("/1/3/"), &t("advance"), &[], today).unwrap_err().kind,
            ErrorKind::Forbidden
        );
        let p = project("phe-duyet", "dau-tu");
        assert_eq!(decide(&w, &p, &dx, None, &t("advance"), &[], today).unwrap_err().kind, ErrorKind::Conflict);
        assert_eq!(
            decide(&w, &p, &dx, None, &t("approve"), &[], today).unwrap_err().field.as_deref(),
            Some("decision")
        );
        let mut a = t("approve");
        a.decision = Some("123/QĐ-UBND".into());
        a.decided_on = Some("28/02/2022".into());
        let o = decide(&w, &p, &dx, None, &a, &[], today).unwrap();
        assert_eq!((o.status, o.approved_on), ("approved", Some(d("2022-02-28"))));
        a.decided_on = Some("2022-03-02".into());
        assert_eq!(decide(&w, &p, &dx, None, &a, &[], today).unwrap_err().field.as_deref(), Some("decided_on"));
        let mut done = project("da-phe-duyet", "dau-tu");
        done.status = "approved".into();
        assert_eq!(decide(&w, &done, &dx, None, &a, &[], today).unwrap_err().kind, ErrorKind::Conflict);
        let mut stale = t("advance");
        stale.from = Some("xem-xet".into());
        assert_eq!(
            decide(&w, &project("hoan-thien", "dau-tu"), &owner, None, &stale, &[], today)
                .unwrap_err()
                .field
                .as_deref(),
            Some("from")
        );
    }

    #[test]
    fn amounts_parse_the_vietnamese_way() {
        assert_eq!(parse_amount("a", &Value::String("4,5 tỷ".into())).unwrap(), 4_500_000_000);
        assert_eq!(parse_amount("a", &Value::String("350 triệu".into())).unwrap(), 350_000_000);
        assert_eq!(parse_amount("a", &serde_json::json!(3_500_000_000i64)).unwrap(), 3_500_000_000);
        for bad in [
            serde_json::json!("abc"),
            serde_json::json!(-5),
            serde_json::json!(0),
            serde_json::json!(1.5),
            serde_json::json!(null),
        ] {
            let e = parse_amount("amount", &bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("amount"), "{bad}");
            assert!(!e.vi.is_empty() && !e.en.is_empty());
        }
    }

    #[test]
    fn attention_and_summary() {
        let w = Workflow::default();
        let mut stalled = project("xem-xet", "dau-tu");
        stalled.returns = 2;
        let mut slow = project(APPROVED.0, "dau-tu");
        slow.id = 2;
        slow.status = "approved".into();
        slow.step_due_on = None;
        let money = |project_id, year, amount| Money {
            id: 0,
            project_id,
            year,
            on: String::new(),
            amount,
            reference: String::new(),
            created_at: 0,
        };
        let alloc = vec![money(2, 2022, 10_000_000_000)];
        let disb = vec![money(2, 2022, 1_000_000_000)];
        let a = attention(&w, &[stalled.clone(), slow.clone()], &alloc, &disb, d("2022-10-15"));
        let reasons: Vec<&str> = a.iter().map(|x| x.reason).collect();
        assert_eq!(reasons, ["stalled", "returned_twice", "low_disbursement"]);
        assert!(a[0].detail.contains("219 ngày"), "{}", a[0].detail);
        // Before October slow disbursement is not flagged yet.
        assert_eq!(attention(&w, &[slow.clone()], &alloc, &disb, d("2022-09-30")).len(), 0);
        let plans = vec![BudgetPlan { year: 2022, amount: 50_000_000_000, decision: String::new() }];
        slow.allocated = 10_000_000_000;
        let s = summary(2022, &plans, &[stalled, slow], &alloc, &disb);
        assert_eq!(
            (s.allocated, s.disbursed, s.allocated_to_projects),
            (50_000_000_000, 1_000_000_000, 10_000_000_000)
        );
        assert!((s.rate - 0.02).abs() < 1e-9);
        assert_eq!(s.unallocated_requested, 4_500_000_000, "only the unallocated project's request counts");
        assert_eq!(s.by_agency[0].rate, Some(0.1));
    }
}
