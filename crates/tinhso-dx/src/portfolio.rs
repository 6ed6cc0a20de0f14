//! The IT project portfolio on the tracker: projects, their appraisal moves,
//! documents and comments, the budget and what needs attention — each
//! operation checking the caller, writing through the store's transactions
//! and audited. The rules are in `projects.rs`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tinhso_domain::text::nfc;
use tinhso_domain::{Error, Role};
use tinhso_store::{Move, ProjectDocument, ProjectEvent, ProjectInput, ProjectRecord, Stamp};
use tinhso_warehouse::Actor;

use crate::projects::{self, checklist, parse_amount, Assignee, Attention, Summary, TransitionDoc, Workflow, KINDS};
use crate::{groups, parse_day, review::vn_day, Tracker};

/// A project as sent in JSON (`POST /api/v1/projects`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectDoc {
    pub code: String,
    pub name: String,
    /// The owner agency's code (default: the caller's agency).
    #[serde(default)]
    pub owner: Option<String>,
    pub group: String,
    /// `dau-tu` or `thue-dich-vu`.
    pub kind: String,
    pub year: i64,
    /// Đồng, or Vietnamese text ("4,5 tỷ").
    pub requested: Value,
    #[serde(default)]
    pub funding_source: String,
    /// Plan task ids.
    #[serde(default)]
    pub tasks: Vec<i64>,
    #[serde(default)]
    pub datasets: Vec<String>,
}

/// A project with where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub owner: String,
    pub owner_name: String,
    pub group: String,
    pub kind: String,
    pub year: i64,
    pub requested: i64,
    pub funding_source: String,
    pub step: String,
    pub step_name: String,
    pub step_order: usize,
    /// Who acts now.
    pub assignee: Option<Assignee>,
    pub step_since: String,
    pub step_due_on: Option<String>,
    pub stalled: bool,
    pub status: String,
    pub returns: i64,
    pub decision: String,
    pub approved_on: Option<String>,
    pub allocated: i64,
    pub disbursed: i64,
    pub tasks: Vec<i64>,
    pub datasets: Vec<String>,
}

/// A project with its thread, documents and checklist.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectDetail {
    #[serde(flatten)]
    pub project: ProjectView,
    pub events: Vec<EventView>,
    pub documents: Vec<DocumentView>,
    /// Each item of the kind's checklist and whether a file is attached.
    pub checklist: Vec<ChecklistItem>,
    /// The actions the caller may take now.
    pub actions: Vec<String>,
    pub steps: Vec<StepView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub at: String,
    pub action: String,
    pub from_step: String,
    pub to_step: String,
    pub by: String,
    pub comment: String,
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentView {
    pub id: i64,
    pub item: String,
    pub step: String,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChecklistItem {
    pub item: String,
    pub name: String,
    pub name_en: String,
    pub attached: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub code: String,
    pub name: String,
    pub assignee: Assignee,
    pub days: i64,
    /// `done`, `current` or `todo`.
    pub state: &'static str,
}

fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|d| d.to_rfc3339()).unwrap_or_default()
}

fn stamp(actor: &Actor, at: i64) -> Stamp {
    Stamp { at, user_id: actor.user_id, username: actor.who.username.clone() }
}

fn must_manage_money(actor: &Actor, finance_path: Option<&str>) -> Result<(), Error> {
    let finance = matches!(actor.role, Role::AgencyAdmin | Role::DataOfficer)
        && finance_path.is_some_and(|p| actor.scope.contains(p));
    if matches!(actor.role, Role::SystemAdmin | Role::DxOffice) || finance {
        Ok(())
    } else {
        Err(Error::new(
            tinhso_domain::ErrorKind::Forbidden,
            "Chỉ Văn phòng chuyển đổi số và Sở Tài chính ghi kế hoạch vốn, phân bổ và giải ngân.",
            "Only the DX office and the Department of Finance record capital plans, allocations and disbursements.",
        ))
    }
}

/// Evidence and dossier files: (extension, content type, magic bytes).
pub const FILE_TYPES: [(&str, &str); 6] = [
    ("pdf", "application/pdf"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
];

/// A dossier file at most this big.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

/// Checks a file's type (by extension and content) and size; its content type.
pub fn check_file(name: &str, bytes: &[u8]) -> Result<&'static str, Error> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::invalid(
            "file",
            format!("Tệp «{name}» lớn {:.1} MB, vượt giới hạn 5 MB.", bytes.len() as f64 / 1_048_576.0),
            format!("File «{name}» is {:.1} MB, over the 5 MB limit.", bytes.len() as f64 / 1_048_576.0),
        ));
    }
    let ext = name.rsplit_once('.').map(|x| x.1.to_ascii_lowercase()).unwrap_or_default();
    let Some((_, ct)) = FILE_TYPES.iter().find(|(e, _)| *e == ext) else {
        return Err(Error::invalid(
            "file",
            format!("Tệp «{name}» phải là PDF, DOCX, XLSX, PNG hoặc JPEG."),
            format!("File «{name}» must be PDF, DOCX, XLSX, PNG or JPEG."),
        ));
    };
    let magic_ok = match ext.as_str() {
        "pdf" => bytes.starts_with(b"%PDF-"),
        "docx" | "xlsx" => bytes.starts_with(b"PK\x03\x04"),
        "png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        _ => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
    };
    if !magic_ok {
        return Err(Error::invalid(
            "file",
            format!("Nội dung tệp «{name}» không phải là tệp .{ext}."),
            format!("The content of «{name}» is not a .{ext} file."),
        ));
    }
    Ok(ct)
}

impl Tracker {
    /// The appraisal workflow (the stored one, else the default).
    pub async fn workflow(&self) -> Result<Workflow, Error> {
        load_workflow(self.store()).await
    }

    /// Replaces the workflow (YAML or JSON). Projects at a step the new one lacks keep moving by its rules only after being re-placed, so such a change is refused.
    pub async fn save_workflow(&self, actor: &Actor, text: &str) -> Result<Workflow, Error> {
        crate::must_manage(actor)?;
        let w = Workflow::parse(text)?;
        for p in self.store().dx_projects(None, None).await? {
            if p.status == "active" && w.step(&p.step).is_none() {
                return Err(Error::invalid(
                    "steps",
                    format!("Dự án «{}» đang ở bước «{}» mà quy trình mới không có.", p.code, p.step),
                    format!("Project «{}» is at step «{}», which the new workflow lacks.", p.code, p.step),
                ));
            }
        }
        let json = serde_json::to_string(&w).map_err(Error::internal)?;
        self.store().dx_save_workflow(&json, actor.user_id, tinhso_store::now()).await?;
        self.audit(actor, "project.workflow", format!("{} steps", w.steps.len())).await?;
        Ok(w)
    }

    async fn finance_path(&self, w: &Workflow) -> Result<Option<String>, Error> {
        Ok(self.store().agency_by_code(&w.finance_agency).await?.map(|a| a.path))
    }

    fn view(w: &Workflow, p: &ProjectRecord, today: NaiveDate) -> ProjectView {
        let step = w.step(&p.step);
        let due = p.step_due_on.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        ProjectView {
            id: p.id,
            code: p.code.clone(),
            name: p.name.clone(),
            owner: p.owner_code.clone(),
            owner_name: p.owner_name.clone(),
            group: p.group_code.clone(),
            kind: p.kind.clone(),
            year: p.year,
            requested: p.requested,
            funding_source: p.funding_source.clone(),
            step: p.step.clone(),
            step_name: w.name(&p.step, false),
            step_order: step.map_or(w.steps.len() + 1, |s| s.0 + 1),
            assignee: step.filter(|_| p.status == "active").map(|s| s.1.assignee),
            step_since: rfc3339(p.step_entered_at),
            step_due_on: p.step_due_on.clone(),
            stalled: p.status == "active" && due.is_some_and(|d| today > d),
            status: p.status.clone(),
            returns: p.returns,
            decision: p.decision.clone(),
            approved_on: p.approved_on.clone(),
            allocated: p.allocated,
            disbursed: p.disbursed,
            tasks: serde_json::from_str(&p.tasks).unwrap_or_default(),
            datasets: serde_json::from_str(&p.datasets).unwrap_or_default(),
        }
    }

    /// Projects (of a year, at a step), as staff may read them.
    pub async fn projects(
        &self,
        actor: &Actor,
        year: Option<i64>,
        step: Option<&str>,
        today: NaiveDate,
    ) -> Result<Vec<ProjectView>, Error> {
        crate::must_read(actor)?;
        let w = self.workflow().await?;
        if let Some(s) = step {
            if w.step(s).is_none() && s != projects::APPROVED.0 && s != projects::REJECTED.0 {
                return Err(Error::invalid(
                    "step",
                    format!(
                        "Không có bước «{s}» ({}, {}, {}).",
                        w.steps.iter().map(|x| x.code.as_str()).collect::<Vec<_>>().join(", "),
                        projects::APPROVED.0,
                        projects::REJECTED.0
                    ),
                    format!(
                        "There is no step «{s}» ({}, {}, {}).",
                        w.steps.iter().map(|x| x.code.as_str()).collect::<Vec<_>>().join(", "),
                        projects::APPROVED.0,
                        projects::REJECTED.0
                    ),
                ));
            }
        }
        Ok(self.store().dx_projects(year, step).await?.iter().map(|p| Self::view(&w, p, today)).collect())
    }

    async fn record(&self, id: i64) -> Result<ProjectRecord, Error> {
        self.store()
            .dx_project(id)
            .await?
            .ok_or_else(|| Error::not_found(format!("Không có dự án số {id}."), format!("There is no project {id}.")))
    }

    /// A project with its thread, documents, checklist and the caller's possible actions.
    pub async fn project(&self, actor: &Actor, id: i64, today: NaiveDate) -> Result<ProjectDetail, Error> {
        crate::must_read(actor)?;
        let w = self.workflow().await?;
        let p = self.record(id).await?;
        let docs = self.store().dx_project_documents(id).await?;
        let events = self.store().dx_project_events(Some(id)).await?;
        let finance = self.finance_path(&w).await?;
        let mut actions = Vec::new();
        if p.status == "active" {
            if let Some((_, s)) = w.step(&p.step) {
                if projects::acts_as(actor, s.assignee, &p.owner_path, finance.as_deref()) {
                    if s.decision {
                        actions.extend(["approve".to_string(), "reject".to_string()]);
                    } else {
                        actions.push("advance".into());
                    }
                    if s.return_to.is_some() {
                        actions.push("return".into());
                    }
                    if s.assignee == Assignee::DxOffice && !s.decision {
                        actions.push("reject".into());
                    }
                }
            }
        }
        let current = w.step(&p.step).map(|s| s.0);
        Ok(ProjectDetail {
            project: Self::view(&w, &p, today),
            events: events.into_iter().map(|(_, e)| event_view(e)).collect(),
            checklist: checklist(&p.kind)
                .into_iter()
                .map(|(item, vi, en)| ChecklistItem {
                    attached: docs.iter().any(|d| d.item == item),
                    item: item.into(),
                    name: vi.into(),
                    name_en: en.into(),
                })
                .collect(),
            documents: docs.into_iter().map(doc_view).collect(),
            actions,
            steps: w
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| StepView {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    assignee: s.assignee,
                    days: s.days,
                    state: match current {
                        Some(c) if i < c => "done",
                        Some(c) if i == c => "current",
                        None if p.status == "approved" => "done",
                        _ => "todo",
                    },
                })
                .collect(),
        })
    }

    /// Creates a project at the workflow's first step.
    pub async fn create_project(&self, actor: &Actor, doc: &ProjectDoc, now: i64) -> Result<ProjectView, Vec<Error>> {
        let one = |e: Error| vec![e];
        crate::must_read(actor).map_err(one)?;
        let w = self.workflow().await.map_err(one)?;
        let mut errors = Vec::new();
        let code = doc.code.trim();
        if code.is_empty() || code.len() > 40 || !code.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        {
            errors.push(Error::invalid(
                "code",
                "Mã dự án gồm chữ không dấu, số, '-', '_', '.', '/' (tối đa 40 ký tự).",
                "A project code has ASCII letters, digits, '-', '_', '.', '/' (at most 40).",
            ));
        }
        let name = nfc(doc.name.trim());
        if name.is_empty() || name.chars().count() > 500 {
            errors.push(Error::invalid(
                "name",
                "Tên dự án không được trống (tối đa 500 ký tự).",
                "The project name must not be empty (at most 500 characters).",
            ));
        }
        let group = crate::keep(&mut errors, groups::parse("group", &doc.group));
        if !KINDS.iter().any(|k| k.0 == doc.kind) {
            errors.push(Error::invalid(
                "kind",
                format!("Loại dự án «{}» không có (dau-tu, thue-dich-vu).", doc.kind),
                format!("There is no project kind «{}» (dau-tu, thue-dich-vu).", doc.kind),
            ));
        }
        if !(2015..=2100).contains(&doc.year) {
            errors.push(Error::invalid(
                "year",
                format!("Năm {} không hợp lệ.", doc.year),
                format!("Year {} is not valid.", doc.year),
            ));
        }
        let requested = crate::keep(&mut errors, parse_amount("requested", &doc.requested));
        let owner_code =
            doc.owner.clone().or_else(|| (!actor.who.agency_code.is_empty()).then(|| actor.who.agency_code.clone()));
        let owner = match owner_code {
            Some(c) => match self.store().agency_by_code(&c).await.map_err(one)? {
                Some(a) => Some(a),
                None => {
                    errors.push(Error::invalid(
                        "owner",
                        format!("Không có cơ quan «{c}»."),
                        format!("There is no agency «{c}»."),
                    ));
                    None
                }
            },
            None => {
                errors.push(Error::invalid(
                    "owner",
                    "Cần cơ quan chủ đầu tư (owner).",
                    "The owner agency is needed (owner).",
                ));
                None
            }
        };
        if let Some(a) = &owner {
            if !(crate::may_manage(actor.role)
                || (matches!(actor.role, Role::AgencyAdmin | Role::DataOfficer) && actor.scope.contains(&a.path)))
            {
                return Err(vec![Error::forbidden()]);
            }
        }
        let tasks = self.store().dx_tasks(None).await.map_err(one)?;
        for (i, t) in doc.tasks.iter().enumerate() {
            if !tasks.iter().any(|x| x.id == *t) {
                errors.push(Error::invalid(
                    &format!("tasks[{i}]"),
                    format!("Không có nhiệm vụ số {t}."),
                    format!("There is no plan task {t}."),
                ));
            }
        }
        let sets = self.store().datasets().await.map_err(one)?;
        for (i, d) in doc.datasets.iter().enumerate() {
            if !sets.iter().any(|x| &x.slug == d) {
                errors.push(Error::invalid(
                    &format!("datasets[{i}]"),
                    format!("Không có bộ dữ liệu «{d}»."),
                    format!("There is no dataset «{d}»."),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let owner = owner.expect("checked");
        let first = &w.steps[0];
        let due = (vn_day(now) + chrono::Duration::days(first.days)).to_string();
        let input = ProjectInput {
            code: code.to_string(),
            name,
            owner_agency_id: owner.id,
            group_code: group.expect("checked").to_string(),
            kind: doc.kind.clone(),
            year: doc.year,
            requested: requested.expect("checked"),
            funding_source: nfc(doc.funding_source.trim()),
            tasks: serde_json::to_string(&doc.tasks).unwrap_or_else(|_| "[]".into()),
            datasets: serde_json::to_string(&doc.datasets).unwrap_or_else(|_| "[]".into()),
        };
        let p = self
            .store()
            .dx_create_project(&input, (&first.code, &first.name, Some(&due)), &stamp(actor, now))
            .await
            .map_err(one)?;
        self.audit(actor, "project.create", p.code.clone()).await.map_err(one)?;
        Ok(Self::view(&w, &p, vn_day(now)))
    }

    /// Moves a project (advance, return, approve, reject) and notifies who acts next.
    pub async fn transition(&self, actor: &Actor, id: i64, t: &TransitionDoc, now: i64) -> Result<ProjectView, Error> {
        crate::must_read(actor)?;
        let w = self.workflow().await?;
        let p = self.record(id).await?;
        let finance = self.finance_path(&w).await?;
        let docs: Vec<String> = self.store().dx_project_documents(id).await?.into_iter().map(|d| d.item).collect();
        let today = vn_day(now);
        let o = projects::decide(&w, &p, actor, finance.as_deref(), t, &docs, today)?;
        let m = Move {
            action: o.action.to_string(),
            to_step: o.to_step.clone(),
            step_name: o.to_name.clone(),
            step_due_on: o.due_on.map(|d| d.to_string()),
            status: o.status.to_string(),
            returned: o.returned,
            decision: o.decision.clone(),
            approved_on: o.approved_on.map(|d| d.to_string()),
            comment: nfc(t.comment.trim()),
            missing: serde_json::to_string(&o.missing).unwrap_or_else(|_| "[]".into()),
        };
        self.store().dx_move_project(id, &p.step, &m, &stamp(actor, now)).await?;
        self.audit(actor, "project.transition", format!("{}: {} {} → {}", p.code, o.action, p.step, o.to_step)).await?;
        // Who acts next is told in the app.
        let next = w.step(&o.to_step).map(|s| s.1.assignee);
        let users = match next {
            Some(Assignee::Owner) | None => self.agency_users(&[p.owner_agency_id]).await?,
            Some(Assignee::Finance) => match self.store().agency_by_code(&w.finance_agency).await? {
                Some(a) => self.agency_users(&[a.id]).await?,
                None => Vec::new(),
            },
            Some(Assignee::DxOffice) => self.store().users_with_roles(&[Role::DxOffice]).await?,
        };
        let missing_vi: Vec<&str> =
            checklist(&p.kind).iter().filter(|c| o.missing.iter().any(|m| m == c.0)).map(|c| c.1).collect();
        let missing_en: Vec<&str> =
            checklist(&p.kind).iter().filter(|c| o.missing.iter().any(|m| m == c.0)).map(|c| c.2).collect();
        let (body_vi, body_en) = if o.returned {
            (
                format!("Hồ sơ bị trả: thiếu hoặc chưa đúng {}.", missing_vi.join("; ")),
                format!("Returned: {} missing or wrong.", missing_en.join("; ")),
            )
        } else {
            (format!("Bước: {}.", w.name(&o.to_step, false)), format!("Step: {}.", w.name(&o.to_step, true)))
        };
        self.store()
            .notify(
                &users,
                (&format!("Dự án {}", p.code), &format!("Project {}", p.code)),
                (&body_vi, &body_en),
                &format!("/projects/{id}"),
            )
            .await?;
        let p = self.record(id).await?;
        Ok(Self::view(&w, &p, today))
    }

    /// Adds a comment to a project's thread (anyone who may act on it, or the DX office).
    pub async fn comment(&self, actor: &Actor, id: i64, text: &str, now: i64) -> Result<(), Error> {
        crate::must_read(actor)?;
        if actor.role == Role::Leader {
            return Err(Error::forbidden());
        }
        let text = nfc(text.trim());
        if text.is_empty() || text.chars().count() > 5000 {
            return Err(Error::invalid(
                "comment",
                "Ý kiến không được trống (tối đa 5.000 ký tự).",
                "A comment must not be empty (at most 5,000 characters).",
            ));
        }
        let w = self.workflow().await?;
        let p = self.record(id).await?;
        let finance = self.finance_path(&w).await?;
        let involved = [Assignee::Owner, Assignee::DxOffice, Assignee::Finance]
            .iter()
            .any(|a| projects::acts_as(actor, *a, &p.owner_path, finance.as_deref()));
        if !involved {
            return Err(Error::forbidden());
        }
        self.store().dx_comment_project(id, &p.step, &text, &stamp(actor, now)).await?;
        self.audit(actor, "project.comment", p.code).await
    }

    /// Attaches a dossier file for a checklist item (or `khac`, other).
    pub async fn add_document(
        &self,
        actor: &Actor,
        id: i64,
        item: &str,
        name: &str,
        bytes: &[u8],
        now: i64,
    ) -> Result<i64, Error> {
        crate::must_read(actor)?;
        let w = self.workflow().await?;
        let p = self.record(id).await?;
        let finance = self.finance_path(&w).await?;
        let may = projects::acts_as(actor, Assignee::Owner, &p.owner_path, finance.as_deref())
            || crate::may_manage(actor.role);
        if !may {
            return Err(Error::forbidden());
        }
        if p.status != "active" {
            return Err(Error::conflict(
                format!("Dự án «{}» đã kết thúc.", p.code),
                format!("Project «{}» is finished.", p.code),
            ));
        }
        if item != "khac" && !checklist(&p.kind).iter().any(|c| c.0 == item) {
            return Err(Error::invalid(
                "item",
                format!(
                    "«{item}» không thuộc danh mục hồ sơ ({}, khac).",
                    checklist(&p.kind).iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
                ),
                format!(
                    "«{item}» is not in the dossier checklist ({}, khac).",
                    checklist(&p.kind).iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let ct = check_file(name, bytes)?;
        let sha = sha256_hex(bytes);
        let doc_id =
            self.store().dx_add_project_document(id, item, &p.step, name, ct, &sha, bytes, &stamp(actor, now)).await?;
        self.audit(actor, "project.document", format!("{} {item}: {name} ({} bytes)", p.code, bytes.len())).await?;
        Ok(doc_id)
    }

    /// A document's bytes (staff).
    pub async fn document(&self, actor: &Actor, id: i64, doc: i64) -> Result<(String, String, Vec<u8>), Error> {
        crate::must_read(actor)?;
        match self.store().dx_project_document(doc).await? {
            Some((p, name, ct, bytes)) if p == id => Ok((name, ct, bytes)),
            _ => Err(Error::not_found("Không có tệp này.", "There is no such file.")),
        }
    }

    // ---- budget ----------------------------------------------------------------------------

    pub async fn save_budget_plan(
        &self,
        actor: &Actor,
        year: i64,
        amount: &Value,
        decision: &str,
    ) -> Result<(), Error> {
        let w = self.workflow().await?;
        must_manage_money(actor, self.finance_path(&w).await?.as_deref())?;
        if !(2015..=2100).contains(&year) {
            return Err(Error::invalid(
                "year",
                format!("Năm {year} không hợp lệ."),
                format!("Year {year} is not valid."),
            ));
        }
        let amount = parse_amount("amount", amount)?;
        self.store().dx_save_budget_plan(year, amount, &nfc(decision.trim()), tinhso_store::now()).await?;
        self.audit(actor, "budget.plan", format!("{year}: {amount}")).await
    }

    pub async fn allocate(
        &self,
        actor: &Actor,
        id: i64,
        year: i64,
        amount: &Value,
        decision: &str,
        now: i64,
    ) -> Result<i64, Error> {
        let w = self.workflow().await?;
        must_manage_money(actor, self.finance_path(&w).await?.as_deref())?;
        let amount = parse_amount("amount", amount)?;
        let p = self.record(id).await?;
        if p.status == "rejected" {
            return Err(Error::conflict(
                format!("Dự án «{}» không được phê duyệt: không phân bổ vốn.", p.code),
                format!("Project «{}» was rejected: no allocation.", p.code),
            ));
        }
        if !(2015..=2100).contains(&year) {
            return Err(Error::invalid(
                "year",
                format!("Năm {year} không hợp lệ."),
                format!("Year {year} is not valid."),
            ));
        }
        let n = self.store().dx_allocate(id, year, amount, &nfc(decision.trim()), &stamp(actor, now)).await?;
        self.audit(actor, "budget.allocate", format!("{} {year}: {amount}", p.code)).await?;
        Ok(n)
    }

    /// Records a disbursement: the project must be approved, the date not
    /// before the approval nor in the future, the amount within the year's allocation.
    pub async fn disburse(
        &self,
        actor: &Actor,
        id: i64,
        paid_on: &str,
        amount: &Value,
        voucher: &str,
        now: i64,
    ) -> Result<i64, Error> {
        let w = self.workflow().await?;
        must_manage_money(actor, self.finance_path(&w).await?.as_deref())?;
        let amount = parse_amount("amount", amount)?;
        let on = parse_day("paid_on", paid_on)?;
        let voucher = nfc(voucher.trim());
        if voucher.is_empty() {
            return Err(Error::invalid("voucher", "Cần số chứng từ giải ngân.", "The voucher number is needed."));
        }
        let p = self.record(id).await?;
        let Some(approved) = p.approved_on.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            return Err(Error::invalid(
                "project",
                format!("Dự án «{}» chưa được phê duyệt ({}): chưa thể giải ngân.", p.code, w.name(&p.step, false)),
                format!(
                    "Project «{}» is not approved yet ({}): nothing can be disbursed.",
                    p.code,
                    w.name(&p.step, true)
                ),
            ));
        };
        if on < approved {
            return Err(Error::invalid(
                "paid_on",
                format!(
                    "Ngày giải ngân {} trước ngày phê duyệt {}.",
                    on.format("%d/%m/%Y"),
                    approved.format("%d/%m/%Y")
                ),
                format!(
                    "The disbursement date {} is before the approval on {}.",
                    on.format("%d/%m/%Y"),
                    approved.format("%d/%m/%Y")
                ),
            ));
        }
        if on > vn_day(now) {
            return Err(Error::invalid(
                "paid_on",
                "Ngày giải ngân không được ở tương lai.",
                "The disbursement date cannot be in the future.",
            ));
        }
        let n = self
            .store()
            .dx_disburse(id, &on.to_string(), i64::from(on.year()), amount, &voucher, &stamp(actor, now))
            .await?;
        self.audit(actor, "budget.disburse", format!("{} {on}: {amount} ({voucher})", p.code)).await?;
        Ok(n)
    }

    pub async fn budget_summary(&self, actor: &Actor, year: i64) -> Result<Summary, Error> {
        crate::must_read(actor)?;
        if !(2015..=2100).contains(&year) {
            return Err(Error::invalid(
                "year",
                format!("Năm {year} không hợp lệ."),
                format!("Year {year} is not valid."),
            ));
        }
        let s = self.store();
        Ok(projects::summary(
            year,
            &s.dx_budget_plans().await?,
            &s.dx_projects(None, None).await?,
            &s.dx_allocations(None).await?,
            &s.dx_disbursements(None).await?,
        ))
    }

    /// What needs attention on `today` (the DX office's list).
    pub async fn attention(&self, actor: &Actor, today: NaiveDate) -> Result<Vec<Attention>, Error> {
        crate::must_read(actor)?;
        let s = self.store();
        Ok(projects::attention(
            &self.workflow().await?,
            &s.dx_projects(None, None).await?,
            &s.dx_allocations(None).await?,
            &s.dx_disbursements(None).await?,
            today,
        ))
    }

    /// Notifies owners (and the DX office) of what needs attention, once per reason and key.
    pub async fn notify_attention(&self, now: i64) -> Result<usize, Error> {
        let items = self.attention(&Actor::system(), vn_day(now)).await?;
        let dx = self.store().users_with_roles(&[Role::DxOffice]).await?;
        let mut sent = 0;
        for a in items {
            if !self.store().dx_notice_once(a.project_id, a.reason, &a.key, now).await? {
                continue;
            }
            let p = self.record(a.project_id).await?;
            let mut users = self.agency_users(&[p.owner_agency_id]).await?;
            users.extend(dx.iter().copied());
            self.store()
                .notify(
                    &users,
                    (&format!("Dự án {} cần xử lý", a.code), &format!("Project {} needs attention", a.code)),
                    (&a.detail, &a.detail_en),
                    &format!("/projects/{}", a.project_id),
                )
                .await?;
            sent += 1;
        }
        Ok(sent)
    }
}

/// The stored workflow, else the default.
pub async fn load_workflow(store: &tinhso_store::Store) -> Result<Workflow, Error> {
    match store.dx_workflow().await? {
        Some(text) => Workflow::parse(&text),
        None => Ok(Workflow::default()),
    }
}

fn event_view(e: ProjectEvent) -> EventView {
    EventView {
        at: rfc3339(e.at),
        action: e.action,
        from_step: e.from_step,
        to_step: e.to_step,
        by: e.username,
        comment: e.comment,
        missing: serde_json::from_str(&e.missing).unwrap_or_default(),
    }
}

fn doc_view(d: ProjectDocument) -> DocumentView {
    DocumentView { id: d.id, item: d.item, step: d.step, file_name: d.file_name, size: d.size, sha256: d.sha256 }
}

/// The SHA-256 of a file, in hex (kept beside each attachment).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
