//! IT project records: projects at a step of the appraisal workflow, every
//! transition and comment, documents, the yearly DX capital plan, allocations
//! and disbursements, and notices sent. The workflow and the rules (who may
//! move a project, checklists, deadlines) live in `tinhso-dx`; the budget
//! limits are checked here, inside the transaction that writes, so two
//! concurrent disbursements cannot together pass the allocation.

use sqlx::any::AnyRow;
use sqlx::Row;
use tinhso_domain::{Error, ErrorKind, Result};

use crate::{db_err, is_unique_violation, Store};

/// A project with its current step and money totals.
#[derive(Debug, Clone)]
pub struct ProjectRecord {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub owner_agency_id: i64,
    pub owner_code: String,
    pub owner_name: String,
    pub owner_path: String,
    pub group_code: String,
    /// `dau-tu` or `thue-dich-vu`.
    pub kind: String,
    pub year: i64,
    /// Đồng.
    pub requested: i64,
    pub funding_source: String,
    /// JSON array of plan task ids.
    pub tasks: String,
    /// JSON array of dataset slugs.
    pub datasets: String,
    pub step: String,
    pub step_name: String,
    pub step_entered_at: i64,
    /// ISO date; None for a finished project.
    pub step_due_on: Option<String>,
    /// `active`, `approved` or `rejected`.
    pub status: String,
    pub returns: i64,
    pub decision: String,
    pub approved_on: Option<String>,
    pub created_at: i64,
    /// Every allocation, all years.
    pub allocated: i64,
    /// Every disbursement, all years.
    pub disbursed: i64,
}

#[derive(Debug, Clone)]
pub struct ProjectInput {
    pub code: String,
    pub name: String,
    pub owner_agency_id: i64,
    pub group_code: String,
    pub kind: String,
    pub year: i64,
    pub requested: i64,
    pub funding_source: String,
    pub tasks: String,
    pub datasets: String,
}

/// Where a project goes: the new step (or a final status) and what is recorded.
#[derive(Debug, Clone)]
pub struct Move {
    /// `advance`, `return`, `approve`, `reject`.
    pub action: String,
    pub to_step: String,
    pub step_name: String,
    pub step_due_on: Option<String>,
    pub status: String,
    pub returned: bool,
    pub decision: Option<String>,
    pub approved_on: Option<String>,
    pub comment: String,
    /// JSON array of checklist items.
    pub missing: String,
}

/// Who acts, and when.
#[derive(Debug, Clone)]
pub struct Stamp {
    pub at: i64,
    pub user_id: Option<i64>,
    pub username: String,
}

#[derive(Debug, Clone)]
pub struct ProjectEvent {
    pub id: i64,
    pub at: i64,
    pub action: String,
    pub from_step: String,
    pub to_step: String,
    pub username: String,
    pub comment: String,
    pub missing: String,
}

#[derive(Debug, Clone)]
pub struct ProjectDocument {
    pub id: i64,
    pub project_id: i64,
    pub item: String,
    pub step: String,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    pub uploaded_at: i64,
}

#[derive(Debug, Clone)]
pub struct BudgetPlan {
    pub year: i64,
    pub amount: i64,
    pub decision: String,
}

/// An allocation or a disbursement.
#[derive(Debug, Clone)]
pub struct Money {
    pub id: i64,
    pub project_id: i64,
    pub year: i64,
    /// ISO date (disbursements) or empty.
    pub on: String,
    pub amount: i64,
    /// Decision or voucher number.
    pub reference: String,
    pub created_at: i64,
}

const PROJECT_SELECT: &str = "SELECT p.id, p.code, p.name, p.owner_agency_id, a.code AS owner_code, a.name_vi AS owner_name, \
     a.path AS owner_path, p.group_code, p.kind, p.year, p.requested, p.funding_source, p.tasks, p.datasets, p.step, \
     p.step_name, p.step_entered_at, p.step_due_on, p.status, p.returns, p.decision, p.approved_on, p.created_at, \
     CAST(COALESCE((SELECT SUM(x.amount) FROM dx_allocations x WHERE x.project_id = p.id), 0) AS BIGINT) AS allocated, \
     CAST(COALESCE((SELECT SUM(d.amount) FROM dx_disbursements d WHERE d.project_id = p.id), 0) AS BIGINT) AS disbursed \
     FROM dx_projects p JOIN agencies a ON a.id = p.owner_agency_id";

fn project_from(r: &AnyRow) -> Result<ProjectRecord> {
    Ok(ProjectRecord {
        id: r.try_get("id").map_err(db_err)?,
        code: r.try_get("code").map_err(db_err)?,
        name: r.try_get("name").map_err(db_err)?,
        owner_agency_id: r.try_get("owner_agency_id").map_err(db_err)?,
        owner_code: r.try_get("owner_code").map_err(db_err)?,
        owner_name: r.try_get("owner_name").map_err(db_err)?,
        owner_path: r.try_get("owner_path").map_err(db_err)?,
        group_code: r.try_get("group_code").map_err(db_err)?,
        kind: r.try_get("kind").map_err(db_err)?,
        year: r.try_get("year").map_err(db_err)?,
        requested: r.try_get("requested").map_err(db_err)?,
        funding_source: r.try_get("funding_source").map_err(db_err)?,
        tasks: r.try_get("tasks").map_err(db_err)?,
        datasets: r.try_get("datasets").map_err(db_err)?,
        step: r.try_get("step").map_err(db_err)?,
        step_name: r.try_get("step_name").map_err(db_err)?,
        step_entered_at: r.try_get("step_entered_at").map_err(db_err)?,
        step_due_on: r.try_get("step_due_on").map_err(db_err)?,
        status: r.try_get("status").map_err(db_err)?,
        returns: r.try_get("returns").map_err(db_err)?,
        decision: r.try_get("decision").map_err(db_err)?,
        approved_on: r.try_get("approved_on").map_err(db_err)?,
        created_at: r.try_get("created_at").map_err(db_err)?,
        allocated: r.try_get("allocated").map_err(db_err)?,
        disbursed: r.try_get("disbursed").map_err(db_err)?,
    })
}

fn money_from(r: &AnyRow) -> Result<Money> {
    Ok(Money {
        id: r.try_get("id").map_err(db_err)?,
        project_id: r.try_get("project_id").map_err(db_err)?,
        year: r.try_get("year").map_err(db_err)?,
        on: r.try_get("on_day").map_err(db_err)?,
        amount: r.try_get("amount").map_err(db_err)?,
        reference: r.try_get("reference").map_err(db_err)?,
        created_at: r.try_get("created_at").map_err(db_err)?,
    })
}

/// "1.234.567.890 đ" for messages.
pub fn vnd(v: i64) -> String {
    let digits = v.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{}{out} đ", if v < 0 { "-" } else { "" })
}

async fn sum(tx: &mut sqlx::Transaction<'_, sqlx::Any>, sql: &str, binds: &[i64]) -> Result<i64> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    let r = q.fetch_one(&mut **tx).await.map_err(db_err)?;
    r.try_get::<i64, _>(0).map_err(db_err)
}

impl Store {
    pub async fn dx_workflow(&self) -> Result<Option<String>> {
        let r = sqlx::query("SELECT definition FROM dx_workflow WHERE id = 1")
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        r.map(|r| r.try_get("definition").map_err(db_err)).transpose()
    }

    pub async fn dx_save_workflow(&self, definition: &str, by: Option<i64>, at: i64) -> Result<()> {
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        sqlx::query("DELETE FROM dx_workflow WHERE id = 1").execute(&mut *tx).await.map_err(db_err)?;
        sqlx::query("INSERT INTO dx_workflow (id, definition, updated_by, updated_at) VALUES (1, $1, $2, $3)")
            .bind(definition)
            .bind(by)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    /// Projects, optionally of one year and at one step, by code.
    pub async fn dx_projects(&self, year: Option<i64>, step: Option<&str>) -> Result<Vec<ProjectRecord>> {
        let rows = sqlx::query(&format!(
            "{PROJECT_SELECT} WHERE ($1 IS NULL OR p.year = $1) AND ($2 IS NULL OR p.step = $2) ORDER BY p.year DESC, p.code"
        ))
        .bind(year)
        .bind(step)
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter().map(project_from).collect()
    }

    pub async fn dx_project(&self, id: i64) -> Result<Option<ProjectRecord>> {
        let row = sqlx::query(&format!("{PROJECT_SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        row.as_ref().map(project_from).transpose()
    }

    /// Creates a project at its first step, with the event, in one transaction.
    pub async fn dx_create_project(
        &self,
        p: &ProjectInput,
        step: (&str, &str, Option<&str>),
        who: &Stamp,
    ) -> Result<ProjectRecord> {
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        let id: i64 = sqlx::query(
            "INSERT INTO dx_projects (code, name, owner_agency_id, group_code, kind, year, requested, funding_source, \
             tasks, datasets, step, step_name, step_entered_at, step_due_on, status, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'active', $15, $13, $13) RETURNING id",
        )
        .bind(&p.code)
        .bind(&p.name)
        .bind(p.owner_agency_id)
        .bind(&p.group_code)
        .bind(&p.kind)
        .bind(p.year)
        .bind(p.requested)
        .bind(&p.funding_source)
        .bind(&p.tasks)
        .bind(&p.datasets)
        .bind(step.0)
        .bind(step.1)
        .bind(who.at)
        .bind(step.2)
        .bind(who.user_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::conflict(format!("Đã có dự án mã «{}».", p.code), format!("Project «{}» already exists.", p.code))
                    .at("code")
            } else {
                db_err(e)
            }
        })?
        .try_get("id")
        .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO dx_project_events (project_id, at, action, to_step, by_user, username) VALUES ($1, $2, 'create', $3, $4, $5)",
        )
        .bind(id)
        .bind(who.at)
        .bind(step.0)
        .bind(who.user_id)
        .bind(&who.username)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        self.dx_project(id).await?.ok_or_else(|| Error::internal("project vanished after create"))
    }

    /// Moves a project from `from_step` and records the event, in one
    /// transaction. 409 when it is no longer at that step (someone moved it first).
    pub async fn dx_move_project(&self, id: i64, from_step: &str, m: &Move, who: &Stamp) -> Result<()> {
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        let n = sqlx::query(
            "UPDATE dx_projects SET step = $1, step_name = $2, step_entered_at = $3, step_due_on = $4, status = $5, \
             returns = returns + $6, decision = COALESCE($7, decision), approved_on = COALESCE($8, approved_on), \
             updated_at = $3 WHERE id = $9 AND step = $10 AND status = 'active'",
        )
        .bind(&m.to_step)
        .bind(&m.step_name)
        .bind(who.at)
        .bind(&m.step_due_on)
        .bind(&m.status)
        .bind(i64::from(m.returned))
        .bind(&m.decision)
        .bind(&m.approved_on)
        .bind(id)
        .bind(from_step)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
        if n == 0 {
            return Err(Error::conflict(
                "Hồ sơ dự án đã được chuyển bước bởi người khác; hãy tải lại.",
                "The project has been moved by someone else; reload it.",
            ));
        }
        sqlx::query(
            "INSERT INTO dx_project_events (project_id, at, action, from_step, to_step, by_user, username, comment, missing) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(who.at)
        .bind(&m.action)
        .bind(from_step)
        .bind(&m.to_step)
        .bind(who.user_id)
        .bind(&who.username)
        .bind(&m.comment)
        .bind(&m.missing)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    /// Adds a comment to a project's thread at its current step.
    pub async fn dx_comment_project(&self, id: i64, step: &str, comment: &str, who: &Stamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO dx_project_events (project_id, at, action, from_step, to_step, by_user, username, comment) \
             VALUES ($1, $2, 'comment', $3, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(who.at)
        .bind(step)
        .bind(who.user_id)
        .bind(&who.username)
        .bind(comment)
        .execute(self.pool())
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// A project's events (one project) or every project's (None), oldest first.
    pub async fn dx_project_events(&self, id: Option<i64>) -> Result<Vec<(i64, ProjectEvent)>> {
        let rows = sqlx::query(
            "SELECT project_id, id, at, action, from_step, to_step, username, comment, missing FROM dx_project_events \
             WHERE ($1 IS NULL OR project_id = $1) ORDER BY project_id, id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("project_id").map_err(db_err)?,
                    ProjectEvent {
                        id: r.try_get("id").map_err(db_err)?,
                        at: r.try_get("at").map_err(db_err)?,
                        action: r.try_get("action").map_err(db_err)?,
                        from_step: r.try_get("from_step").map_err(db_err)?,
                        to_step: r.try_get("to_step").map_err(db_err)?,
                        username: r.try_get("username").map_err(db_err)?,
                        comment: r.try_get("comment").map_err(db_err)?,
                        missing: r.try_get("missing").map_err(db_err)?,
                    },
                ))
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn dx_add_project_document(
        &self,
        project_id: i64,
        item: &str,
        step: &str,
        file_name: &str,
        content_type: &str,
        sha256: &str,
        bytes: &[u8],
        who: &Stamp,
    ) -> Result<i64> {
        sqlx::query(
            "INSERT INTO dx_project_documents (project_id, item, step, file_name, content_type, sha256, size, bytes, \
             uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(project_id)
        .bind(item)
        .bind(step)
        .bind(file_name)
        .bind(content_type)
        .bind(sha256)
        .bind(bytes.len() as i64)
        .bind(bytes.to_vec())
        .bind(who.user_id)
        .bind(who.at)
        .fetch_one(self.pool())
        .await
        .map_err(db_err)?
        .try_get("id")
        .map_err(db_err)
    }

    pub async fn dx_project_documents(&self, project_id: i64) -> Result<Vec<ProjectDocument>> {
        let rows = sqlx::query(
            "SELECT id, project_id, item, step, file_name, content_type, sha256, size, uploaded_at FROM dx_project_documents \
             WHERE project_id = $1 ORDER BY id",
        )
        .bind(project_id)
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(ProjectDocument {
                    id: r.try_get("id").map_err(db_err)?,
                    project_id: r.try_get("project_id").map_err(db_err)?,
                    item: r.try_get("item").map_err(db_err)?,
                    step: r.try_get("step").map_err(db_err)?,
                    file_name: r.try_get("file_name").map_err(db_err)?,
                    content_type: r.try_get("content_type").map_err(db_err)?,
                    sha256: r.try_get("sha256").map_err(db_err)?,
                    size: r.try_get("size").map_err(db_err)?,
                    uploaded_at: r.try_get("uploaded_at").map_err(db_err)?,
                })
            })
            .collect()
    }

    /// A document's project, name, type and bytes.
    pub async fn dx_project_document(&self, id: i64) -> Result<Option<(i64, String, String, Vec<u8>)>> {
        let row =
            sqlx::query("SELECT project_id, file_name, content_type, bytes FROM dx_project_documents WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await
                .map_err(db_err)?;
        row.map(|r| {
            Ok((
                r.try_get("project_id").map_err(db_err)?,
                r.try_get("file_name").map_err(db_err)?,
                r.try_get("content_type").map_err(db_err)?,
                r.try_get("bytes").map_err(db_err)?,
            ))
        })
        .transpose()
    }

    pub async fn dx_budget_plans(&self) -> Result<Vec<BudgetPlan>> {
        let rows = sqlx::query("SELECT year, amount, decision FROM dx_budget_plans ORDER BY year")
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(BudgetPlan {
                    year: r.try_get("year").map_err(db_err)?,
                    amount: r.try_get("amount").map_err(db_err)?,
                    decision: r.try_get("decision").map_err(db_err)?,
                })
            })
            .collect()
    }

    /// Sets a year's capital plan; refused when it would fall below what is already allocated.
    pub async fn dx_save_budget_plan(&self, year: i64, amount: i64, decision: &str, at: i64) -> Result<()> {
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        let allocated = sum(
            &mut tx,
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM dx_allocations WHERE year = $1",
            &[year],
        )
        .await?;
        if amount < allocated {
            return Err(Error::invalid(
                "amount",
                format!(
                    "Kế hoạch vốn năm {year} ({}) thấp hơn số đã phân bổ cho dự án ({}).",
                    vnd(amount),
                    vnd(allocated)
                ),
                format!(
                    "The {year} capital plan ({}) is below what is already allocated to projects ({}).",
                    vnd(amount),
                    vnd(allocated)
                ),
            ));
        }
        sqlx::query("DELETE FROM dx_budget_plans WHERE year = $1")
            .bind(year)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::query("INSERT INTO dx_budget_plans (year, amount, decision, updated_at) VALUES ($1, $2, $3, $4)")
            .bind(year)
            .bind(amount)
            .bind(decision)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    /// Allocates capital of `year` to a project; the year's allocations may not
    /// exceed its capital plan (checked in the transaction).
    pub async fn dx_allocate(
        &self,
        project_id: i64,
        year: i64,
        amount: i64,
        decision: &str,
        who: &Stamp,
    ) -> Result<i64> {
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        // Serialises allocations of a year on PostgreSQL (the row lock) as SQLite does.
        sqlx::query("UPDATE dx_budget_plans SET updated_at = updated_at WHERE year = $1")
            .bind(year)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let plan = sqlx::query("SELECT amount FROM dx_budget_plans WHERE year = $1")
            .bind(year)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .map(|r| r.try_get::<i64, _>("amount"))
            .transpose()
            .map_err(db_err)?
            .ok_or_else(|| {
                Error::invalid(
                    "year",
                    format!("Chưa có kế hoạch vốn chuyển đổi số năm {year}: hãy nhập kế hoạch vốn trước khi phân bổ."),
                    format!("There is no DX capital plan for {year}: enter the plan before allocating."),
                )
            })?;
        let allocated = sum(
            &mut tx,
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM dx_allocations WHERE year = $1",
            &[year],
        )
        .await?;
        if allocated + amount > plan {
            return Err(Error::invalid(
                "amount",
                format!(
                    "Phân bổ {} vượt kế hoạch vốn năm {year}: đã phân bổ {} trên {}, còn {}.",
                    vnd(amount),
                    vnd(allocated),
                    vnd(plan),
                    vnd(plan - allocated)
                ),
                format!(
                    "Allocating {} exceeds the {year} capital plan: {} of {} already allocated, {} left.",
                    vnd(amount),
                    vnd(allocated),
                    vnd(plan),
                    vnd(plan - allocated)
                ),
            ));
        }
        let id = sqlx::query(
            "INSERT INTO dx_allocations (project_id, year, amount, decision, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(project_id)
        .bind(year)
        .bind(amount)
        .bind(decision)
        .bind(who.user_id)
        .bind(who.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?
        .try_get("id")
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    /// Records a disbursement; a year's disbursements of a project may not
    /// exceed what was allocated to it that year (checked in the transaction).
    pub async fn dx_disburse(
        &self,
        project_id: i64,
        paid_on: &str,
        year: i64,
        amount: i64,
        voucher: &str,
        who: &Stamp,
    ) -> Result<i64> {
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        sqlx::query("UPDATE dx_projects SET updated_at = updated_at WHERE id = $1")
            .bind(project_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let allocated = sum(
            &mut tx,
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM dx_allocations WHERE project_id = $1 AND year = $2",
            &[project_id, year],
        )
        .await?;
        let disbursed = sum(
            &mut tx,
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM dx_disbursements WHERE project_id = $1 AND year = $2",
            &[project_id, year],
        )
        .await?;
        if disbursed + amount > allocated {
            return Err(Error::invalid(
                "amount",
                format!(
                    "Giải ngân {} vượt vốn được phân bổ năm {year}: đã phân bổ {}, đã giải ngân {}, còn {}.",
                    vnd(amount),
                    vnd(allocated),
                    vnd(disbursed),
                    vnd(allocated - disbursed)
                ),
                format!(
                    "Disbursing {} exceeds the {year} allocation: {} allocated, {} disbursed, {} left.",
                    vnd(amount),
                    vnd(allocated),
                    vnd(disbursed),
                    vnd(allocated - disbursed)
                ),
            ));
        }
        let id = sqlx::query(
            "INSERT INTO dx_disbursements (project_id, year, paid_on, amount, voucher, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(project_id)
        .bind(year)
        .bind(paid_on)
        .bind(amount)
        .bind(voucher)
        .bind(who.user_id)
        .bind(who.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::new(ErrorKind::Conflict, "Trùng.", "Duplicate.")
            } else {
                db_err(e)
            }
        })?
        .try_get("id")
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    /// Allocations (of a year, or all).
    pub async fn dx_allocations(&self, year: Option<i64>) -> Result<Vec<Money>> {
        let rows = sqlx::query(
            "SELECT id, project_id, year, '' AS on_day, amount, decision AS reference, created_at FROM dx_allocations \
             WHERE ($1 IS NULL OR year = $1) ORDER BY year, project_id, id",
        )
        .bind(year)
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter().map(money_from).collect()
    }

    /// Disbursements (of a year, or all).
    pub async fn dx_disbursements(&self, year: Option<i64>) -> Result<Vec<Money>> {
        let rows = sqlx::query(
            "SELECT id, project_id, year, paid_on AS on_day, amount, voucher AS reference, created_at FROM dx_disbursements \
             WHERE ($1 IS NULL OR year = $1) ORDER BY year, paid_on, id",
        )
        .bind(year)
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter().map(money_from).collect()
    }

    /// Records that a notice was sent; false when it already was (once per key).
    pub async fn dx_notice_once(&self, project_id: i64, reason: &str, key: &str, at: i64) -> Result<bool> {
        match sqlx::query("INSERT INTO dx_project_notices (project_id, reason, notice_key, at) VALUES ($1, $2, $3, $4)")
            .bind(project_id)
            .bind(reason)
            .bind(key)
            .bind(at)
            .execute(self.pool())
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(db_err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_read_the_vietnamese_way() {
        assert_eq!(super::vnd(3_500_000_000), "3.500.000.000 đ");
        assert_eq!(super::vnd(-1200), "-1.200 đ");
        assert_eq!(super::vnd(0), "0 đ");
    }
}
