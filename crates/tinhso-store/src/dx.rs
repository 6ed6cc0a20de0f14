//! DX programme tracker records: plans and tasks, KPIs and their monthly
//! values, monthly reviews with one report per agency, DTI frameworks,
//! self-assessments, official results and targets, the national DTI ranking
//! table, and evidence files. The rules (who may change what, validation,
//! scoring) live in `tinhso-dx`; JSON documents (framework definitions,
//! report contents, sub-indices) are owned there and kept here as text.
//! Every multi-row change is one transaction: nothing is half-saved.

use sqlx::any::AnyRow;
use sqlx::Row;
use tinhso_domain::{Error, ErrorKind, Result};

use crate::{db_err, now, Store};

/// A plan: the provincial plan or an agency's.
#[derive(Debug, Clone)]
pub struct PlanRecord {
    pub id: i64,
    pub code: String,
    pub title: String,
    /// The issuing agency (None for a plan of the province not tied to one).
    pub agency_id: Option<i64>,
    pub agency_code: Option<String>,
    pub year_from: i64,
    pub year_to: i64,
    /// ISO date.
    pub issued_on: Option<String>,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct PlanInput {
    pub code: String,
    pub title: String,
    pub agency_id: Option<i64>,
    pub year_from: i64,
    pub year_to: i64,
    pub issued_on: Option<String>,
}

/// A task of a plan.
#[derive(Debug, Clone)]
pub struct TaskRecord {
    pub id: i64,
    pub plan_id: i64,
    pub plan_code: String,
    pub code: String,
    pub group_code: String,
    pub title: String,
    pub lead_agency_id: i64,
    pub lead_agency_code: String,
    pub lead_agency_name: String,
    /// JSON array of agency codes.
    pub cooperating: String,
    pub start_on: Option<String>,
    pub due_on: String,
    pub output: String,
    /// Đồng.
    pub budget: Option<i64>,
    pub status: String,
    pub progress: i64,
    /// JSON array of dataset slugs.
    pub datasets: String,
    /// JSON array of project names.
    pub projects: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct TaskInput {
    pub code: String,
    pub group_code: String,
    pub title: String,
    pub lead_agency_id: i64,
    pub cooperating: String,
    pub start_on: Option<String>,
    pub due_on: String,
    pub output: String,
    pub budget: Option<i64>,
    pub status: String,
    pub progress: i64,
    pub datasets: String,
    pub projects: String,
}

/// A KPI and how its actual value is obtained.
#[derive(Debug, Clone)]
pub struct KpiRecord {
    pub id: i64,
    pub code: String,
    pub plan_id: Option<i64>,
    pub group_code: String,
    pub name: String,
    pub name_en: String,
    pub unit: String,
    pub baseline: f64,
    pub baseline_on: String,
    pub target: f64,
    pub target_on: String,
    pub higher_is_better: bool,
    /// `manual` or `sql`.
    pub method: String,
    pub sql_text: String,
    pub agency_id: Option<i64>,
    pub agency_code: Option<String>,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct KpiInput {
    pub code: String,
    pub plan_id: Option<i64>,
    pub group_code: String,
    pub name: String,
    pub name_en: String,
    pub unit: String,
    pub baseline: f64,
    pub baseline_on: String,
    pub target: f64,
    pub target_on: String,
    pub higher_is_better: bool,
    pub method: String,
    pub sql_text: String,
    pub agency_id: Option<i64>,
}

/// A KPI's value for a month (`YYYY-MM`).
#[derive(Debug, Clone, PartialEq)]
pub struct KpiValue {
    pub kpi_id: i64,
    pub month: String,
    pub value: f64,
    /// `manual` or `sql`.
    pub source: String,
    pub note: String,
    pub recorded_at: i64,
}

/// A monthly review.
#[derive(Debug, Clone)]
pub struct ReviewRecord {
    pub id: i64,
    /// `YYYY-MM`.
    pub month: String,
    pub opened_at: i64,
    pub due_on: String,
    /// `open` or `closed`.
    pub status: String,
    pub summary: String,
    pub meeting_on: Option<String>,
    pub closed_at: Option<i64>,
}

/// An agency's report for a review.
#[derive(Debug, Clone)]
pub struct ReviewReport {
    pub review_id: i64,
    pub agency_id: i64,
    pub agency_code: String,
    pub agency_name: String,
    /// `pending` or `submitted`.
    pub status: String,
    pub content: String,
    pub submitted_at: Option<i64>,
    pub submitted_by: Option<String>,
    pub late: bool,
    pub reminded_at: Option<i64>,
}

/// A stored DTI framework.
#[derive(Debug, Clone)]
pub struct FrameworkRecord {
    pub code: String,
    pub first_year: i64,
    pub definition: String,
    pub updated_at: i64,
}

/// A self-assessed indicator value for a year.
#[derive(Debug, Clone)]
pub struct AssessmentRecord {
    pub year: i64,
    pub indicator: String,
    pub framework: String,
    pub value: f64,
    pub evidence: String,
    pub assessed_by: Option<String>,
    pub assessed_at: i64,
}

/// An official result of the province for an index and a year.
#[derive(Debug, Clone)]
pub struct IndexResult {
    pub index_code: String,
    pub year: i64,
    pub score: Option<f64>,
    pub rank: Option<i64>,
    pub of_count: Option<i64>,
    pub sub_indices: String,
    pub source: String,
}

/// A target for an index (rank and/or score) by a year.
#[derive(Debug, Clone)]
pub struct IndexTarget {
    pub index_code: String,
    pub year: i64,
    pub rank_target: Option<i64>,
    pub score_target: Option<f64>,
    pub note: String,
}

/// A row of the national DTI ranking table.
#[derive(Debug, Clone)]
pub struct RankingRow {
    pub year: i64,
    pub province: String,
    pub rank: i64,
    pub score: Option<f64>,
    pub sub_indices: String,
    pub source: String,
}

/// An evidence file (metadata; the bytes with [`Store::dx_attachment`]).
#[derive(Debug, Clone)]
pub struct AttachmentMeta {
    pub id: i64,
    pub year: i64,
    pub indicator: String,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    pub uploaded_at: i64,
}

const PLAN_SELECT: &str = "SELECT p.id, p.code, p.title, p.agency_id, a.code AS agency_code, p.year_from, \
     p.year_to, p.issued_on, p.updated_at FROM dx_plans p LEFT JOIN agencies a ON a.id = p.agency_id";

fn plan_from(r: &AnyRow) -> Result<PlanRecord> {
    Ok(PlanRecord {
        id: r.try_get("id").map_err(db_err)?,
        code: r.try_get("code").map_err(db_err)?,
        title: r.try_get("title").map_err(db_err)?,
        agency_id: r.try_get("agency_id").map_err(db_err)?,
        agency_code: r.try_get("agency_code").map_err(db_err)?,
        year_from: r.try_get("year_from").map_err(db_err)?,
        year_to: r.try_get("year_to").map_err(db_err)?,
        issued_on: r.try_get("issued_on").map_err(db_err)?,
        updated_at: r.try_get("updated_at").map_err(db_err)?,
    })
}

const TASK_SELECT: &str = "SELECT t.id, t.plan_id, p.code AS plan_code, t.code, t.group_code, t.title, \
     t.lead_agency_id, a.code AS lead_code, a.name_vi AS lead_name, t.cooperating, t.start_on, t.due_on, t.output, \
     t.budget, t.status, t.progress, t.datasets, t.projects, t.updated_at \
     FROM dx_tasks t JOIN dx_plans p ON p.id = t.plan_id JOIN agencies a ON a.id = t.lead_agency_id";

fn task_from(r: &AnyRow) -> Result<TaskRecord> {
    Ok(TaskRecord {
        id: r.try_get("id").map_err(db_err)?,
        plan_id: r.try_get("plan_id").map_err(db_err)?,
        plan_code: r.try_get("plan_code").map_err(db_err)?,
        code: r.try_get("code").map_err(db_err)?,
        group_code: r.try_get("group_code").map_err(db_err)?,
        title: r.try_get("title").map_err(db_err)?,
        lead_agency_id: r.try_get("lead_agency_id").map_err(db_err)?,
        lead_agency_code: r.try_get("lead_code").map_err(db_err)?,
        lead_agency_name: r.try_get("lead_name").map_err(db_err)?,
        cooperating: r.try_get("cooperating").map_err(db_err)?,
        start_on: r.try_get("start_on").map_err(db_err)?,
        due_on: r.try_get("due_on").map_err(db_err)?,
        output: r.try_get("output").map_err(db_err)?,
        budget: r.try_get("budget").map_err(db_err)?,
        status: r.try_get("status").map_err(db_err)?,
        progress: r.try_get("progress").map_err(db_err)?,
        datasets: r.try_get("datasets").map_err(db_err)?,
        projects: r.try_get("projects").map_err(db_err)?,
        updated_at: r.try_get("updated_at").map_err(db_err)?,
    })
}

const KPI_SELECT: &str = "SELECT k.id, k.code, k.plan_id, k.group_code, k.name, k.name_en, k.unit, k.baseline, \
     k.baseline_on, k.target, k.target_on, k.higher_is_better, k.method, k.sql_text, k.agency_id, \
     a.code AS agency_code, k.updated_at FROM dx_kpis k LEFT JOIN agencies a ON a.id = k.agency_id";

fn kpi_from(r: &AnyRow) -> Result<KpiRecord> {
    Ok(KpiRecord {
        id: r.try_get("id").map_err(db_err)?,
        code: r.try_get("code").map_err(db_err)?,
        plan_id: r.try_get("plan_id").map_err(db_err)?,
        group_code: r.try_get("group_code").map_err(db_err)?,
        name: r.try_get("name").map_err(db_err)?,
        name_en: r.try_get("name_en").map_err(db_err)?,
        unit: r.try_get("unit").map_err(db_err)?,
        baseline: r.try_get("baseline").map_err(db_err)?,
        baseline_on: r.try_get("baseline_on").map_err(db_err)?,
        target: r.try_get("target").map_err(db_err)?,
        target_on: r.try_get("target_on").map_err(db_err)?,
        higher_is_better: r.try_get::<i64, _>("higher_is_better").map_err(db_err)? != 0,
        method: r.try_get("method").map_err(db_err)?,
        sql_text: r.try_get("sql_text").map_err(db_err)?,
        agency_id: r.try_get("agency_id").map_err(db_err)?,
        agency_code: r.try_get("agency_code").map_err(db_err)?,
        updated_at: r.try_get("updated_at").map_err(db_err)?,
    })
}

fn value_from(r: &AnyRow) -> Result<KpiValue> {
    Ok(KpiValue {
        kpi_id: r.try_get("kpi_id").map_err(db_err)?,
        month: r.try_get("month").map_err(db_err)?,
        value: r.try_get("value").map_err(db_err)?,
        source: r.try_get("source").map_err(db_err)?,
        note: r.try_get("note").map_err(db_err)?,
        recorded_at: r.try_get("recorded_at").map_err(db_err)?,
    })
}

const REVIEW_SELECT: &str =
    "SELECT id, month, opened_at, due_on, status, summary, meeting_on, closed_at FROM dx_reviews";

fn review_from(r: &AnyRow) -> Result<ReviewRecord> {
    Ok(ReviewRecord {
        id: r.try_get("id").map_err(db_err)?,
        month: r.try_get("month").map_err(db_err)?,
        opened_at: r.try_get("opened_at").map_err(db_err)?,
        due_on: r.try_get("due_on").map_err(db_err)?,
        status: r.try_get("status").map_err(db_err)?,
        summary: r.try_get("summary").map_err(db_err)?,
        meeting_on: r.try_get("meeting_on").map_err(db_err)?,
        closed_at: r.try_get("closed_at").map_err(db_err)?,
    })
}

const REPORT_SELECT: &str = "SELECT r.review_id, r.agency_id, a.code AS agency_code, a.name_vi AS agency_name, \
     r.status, r.content, r.submitted_at, u.username AS submitted_by, r.late, r.reminded_at \
     FROM dx_review_reports r JOIN agencies a ON a.id = r.agency_id LEFT JOIN users u ON u.id = r.submitted_by";

fn report_from(r: &AnyRow) -> Result<ReviewReport> {
    Ok(ReviewReport {
        review_id: r.try_get("review_id").map_err(db_err)?,
        agency_id: r.try_get("agency_id").map_err(db_err)?,
        agency_code: r.try_get("agency_code").map_err(db_err)?,
        agency_name: r.try_get("agency_name").map_err(db_err)?,
        status: r.try_get("status").map_err(db_err)?,
        content: r.try_get("content").map_err(db_err)?,
        submitted_at: r.try_get("submitted_at").map_err(db_err)?,
        submitted_by: r.try_get("submitted_by").map_err(db_err)?,
        late: r.try_get::<i64, _>("late").map_err(db_err)? != 0,
        reminded_at: r.try_get("reminded_at").map_err(db_err)?,
    })
}

fn result_from(r: &AnyRow) -> Result<IndexResult> {
    Ok(IndexResult {
        index_code: r.try_get("index_code").map_err(db_err)?,
        year: r.try_get("year").map_err(db_err)?,
        score: r.try_get("score").map_err(db_err)?,
        rank: r.try_get("rank").map_err(db_err)?,
        of_count: r.try_get("of_count").map_err(db_err)?,
        sub_indices: r.try_get("sub_indices").map_err(db_err)?,
        source: r.try_get("source").map_err(db_err)?,
    })
}

fn review_closed(month: &str) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!("Kỳ rà soát tháng {month} đã đóng: không nhận thêm báo cáo."),
        format!("The review of {month} is closed: no more reports are accepted."),
    )
}

impl Store {
    // ---- plans and tasks -------------------------------------------------------------------

    /// Every plan, newest period first.
    pub async fn dx_plans(&self) -> Result<Vec<PlanRecord>> {
        let rows = sqlx::query(&format!("{PLAN_SELECT} ORDER BY p.year_to DESC, p.year_from DESC, p.code"))
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(plan_from).collect()
    }

    pub async fn dx_plan(&self, id: i64) -> Result<Option<PlanRecord>> {
        let row = sqlx::query(&format!("{PLAN_SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        row.as_ref().map(plan_from).transpose()
    }

    pub async fn dx_plan_by_code(&self, code: &str) -> Result<Option<PlanRecord>> {
        let row = sqlx::query(&format!("{PLAN_SELECT} WHERE p.code = $1"))
            .bind(code)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        row.as_ref().map(plan_from).transpose()
    }

    /// Creates or updates a plan (by code) and upserts its tasks (by code),
    /// all in one transaction. Tasks not named are kept.
    pub async fn dx_save_plan(&self, by: Option<i64>, plan: &PlanInput, tasks: &[TaskInput]) -> Result<PlanRecord> {
        let t = now();
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        let existing: Option<i64> = sqlx::query("SELECT id FROM dx_plans WHERE code = $1")
            .bind(&plan.code)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .map(|r| r.try_get("id"))
            .transpose()
            .map_err(db_err)?;
        let id = match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE dx_plans SET title = $1, agency_id = $2, year_from = $3, year_to = $4, issued_on = $5, \
                     updated_at = $6 WHERE id = $7",
                )
                .bind(&plan.title)
                .bind(plan.agency_id)
                .bind(plan.year_from)
                .bind(plan.year_to)
                .bind(&plan.issued_on)
                .bind(t)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                id
            }
            None => sqlx::query(
                "INSERT INTO dx_plans (code, title, agency_id, year_from, year_to, issued_on, created_by, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(&plan.code)
            .bind(&plan.title)
            .bind(plan.agency_id)
            .bind(plan.year_from)
            .bind(plan.year_to)
            .bind(&plan.issued_on)
            .bind(by)
            .bind(t)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?
            .try_get("id")
            .map_err(db_err)?,
        };
        for task in tasks {
            let updated = sqlx::query(
                "UPDATE dx_tasks SET group_code = $1, title = $2, lead_agency_id = $3, cooperating = $4, \
                 start_on = $5, due_on = $6, output = $7, budget = $8, status = $9, progress = $10, datasets = $11, \
                 projects = $12, updated_at = $13 WHERE plan_id = $14 AND code = $15",
            )
            .bind(&task.group_code)
            .bind(&task.title)
            .bind(task.lead_agency_id)
            .bind(&task.cooperating)
            .bind(&task.start_on)
            .bind(&task.due_on)
            .bind(&task.output)
            .bind(task.budget)
            .bind(&task.status)
            .bind(task.progress)
            .bind(&task.datasets)
            .bind(&task.projects)
            .bind(t)
            .bind(id)
            .bind(&task.code)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
            if updated == 0 {
                sqlx::query(
                    "INSERT INTO dx_tasks (plan_id, code, group_code, title, lead_agency_id, cooperating, start_on, \
                     due_on, output, budget, status, progress, datasets, projects, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                )
                .bind(id)
                .bind(&task.code)
                .bind(&task.group_code)
                .bind(&task.title)
                .bind(task.lead_agency_id)
                .bind(&task.cooperating)
                .bind(&task.start_on)
                .bind(&task.due_on)
                .bind(&task.output)
                .bind(task.budget)
                .bind(&task.status)
                .bind(task.progress)
                .bind(&task.datasets)
                .bind(&task.projects)
                .bind(t)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
        }
        tx.commit().await.map_err(db_err)?;
        self.dx_plan(id).await?.ok_or_else(|| Error::internal("plan vanished after save"))
    }

    /// The tasks of one plan, or of every plan.
    pub async fn dx_tasks(&self, plan_id: Option<i64>) -> Result<Vec<TaskRecord>> {
        let rows = match plan_id {
            Some(p) => {
                sqlx::query(&format!("{TASK_SELECT} WHERE t.plan_id = $1 ORDER BY t.group_code, t.code"))
                    .bind(p)
                    .fetch_all(self.pool())
                    .await
            }
            None => {
                sqlx::query(&format!("{TASK_SELECT} ORDER BY p.code, t.group_code, t.code"))
                    .fetch_all(self.pool())
                    .await
            }
        }
        .map_err(db_err)?;
        rows.iter().map(task_from).collect()
    }

    pub async fn dx_task(&self, id: i64) -> Result<Option<TaskRecord>> {
        let row = sqlx::query(&format!("{TASK_SELECT} WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        row.as_ref().map(task_from).transpose()
    }

    // ---- KPIs ------------------------------------------------------------------------------

    pub async fn dx_kpis(&self) -> Result<Vec<KpiRecord>> {
        let rows = sqlx::query(&format!("{KPI_SELECT} ORDER BY k.target_on DESC, k.code"))
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(kpi_from).collect()
    }

    pub async fn dx_kpi(&self, code: &str) -> Result<Option<KpiRecord>> {
        let row = sqlx::query(&format!("{KPI_SELECT} WHERE k.code = $1"))
            .bind(code)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        row.as_ref().map(kpi_from).transpose()
    }

    /// Creates or updates a KPI by code.
    pub async fn dx_save_kpi(&self, k: &KpiInput) -> Result<KpiRecord> {
        let t = now();
        let updated = sqlx::query(
            "UPDATE dx_kpis SET plan_id = $1, group_code = $2, name = $3, name_en = $4, unit = $5, baseline = $6, \
             baseline_on = $7, target = $8, target_on = $9, higher_is_better = $10, method = $11, sql_text = $12, \
             agency_id = $13, updated_at = $14 WHERE code = $15",
        )
        .bind(k.plan_id)
        .bind(&k.group_code)
        .bind(&k.name)
        .bind(&k.name_en)
        .bind(&k.unit)
        .bind(k.baseline)
        .bind(&k.baseline_on)
        .bind(k.target)
        .bind(&k.target_on)
        .bind(i64::from(k.higher_is_better))
        .bind(&k.method)
        .bind(&k.sql_text)
        .bind(k.agency_id)
        .bind(t)
        .bind(&k.code)
        .execute(self.pool())
        .await
        .map_err(db_err)?
        .rows_affected();
        if updated == 0 {
            sqlx::query(
                "INSERT INTO dx_kpis (code, plan_id, group_code, name, name_en, unit, baseline, baseline_on, target, \
                 target_on, higher_is_better, method, sql_text, agency_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
            )
            .bind(&k.code)
            .bind(k.plan_id)
            .bind(&k.group_code)
            .bind(&k.name)
            .bind(&k.name_en)
            .bind(&k.unit)
            .bind(k.baseline)
            .bind(&k.baseline_on)
            .bind(k.target)
            .bind(&k.target_on)
            .bind(i64::from(k.higher_is_better))
            .bind(&k.method)
            .bind(&k.sql_text)
            .bind(k.agency_id)
            .bind(t)
            .execute(self.pool())
            .await
            .map_err(db_err)?;
        }
        self.dx_kpi(&k.code).await?.ok_or_else(|| Error::internal("KPI vanished after save"))
    }

    /// Every recorded value (of one KPI or all), by KPI and month.
    pub async fn dx_kpi_values(&self, kpi_id: Option<i64>) -> Result<Vec<KpiValue>> {
        let sel = "SELECT kpi_id, month, value, source, note, recorded_at FROM dx_kpi_values";
        let rows = match kpi_id {
            Some(k) => {
                sqlx::query(&format!("{sel} WHERE kpi_id = $1 ORDER BY month")).bind(k).fetch_all(self.pool()).await
            }
            None => sqlx::query(&format!("{sel} ORDER BY kpi_id, month")).fetch_all(self.pool()).await,
        }
        .map_err(db_err)?;
        rows.iter().map(value_from).collect()
    }

    /// Records (or replaces) the values of months, in one transaction.
    pub async fn dx_record_kpi_values(
        &self,
        kpi_id: i64,
        values: &[(String, f64)],
        source: &str,
        note: &str,
        by: Option<i64>,
    ) -> Result<()> {
        let t = now();
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        for (month, value) in values {
            sqlx::query("DELETE FROM dx_kpi_values WHERE kpi_id = $1 AND month = $2")
                .bind(kpi_id)
                .bind(month)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query(
                "INSERT INTO dx_kpi_values (kpi_id, month, value, source, note, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(kpi_id)
            .bind(month)
            .bind(*value)
            .bind(source)
            .bind(note)
            .bind(by)
            .bind(t)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    // ---- monthly reviews -------------------------------------------------------------------

    pub async fn dx_reviews(&self) -> Result<Vec<ReviewRecord>> {
        let rows = sqlx::query(&format!("{REVIEW_SELECT} ORDER BY month DESC"))
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(review_from).collect()
    }

    pub async fn dx_review(&self, month: &str) -> Result<Option<ReviewRecord>> {
        let row = sqlx::query(&format!("{REVIEW_SELECT} WHERE month = $1"))
            .bind(month)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        row.as_ref().map(review_from).transpose()
    }

    /// Opens the review of `month` with a pending report for each agency, in one
    /// transaction. 409 when it is already open.
    pub async fn dx_open_review(
        &self,
        month: &str,
        due_on: &str,
        agencies: &[i64],
        opened_at: i64,
    ) -> Result<ReviewRecord> {
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        let id: i64 = sqlx::query(
            "INSERT INTO dx_reviews (month, opened_at, due_on, status) VALUES ($1, $2, $3, 'open') RETURNING id",
        )
        .bind(month)
        .bind(opened_at)
        .bind(due_on)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if crate::is_unique_violation(&e) {
                Error::conflict(
                    format!("Kỳ rà soát tháng {month} đã được mở."),
                    format!("The review of {month} is already open."),
                )
                .at("month")
            } else {
                db_err(e)
            }
        })?
        .try_get("id")
        .map_err(db_err)?;
        for a in agencies {
            sqlx::query("INSERT INTO dx_review_reports (review_id, agency_id, status) VALUES ($1, $2, 'pending')")
                .bind(id)
                .bind(*a)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        self.dx_review(month).await?.ok_or_else(|| Error::internal("review vanished after open"))
    }

    pub async fn dx_review_reports(&self, review_id: i64) -> Result<Vec<ReviewReport>> {
        let rows = sqlx::query(&format!("{REPORT_SELECT} WHERE r.review_id = $1 ORDER BY a.code"))
            .bind(review_id)
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(report_from).collect()
    }

    /// Stores an agency's report and the task progress it states, in one
    /// transaction. Refused (409) once the review is closed — checked inside
    /// the transaction, so a report racing the closing is not half-saved.
    #[allow(clippy::too_many_arguments)]
    pub async fn dx_submit_report(
        &self,
        review_id: i64,
        agency_id: i64,
        content: &str,
        by: Option<i64>,
        at: i64,
        late: bool,
        progress: &[(i64, String, i64)],
    ) -> Result<()> {
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        let row = sqlx::query("SELECT month, status FROM dx_reviews WHERE id = $1")
            .bind(review_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .ok_or_else(|| Error::not_found("Không có kỳ rà soát này.", "There is no such review."))?;
        let month: String = row.try_get("month").map_err(db_err)?;
        let status: String = row.try_get("status").map_err(db_err)?;
        if status != "open" {
            return Err(review_closed(&month));
        }
        let n = sqlx::query(
            "UPDATE dx_review_reports SET status = 'submitted', content = $1, submitted_at = $2, submitted_by = $3, \
             late = $4 WHERE review_id = $5 AND agency_id = $6",
        )
        .bind(content)
        .bind(at)
        .bind(by)
        .bind(i64::from(late))
        .bind(review_id)
        .bind(agency_id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
        if n == 0 {
            sqlx::query(
                "INSERT INTO dx_review_reports (review_id, agency_id, status, content, submitted_at, submitted_by, \
                 late) VALUES ($1, $2, 'submitted', $3, $4, $5, $6)",
            )
            .bind(review_id)
            .bind(agency_id)
            .bind(content)
            .bind(at)
            .bind(by)
            .bind(i64::from(late))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        for (task, status, pct) in progress {
            sqlx::query("UPDATE dx_tasks SET status = $1, progress = $2, updated_at = $3 WHERE id = $4")
                .bind(status)
                .bind(*pct)
                .bind(at)
                .bind(*task)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    /// Closes a review with the consolidated summary. 409 when already closed.
    pub async fn dx_close_review(
        &self,
        review_id: i64,
        summary: &str,
        meeting_on: Option<&str>,
        by: Option<i64>,
        at: i64,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE dx_reviews SET status = 'closed', summary = $1, meeting_on = $2, closed_at = $3, closed_by = $4 \
             WHERE id = $5 AND status = 'open'",
        )
        .bind(summary)
        .bind(meeting_on)
        .bind(at)
        .bind(by)
        .bind(review_id)
        .execute(self.pool())
        .await
        .map_err(db_err)?
        .rows_affected();
        if n == 0 {
            return Err(Error::conflict("Kỳ rà soát đã đóng.", "The review is already closed."));
        }
        Ok(())
    }

    /// Marks reports as reminded at `at`.
    pub async fn dx_mark_reminded(&self, review_id: i64, agencies: &[i64], at: i64) -> Result<()> {
        for a in agencies {
            sqlx::query("UPDATE dx_review_reports SET reminded_at = $1 WHERE review_id = $2 AND agency_id = $3")
                .bind(at)
                .bind(review_id)
                .bind(*a)
                .execute(self.pool())
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }

    // ---- DTI and other indices -------------------------------------------------------------

    pub async fn dti_frameworks(&self) -> Result<Vec<FrameworkRecord>> {
        let rows =
            sqlx::query("SELECT code, first_year, definition, updated_at FROM dti_frameworks ORDER BY first_year")
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(FrameworkRecord {
                    code: r.try_get("code").map_err(db_err)?,
                    first_year: r.try_get("first_year").map_err(db_err)?,
                    definition: r.try_get("definition").map_err(db_err)?,
                    updated_at: r.try_get("updated_at").map_err(db_err)?,
                })
            })
            .collect()
    }

    /// Creates or replaces a framework definition.
    pub async fn dti_save_framework(
        &self,
        code: &str,
        first_year: i64,
        definition: &str,
        by: Option<i64>,
    ) -> Result<()> {
        let t = now();
        let n = sqlx::query("UPDATE dti_frameworks SET first_year = $1, definition = $2, updated_by = $3, updated_at = $4 WHERE code = $5")
            .bind(first_year)
            .bind(definition)
            .bind(by)
            .bind(t)
            .bind(code)
            .execute(self.pool())
            .await
            .map_err(db_err)?
            .rows_affected();
        if n == 0 {
            sqlx::query("INSERT INTO dti_frameworks (code, first_year, definition, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(code)
                .bind(first_year)
                .bind(definition)
                .bind(by)
                .bind(t)
                .execute(self.pool())
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }

    pub async fn dti_assessments(&self, year: i64) -> Result<Vec<AssessmentRecord>> {
        let rows = sqlx::query(
            "SELECT s.year, s.indicator, s.framework, s.value, s.evidence, u.username AS assessed_by, s.assessed_at \
             FROM dti_assessments s LEFT JOIN users u ON u.id = s.assessed_by WHERE s.year = $1 ORDER BY s.indicator",
        )
        .bind(year)
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(AssessmentRecord {
                    year: r.try_get("year").map_err(db_err)?,
                    indicator: r.try_get("indicator").map_err(db_err)?,
                    framework: r.try_get("framework").map_err(db_err)?,
                    value: r.try_get("value").map_err(db_err)?,
                    evidence: r.try_get("evidence").map_err(db_err)?,
                    assessed_by: r.try_get("assessed_by").map_err(db_err)?,
                    assessed_at: r.try_get("assessed_at").map_err(db_err)?,
                })
            })
            .collect()
    }

    /// Saves self-assessed values (indicator, value, evidence) in one transaction.
    pub async fn dti_save_assessments(
        &self,
        year: i64,
        framework: &str,
        items: &[(String, f64, String)],
        by: Option<i64>,
    ) -> Result<()> {
        let t = now();
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        for (indicator, value, evidence) in items {
            sqlx::query("DELETE FROM dti_assessments WHERE year = $1 AND indicator = $2")
                .bind(year)
                .bind(indicator)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query(
                "INSERT INTO dti_assessments (year, indicator, framework, value, evidence, assessed_by, assessed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(year)
            .bind(indicator)
            .bind(framework)
            .bind(*value)
            .bind(evidence)
            .bind(by)
            .bind(t)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    /// The province's official results (of one index or all), by index and year.
    pub async fn dx_index_results(&self, index_code: Option<&str>) -> Result<Vec<IndexResult>> {
        let sel = "SELECT index_code, year, score, rank, of_count, sub_indices, source FROM dx_index_results";
        let rows = match index_code {
            Some(i) => {
                sqlx::query(&format!("{sel} WHERE index_code = $1 ORDER BY year")).bind(i).fetch_all(self.pool()).await
            }
            None => sqlx::query(&format!("{sel} ORDER BY index_code, year")).fetch_all(self.pool()).await,
        }
        .map_err(db_err)?;
        rows.iter().map(result_from).collect()
    }

    /// Creates or replaces the official result of an index for a year.
    pub async fn dx_save_index_result(&self, r: &IndexResult, by: Option<i64>) -> Result<()> {
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        sqlx::query("DELETE FROM dx_index_results WHERE index_code = $1 AND year = $2")
            .bind(&r.index_code)
            .bind(r.year)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO dx_index_results (index_code, year, score, rank, of_count, sub_indices, source, recorded_by, \
             recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&r.index_code)
        .bind(r.year)
        .bind(r.score)
        .bind(r.rank)
        .bind(r.of_count)
        .bind(&r.sub_indices)
        .bind(&r.source)
        .bind(by)
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    pub async fn dx_index_targets(&self) -> Result<Vec<IndexTarget>> {
        let rows = sqlx::query(
            "SELECT index_code, year, rank_target, score_target, note FROM dx_index_targets ORDER BY index_code, year",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(IndexTarget {
                    index_code: r.try_get("index_code").map_err(db_err)?,
                    year: r.try_get("year").map_err(db_err)?,
                    rank_target: r.try_get("rank_target").map_err(db_err)?,
                    score_target: r.try_get("score_target").map_err(db_err)?,
                    note: r.try_get("note").map_err(db_err)?,
                })
            })
            .collect()
    }

    pub async fn dx_save_index_target(&self, t: &IndexTarget) -> Result<()> {
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        sqlx::query("DELETE FROM dx_index_targets WHERE index_code = $1 AND year = $2")
            .bind(&t.index_code)
            .bind(t.year)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query("INSERT INTO dx_index_targets (index_code, year, rank_target, score_target, note) VALUES ($1, $2, $3, $4, $5)")
            .bind(&t.index_code)
            .bind(t.year)
            .bind(t.rank_target)
            .bind(t.score_target)
            .bind(&t.note)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    /// The national ranking table of a year, by rank.
    pub async fn dti_rankings(&self, year: i64) -> Result<Vec<RankingRow>> {
        let rows = sqlx::query(
            "SELECT year, province, rank, score, sub_indices, source FROM dti_rankings WHERE year = $1 ORDER BY rank, province",
        )
        .bind(year)
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(RankingRow {
                    year: r.try_get("year").map_err(db_err)?,
                    province: r.try_get("province").map_err(db_err)?,
                    rank: r.try_get("rank").map_err(db_err)?,
                    score: r.try_get("score").map_err(db_err)?,
                    sub_indices: r.try_get("sub_indices").map_err(db_err)?,
                    source: r.try_get("source").map_err(db_err)?,
                })
            })
            .collect()
    }

    /// Replaces the ranking table of each year present in `rows`, in one transaction.
    pub async fn dti_replace_rankings(&self, rows: &[RankingRow]) -> Result<()> {
        let t = now();
        let mut years: Vec<i64> = rows.iter().map(|r| r.year).collect();
        years.sort_unstable();
        years.dedup();
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        for y in years {
            sqlx::query("DELETE FROM dti_rankings WHERE year = $1").bind(y).execute(&mut *tx).await.map_err(db_err)?;
        }
        for r in rows {
            sqlx::query(
                "INSERT INTO dti_rankings (year, province, rank, score, sub_indices, source, imported_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(r.year)
            .bind(&r.province)
            .bind(r.rank)
            .bind(r.score)
            .bind(&r.sub_indices)
            .bind(&r.source)
            .bind(t)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    // ---- evidence files --------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    pub async fn dx_add_attachment(
        &self,
        year: i64,
        indicator: &str,
        file_name: &str,
        content_type: &str,
        sha256: &str,
        bytes: &[u8],
        by: Option<i64>,
    ) -> Result<i64> {
        sqlx::query(
            "INSERT INTO dx_attachments (year, indicator, file_name, content_type, sha256, size, bytes, uploaded_by, \
             uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(year)
        .bind(indicator)
        .bind(file_name)
        .bind(content_type)
        .bind(sha256)
        .bind(bytes.len() as i64)
        .bind(bytes.to_vec())
        .bind(by)
        .bind(now())
        .fetch_one(self.pool())
        .await
        .map_err(db_err)?
        .try_get("id")
        .map_err(db_err)
    }

    /// Evidence files of a year (every indicator).
    pub async fn dx_attachments(&self, year: i64) -> Result<Vec<AttachmentMeta>> {
        let rows = sqlx::query(
            "SELECT id, year, indicator, file_name, content_type, sha256, size, uploaded_at FROM dx_attachments \
             WHERE year = $1 ORDER BY indicator, id",
        )
        .bind(year)
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(AttachmentMeta {
                    id: r.try_get("id").map_err(db_err)?,
                    year: r.try_get("year").map_err(db_err)?,
                    indicator: r.try_get("indicator").map_err(db_err)?,
                    file_name: r.try_get("file_name").map_err(db_err)?,
                    content_type: r.try_get("content_type").map_err(db_err)?,
                    sha256: r.try_get("sha256").map_err(db_err)?,
                    size: r.try_get("size").map_err(db_err)?,
                    uploaded_at: r.try_get("uploaded_at").map_err(db_err)?,
                })
            })
            .collect()
    }

    /// An evidence file's name, type and bytes.
    pub async fn dx_attachment(&self, id: i64) -> Result<Option<(String, String, Vec<u8>)>> {
        let row = sqlx::query("SELECT file_name, content_type, bytes FROM dx_attachments WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        row.map(|r| {
            Ok((
                r.try_get("file_name").map_err(db_err)?,
                r.try_get("content_type").map_err(db_err)?,
                r.try_get("bytes").map_err(db_err)?,
            ))
        })
        .transpose()
    }
}
