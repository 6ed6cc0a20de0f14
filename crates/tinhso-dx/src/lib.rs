//! The DX programme tracker: plans and tasks in the 10 groups, KPIs whose
//! actual values are entered or computed by SQL over the warehouse (as the
//! caller, audited), the monthly review cycle, the "where do I start?" list
//! of each agency, DTI frameworks, self-assessments and official results
//! with PAPI, PCI and SIPAS, community digital teams (statistics over the
//! warehouse dataset they are uploaded to), and the monthly report (DOCX in
//! the Decree 30/2020 layout, XLSX).
//!
//! Who may do what is decided here, whatever the caller: the DX office and
//! system administrators manage plans, KPIs, reviews and indices; an
//! agency's staff submit its own monthly report; every staff role reads.

pub mod demo;
pub mod docx;
pub mod dti;
pub mod groups;
pub mod kpi;
pub mod plan;
pub mod portfolio;
pub mod projects;
pub mod report;
pub mod review;
pub mod tables;

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use tinhso_domain::{AdminUnits, Error, Role};
use tinhso_store::{
    IndexResult, IndexTarget, KpiInput, KpiRecord, KpiValue, PlanRecord, RankingRow, ReviewRecord, ReviewReport, Store,
    TaskRecord,
};
use tinhso_warehouse::{Actor, Audit, Warehouse};

pub use kpi::{Month, Status};
pub use review::Schedule;

/// The dataset community digital teams are uploaded to (its slug).
pub const TEAMS_DATASET: &str = "to-cong-nghe-so";

/// Indices tracked besides DTI: (code, Vietnamese, English).
pub const INDICES: [(&str, &str, &str); 4] = [
    ("DTI", "Chỉ số chuyển đổi số (DTI)", "Digital Transformation Index (DTI)"),
    (
        "PAPI",
        "Chỉ số hiệu quả quản trị và hành chính công (PAPI)",
        "Provincial Governance and Public Administration Performance Index (PAPI)",
    ),
    ("PCI", "Chỉ số năng lực cạnh tranh cấp tỉnh (PCI)", "Provincial Competitiveness Index (PCI)"),
    (
        "SIPAS",
        "Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)",
        "Satisfaction Index of Public Administrative Services (SIPAS)",
    ),
];

/// Who manages the programme.
pub fn may_manage(role: Role) -> bool {
    matches!(role, Role::SystemAdmin | Role::DxOffice)
}

fn must_manage(actor: &Actor) -> Result<(), Error> {
    if may_manage(actor.role) {
        Ok(())
    } else {
        Err(Error::new(
            tinhso_domain::ErrorKind::Forbidden,
            "Chỉ Văn phòng chuyển đổi số và quản trị hệ thống được thay đổi kế hoạch, chỉ tiêu, kỳ rà soát và chỉ số.",
            "Only the DX office and system administrators may change plans, KPIs, reviews and indices.",
        ))
    }
}

fn must_read(actor: &Actor) -> Result<(), Error> {
    if actor.role.is_staff() {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

/// A day written `YYYY-MM-DD` or the Vietnamese way (`dd/mm/yyyy`); errors name `field`.
pub fn parse_day(field: &str, s: &str) -> Result<NaiveDate, Error> {
    let t = s.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| tinhso_domain::values::parse_date(t).map_err(|e| e.into_error(field)))
}

/// The value of `r`, or `None` with its error added to `errors` (checks that report every error).
pub(crate) fn keep<T>(errors: &mut Vec<Error>, r: Result<T, Error>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// Several errors as one (the first one's field; every message joined).
pub fn join_errors(errors: Vec<Error>) -> Error {
    if errors.len() == 1 {
        return errors.into_iter().next().expect("one");
    }
    let field = errors.first().and_then(|e| e.field.clone());
    let vi = errors
        .iter()
        .map(|e| format!("{}: {}", e.field.as_deref().unwrap_or("-"), e.vi))
        .collect::<Vec<_>>()
        .join("\n");
    let en = errors
        .iter()
        .map(|e| format!("{}: {}", e.field.as_deref().unwrap_or("-"), e.en))
        .collect::<Vec<_>>()
        .join("\n");
    let mut e = Error::new(
        tinhso_domain::ErrorKind::Invalid,
        format!("{} lỗi:\n{vi}", errors.len()),
        format!("{} errors:\n{en}", errors.len()),
    );
    e.field = field;
    e
}

/// A KPI with its values and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct KpiView {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub group: String,
    pub unit: String,
    pub baseline: f64,
    pub baseline_on: String,
    pub target: f64,
    pub target_on: String,
    pub higher_is_better: bool,
    pub method: String,
    pub sql: String,
    pub plan: Option<String>,
    pub agency: Option<String>,
    /// The latest value up to the "as of" month.
    pub actual: Option<f64>,
    pub actual_month: Option<String>,
    pub status: Status,
    pub history: Vec<HistoryPoint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryPoint {
    pub month: String,
    pub value: f64,
    pub source: String,
}

fn goal(k: &KpiRecord) -> Option<kpi::Goal> {
    Some(kpi::Goal {
        baseline: k.baseline,
        baseline_on: NaiveDate::parse_from_str(&k.baseline_on, "%Y-%m-%d").ok()?,
        target: k.target,
        target_on: NaiveDate::parse_from_str(&k.target_on, "%Y-%m-%d").ok()?,
        higher_is_better: k.higher_is_better,
    })
}

/// The KPI as seen on `as_of` (values up to its month).
pub fn kpi_view(k: &KpiRecord, values: &[KpiValue], plans: &[PlanRecord], as_of: NaiveDate) -> KpiView {
    let upto = Month::of(as_of).to_string();
    let history: Vec<HistoryPoint> = values
        .iter()
        .filter(|v| v.kpi_id == k.id && v.month <= upto)
        .map(|v| HistoryPoint { month: v.month.clone(), value: v.value, source: v.source.clone() })
        .collect();
    let last = history.last();
    let status = goal(k).map_or(Status::NoData, |g| kpi::status(&g, last.map(|l| l.value), as_of));
    KpiView {
        code: k.code.clone(),
        name: k.name.clone(),
        name_en: k.name_en.clone(),
        group: k.group_code.clone(),
        unit: k.unit.clone(),
        baseline: k.baseline,
        baseline_on: k.baseline_on.clone(),
        target: k.target,
        target_on: k.target_on.clone(),
        higher_is_better: k.higher_is_better,
        method: k.method.clone(),
        sql: k.sql_text.clone(),
        plan: k.plan_id.and_then(|p| plans.iter().find(|x| x.id == p)).map(|p| p.code.clone()),
        agency: k.agency_code.clone(),
        actual: last.map(|l| l.value),
        actual_month: last.map(|l| l.month.clone()),
        status,
        history,
    }
}

/// A review with its reports and each report's state.
#[derive(Debug, Clone)]
pub struct ReviewView {
    pub review: ReviewRecord,
    pub reports: Vec<(ReviewReport, &'static str)>,
}

/// What an agency is asked to do now.
#[derive(Debug, Clone, Serialize)]
pub struct StartItems {
    pub agency: String,
    pub agency_name: String,
    /// Tasks not done, due within 60 days or overdue (lead or cooperating).
    pub tasks: Vec<StartTask>,
    /// Datasets the agency owns that are stale, of low quality or empty.
    pub datasets: Vec<StartDataset>,
    /// Monthly reports still to submit.
    pub reports: Vec<StartReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StartTask {
    pub id: i64,
    pub plan: String,
    pub code: String,
    pub title: String,
    pub group: String,
    pub due_on: String,
    pub status: String,
    pub progress: i64,
    pub lead: bool,
    pub late: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StartDataset {
    pub slug: String,
    pub name: String,
    /// `empty`, `stale`, `low_quality`.
    pub problem: String,
    pub score: Option<i64>,
    pub live: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StartReport {
    pub month: String,
    pub due_on: String,
    pub overdue: bool,
}

/// Community digital teams: totals by level and by commune.
#[derive(Debug, Clone, Serialize, Default)]
pub struct TeamStats {
    pub dataset: String,
    pub version: Option<i64>,
    pub teams: i64,
    pub members: i64,
    pub households_guided: i64,
    pub trainings: i64,
    pub by_level: Vec<LevelStats>,
    pub by_commune: Vec<CommuneStats>,
    /// Communes of the province with no team at all.
    pub communes_without_team: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LevelStats {
    /// `Thôn`, `Xã`, `Huyện`.
    pub level: String,
    pub teams: i64,
    pub members: i64,
    pub households_guided: i64,
    pub trainings: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommuneStats {
    pub commune: String,
    pub name: String,
    pub teams: i64,
    pub village_teams: i64,
    pub commune_team: bool,
    pub members: i64,
    pub households_guided: i64,
    pub trainings: i64,
}

/// The tracker.
#[derive(Clone)]
pub struct Tracker {
    store: Store,
    warehouse: Warehouse,
    schedule: Schedule,
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).unwrap_or(0),
        Value::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

impl Tracker {
    /// The tracker; registers the IT project tables on the warehouse (`tables.rs`).
    pub fn new(store: Store, warehouse: Warehouse, schedule: Schedule) -> Tracker {
        let t = Tracker { store, warehouse, schedule };
        tables::register(&t.warehouse);
        t
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
    pub fn schedule(&self) -> Schedule {
        self.schedule
    }

    async fn audit(&self, actor: &Actor, action: &'static str, detail: String) -> Result<(), Error> {
        let a = Audit {
            action,
            dataset: String::new(),
            version: None,
            columns: Vec::new(),
            row_count: None,
            purpose: String::new(),
            grant_id: None,
            detail,
        };
        self.warehouse.audit(actor, a, "ok", None).await
    }

    /// Installs the built-in DTI frameworks that are missing (an edited one is kept).
    pub async fn install_builtins(&self) -> Result<(), Error> {
        let have: Vec<String> = self.store.dti_frameworks().await?.into_iter().map(|f| f.code).collect();
        for (code, yaml) in dti::BUILTIN {
            if !have.iter().any(|h| h == code) {
                let f = dti::Framework::parse(yaml)?;
                let json = serde_json::to_string(&f).map_err(Error::internal)?;
                self.store.dti_save_framework(code, f.first_year, &json, None).await?;
            }
        }
        Ok(())
    }

    async fn refs(&self) -> Result<plan::Refs, Error> {
        let mut r = plan::Refs::default();
        for a in self.store.agencies(&tinhso_domain::Scope::Province).await? {
            r.add_agency(a.id, &a.code, &a.name_vi);
        }
        for d in self.store.datasets().await? {
            r.datasets.insert(d.slug);
        }
        Ok(r)
    }

    // ---- plans -------------------------------------------------------------------------

    pub async fn plans(&self, actor: &Actor) -> Result<Vec<(PlanRecord, Vec<TaskRecord>)>, Error> {
        must_read(actor)?;
        let tasks = self.store.dx_tasks(None).await?;
        Ok(self
            .store
            .dx_plans()
            .await?
            .into_iter()
            .map(|p| {
                let mut t: Vec<TaskRecord> = tasks.iter().filter(|t| t.plan_id == p.id).cloned().collect();
                t.sort_by(|a, b| {
                    groups::order(&a.group_code).cmp(&groups::order(&b.group_code)).then(a.code.cmp(&b.code))
                });
                (p, t)
            })
            .collect())
    }

    async fn save_checked(&self, actor: &Actor, c: plan::CheckedPlan, how: &str) -> Result<PlanRecord, Error> {
        let p = self.store.dx_save_plan(actor.user_id, &c.plan, &c.tasks).await?;
        self.audit(actor, "plan.save", format!("{} ({how}, {} tasks)", p.code, c.tasks.len())).await?;
        Ok(p)
    }

    /// Creates or updates a plan from JSON.
    pub async fn save_plan(&self, actor: &Actor, doc: &plan::PlanDoc) -> Result<PlanRecord, Vec<Error>> {
        must_manage(actor).map_err(|e| vec![e])?;
        let refs = self.refs().await.map_err(|e| vec![e])?;
        let checked = plan::check_doc(doc, &refs)?;
        self.save_checked(actor, checked, "json").await.map_err(|e| vec![e])
    }

    /// Creates or updates a plan from the XLSX template.
    pub async fn import_plan(&self, actor: &Actor, file_name: &str, bytes: &[u8]) -> Result<PlanRecord, Vec<Error>> {
        must_manage(actor).map_err(|e| vec![e])?;
        let refs = self.refs().await.map_err(|e| vec![e])?;
        let checked = plan::read_xlsx(file_name, bytes, &refs)?;
        self.save_checked(actor, checked, file_name).await.map_err(|e| vec![e])
    }

    /// The plan as the XLSX template (an empty template for `None`).
    pub async fn export_plan(&self, actor: &Actor, id: Option<i64>) -> Result<(String, Vec<u8>), Error> {
        must_read(actor)?;
        match id {
            None => Ok(("mau-ke-hoach-cds.xlsx".into(), plan::write_xlsx(None, &|_| String::new())?)),
            Some(id) => {
                let p = self.store.dx_plan(id).await?.ok_or_else(no_plan)?;
                let tasks = self.store.dx_tasks(Some(id)).await?;
                let name = format!("ke-hoach-{}.xlsx", p.code.replace(['/', ' '], "-"));
                Ok((name, plan::write_xlsx(Some((&p, &tasks)), &|_| String::new())?))
            }
        }
    }

    // ---- KPIs --------------------------------------------------------------------------

    pub async fn kpis(&self, actor: &Actor, as_of: NaiveDate) -> Result<Vec<KpiView>, Error> {
        must_read(actor)?;
        let values = self.store.dx_kpi_values(None).await?;
        let plans = self.store.dx_plans().await?;
        Ok(self.store.dx_kpis().await?.iter().map(|k| kpi_view(k, &values, &plans, as_of)).collect())
    }

    /// Creates or updates a KPI. A SQL KPI is run once for `month` first: one
    /// that fails or returns no value is refused and nothing is saved.
    pub async fn save_kpi(&self, actor: &Actor, doc: &kpi::KpiDoc, month: Month) -> Result<KpiRecord, Vec<Error>> {
        must_manage(actor).map_err(|e| vec![e])?;
        let c = kpi::check(doc)?;
        let mut errors = Vec::new();
        let plan_id = match doc.plan.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(code) => match self.store.dx_plan_by_code(code).await.map_err(|e| vec![e])? {
                Some(p) => Some(p.id),
                None => {
                    errors.push(Error::invalid(
                        "plan",
                        format!("Không có kế hoạch «{code}»."),
                        format!("There is no plan «{code}»."),
                    ));
                    None
                }
            },
        };
        let agency_id = match doc.agency.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(code) => match self.store.agency_by_code(code).await.map_err(|e| vec![e])? {
                Some(a) => Some(a.id),
                None => {
                    errors.push(Error::invalid(
                        "agency",
                        format!("Không có cơ quan «{code}»."),
                        format!("There is no agency «{code}»."),
                    ));
                    None
                }
            },
        };
        let mut first = None;
        if c.method == "sql" && errors.is_empty() {
            match self.evaluate(actor, &c.code, &c.sql, month).await {
                Ok(v) => first = Some(v),
                Err(e) => errors.push(e.at("sql")),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let input = KpiInput {
            code: c.code,
            plan_id,
            group_code: c.group.to_string(),
            name: c.name,
            name_en: c.name_en,
            unit: c.unit,
            baseline: c.baseline,
            baseline_on: c.baseline_on.to_string(),
            target: c.target,
            target_on: c.target_on.to_string(),
            higher_is_better: c.higher_is_better,
            method: c.method.to_string(),
            sql_text: c.sql,
            agency_id,
        };
        let k = self.store.dx_save_kpi(&input).await.map_err(|e| vec![e])?;
        if let Some(v) = first {
            self.store
                .dx_record_kpi_values(k.id, &[(month.to_string(), v)], "sql", "", actor.user_id)
                .await
                .map_err(|e| vec![e])?;
        }
        self.audit(actor, "kpi.save", k.code.clone()).await.map_err(|e| vec![e])?;
        Ok(k)
    }

    async fn evaluate(&self, actor: &Actor, code: &str, sql: &str, m: Month) -> Result<f64, Error> {
        let text = kpi::expand(sql, m)?;
        let r = self.warehouse.sql_as(actor, &text, "kpi.read", &format!("KPI {code}, {m}")).await.map_err(|e| {
            if e.kind == tinhso_domain::ErrorKind::Internal {
                return e;
            }
            Error {
                vi: format!("SQL của chỉ tiêu {code} lỗi khi tính tháng {m}: {}", e.vi),
                en: format!("The SQL of KPI {code} failed for {m}: {}", e.en),
                ..e
            }
        })?;
        kpi::value_of(&r, code, m)
    }

    /// Computes a SQL KPI for each month of `months` and records the values
    /// (all or none).
    pub async fn compute_kpi(&self, actor: &Actor, code: &str, months: &[Month]) -> Result<Vec<(String, f64)>, Error> {
        must_manage(actor)?;
        let k = self.store.dx_kpi(code).await?.ok_or_else(|| no_kpi(code))?;
        if k.method != "sql" {
            return Err(Error::invalid(
                "code",
                format!("Chỉ tiêu {code} được nhập tay, không tính bằng SQL."),
                format!("KPI {code} is entered by hand, not computed by SQL."),
            ));
        }
        let mut values = Vec::new();
        for m in months {
            values.push((m.to_string(), self.evaluate(actor, code, &k.sql_text, *m).await?));
        }
        self.store.dx_record_kpi_values(k.id, &values, "sql", "", actor.user_id).await?;
        self.audit(actor, "kpi.compute", format!("{code}: {} months", values.len())).await?;
        Ok(values)
    }

    /// Computes every SQL KPI for `month` (the background job); returns the failures.
    pub async fn compute_all(&self, actor: &Actor, month: Month) -> Result<Vec<(String, Error)>, Error> {
        let mut failed = Vec::new();
        for k in self.store.dx_kpis().await?.into_iter().filter(|k| k.method == "sql") {
            if let Err(e) = self.compute_kpi(actor, &k.code, &[month]).await {
                failed.push((k.code, e));
            }
        }
        Ok(failed)
    }

    /// Records hand-entered values (month, value) of a KPI.
    pub async fn record_kpi(
        &self,
        actor: &Actor,
        code: &str,
        values: &[(Month, f64)],
        note: &str,
    ) -> Result<(), Error> {
        must_manage(actor)?;
        let k = self.store.dx_kpi(code).await?.ok_or_else(|| no_kpi(code))?;
        for (m, v) in values {
            if !v.is_finite() || (k.unit == "%" && !(0.0..=100.0).contains(v)) {
                return Err(Error::invalid(
                    &format!("values[{m}]"),
                    format!("Giá trị {v} của tháng {m} không hợp lệ (tỷ lệ từ 0 đến 100%)."),
                    format!("Value {v} for {m} is not valid (a percentage is 0 to 100%)."),
                ));
            }
        }
        let vals: Vec<(String, f64)> = values.iter().map(|(m, v)| (m.to_string(), *v)).collect();
        self.store.dx_record_kpi_values(k.id, &vals, "manual", note, actor.user_id).await?;
        self.audit(actor, "kpi.record", format!("{code}: {} values", vals.len())).await
    }

    // ---- reviews -----------------------------------------------------------------------

    pub async fn reviews(&self, actor: &Actor) -> Result<Vec<ReviewRecord>, Error> {
        must_read(actor)?;
        self.store.dx_reviews().await
    }

    /// A review with its reports; an agency's staff see only their own report.
    pub async fn review(&self, actor: &Actor, month: Month, today: NaiveDate) -> Result<ReviewView, Error> {
        must_read(actor)?;
        let review = self.store.dx_review(&month.to_string()).await?.ok_or_else(|| no_review(month))?;
        let due = NaiveDate::parse_from_str(&review.due_on, "%Y-%m-%d").map_err(Error::internal)?;
        let mut reports = self.store.dx_review_reports(review.id).await?;
        if !actor.role.province_wide() {
            let mine = self.agencies_in_scope(actor).await?;
            reports.retain(|r| mine.contains(&r.agency_id));
        }
        let reports = reports.into_iter().map(|r| {
            let s = review::report_state(&r, due, today);
            (r, s)
        });
        Ok(ReviewView { review, reports: reports.collect() })
    }

    async fn agencies_in_scope(&self, actor: &Actor) -> Result<Vec<i64>, Error> {
        Ok(self.store.agencies(&actor.scope).await?.into_iter().map(|a| a.id).collect())
    }

    /// Opens the review of `month`: a pending report for every agency with
    /// unfinished tasks, due on the configured day; they are notified.
    pub async fn open_review(&self, actor: &Actor, month: Month, now: i64) -> Result<ReviewRecord, Error> {
        must_manage(actor)?;
        let tasks = self.store.dx_tasks(None).await?;
        let plans = self.store.dx_plans().await?;
        let agencies = self.store.agencies(&tinhso_domain::Scope::Province).await?;
        let ids = review::reporting_agencies(
            &tasks,
            &|p| plans.iter().find(|x| x.id == p).map(|x| (x.year_from, x.year_to)),
            month,
            &|c| agencies.iter().find(|a| a.code == c).map(|a| a.id),
        );
        let due = self.schedule.due_on(month);
        let r = self.store.dx_open_review(&month.to_string(), &due.to_string(), &ids, now).await?;
        self.audit(actor, "review.open", format!("{month}: {} agencies", ids.len())).await?;
        let users = self.agency_users(&ids).await?;
        self.store
            .notify(
                &users,
                (
                    &format!("Báo cáo chuyển đổi số tháng {}/{}", month.month, month.year),
                    &format!("DX report for {month}"),
                ),
                (
                    &format!("Hạn nộp báo cáo: {}.", due.format("%d/%m/%Y")),
                    &format!("The report is due on {}.", due.format("%d/%m/%Y")),
                ),
                &format!("/dx/reviews/{month}"),
            )
            .await?;
        Ok(r)
    }

    async fn agency_users(&self, agencies: &[i64]) -> Result<Vec<i64>, Error> {
        let mut out = Vec::new();
        for u in self.store.users(&tinhso_domain::Scope::Province).await? {
            if u.active
                && u.agency_id.is_some_and(|a| agencies.contains(&a))
                && matches!(u.role, Role::AgencyAdmin | Role::DataOfficer)
            {
                out.push(u.id);
            }
        }
        Ok(out)
    }

    /// Submits (or replaces) an agency's report. Late after the due day;
    /// refused once the review is closed; nothing half-saved.
    pub async fn submit_report(
        &self,
        actor: &Actor,
        month: Month,
        agency_code: &str,
        doc: &review::ReportDoc,
        now: i64,
    ) -> Result<bool, Vec<Error>> {
        let one = |e: Error| vec![e];
        must_read(actor).map_err(one)?;
        if actor.role == Role::Leader {
            return Err(vec![Error::forbidden()]);
        }
        let agency = self.store.agency_by_code(agency_code).await.map_err(one)?.ok_or_else(|| {
            vec![Error::invalid(
                "agency",
                format!("Không có cơ quan «{agency_code}»."),
                format!("There is no agency «{agency_code}»."),
            )]
        })?;
        if !actor.scope.contains(&agency.path) {
            return Err(vec![Error::forbidden()]);
        }
        let review =
            self.store.dx_review(&month.to_string()).await.map_err(one)?.ok_or_else(|| vec![no_review(month)])?;
        if review.status != "open" {
            return Err(vec![Error::conflict(
                format!("Kỳ rà soát tháng {month} đã đóng: không nhận thêm báo cáo."),
                format!("The review of {month} is closed: no more reports are accepted."),
            )]);
        }
        let tasks = self.store.dx_tasks(None).await.map_err(one)?;
        let (doc, updates) = review::check_report(doc, &agency.code, agency.id, &tasks)?;
        let due = NaiveDate::parse_from_str(&review.due_on, "%Y-%m-%d").map_err(|e| vec![Error::internal(e)])?;
        let late = review::is_late(due, now);
        let content = serde_json::to_string(&doc).map_err(|e| vec![Error::internal(e)])?;
        self.store
            .dx_submit_report(review.id, agency.id, &content, actor.user_id, now, late, &updates)
            .await
            .map_err(one)?;
        self.audit(actor, "review.report", format!("{month} {}{}", agency.code, if late { " (late)" } else { "" }))
            .await
            .map_err(one)?;
        Ok(late)
    }

    /// Closes a review with the consolidated summary (generated when empty).
    pub async fn close_review(
        &self,
        actor: &Actor,
        month: Month,
        summary: Option<&str>,
        meeting_on: Option<NaiveDate>,
        now: i64,
    ) -> Result<ReviewRecord, Error> {
        must_manage(actor)?;
        let v = self.review(actor, month, review::vn_day(now)).await?;
        let due = NaiveDate::parse_from_str(&v.review.due_on, "%Y-%m-%d").map_err(Error::internal)?;
        let reports: Vec<ReviewReport> = v.reports.into_iter().map(|r| r.0).collect();
        let text = match summary.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => tinhso_domain::text::nfc(s),
            None => review::consolidate(month, &reports, due, review::vn_day(now)),
        };
        self.store
            .dx_close_review(v.review.id, &text, meeting_on.map(|d| d.to_string()).as_deref(), actor.user_id, now)
            .await?;
        self.audit(actor, "review.close", month.to_string()).await?;
        self.store.dx_review(&month.to_string()).await?.ok_or_else(|| no_review(month))
    }

    /// The scheduled work, run periodically: opens the review of the current
    /// month on its day, and reminds agencies whose report is due soon or
    /// missing (once a day). Returns what it did.
    pub async fn tick(&self, now: i64) -> Result<Vec<String>, Error> {
        let today = review::vn_day(now);
        let month = Month::of(today);
        let actor = Actor::system();
        let mut done = Vec::new();
        let has_tasks = !self.store.dx_tasks(None).await?.is_empty();
        if has_tasks
            && today >= self.schedule.opens_on(month)
            && self.store.dx_review(&month.to_string()).await?.is_none()
        {
            self.open_review(&actor, month, now).await?;
            done.push(format!("opened {month}"));
        }
        for r in self.store.dx_reviews().await?.into_iter().filter(|r| r.status == "open") {
            let due = NaiveDate::parse_from_str(&r.due_on, "%Y-%m-%d").map_err(Error::internal)?;
            if today < due - chrono::Duration::days(self.schedule.remind_days_before) {
                continue;
            }
            let reports = self.store.dx_review_reports(r.id).await?;
            let waiting: Vec<i64> = reports
                .iter()
                .filter(|x| x.status != "submitted" && x.reminded_at.is_none_or(|t| review::vn_day(t) < today))
                .map(|x| x.agency_id)
                .collect();
            if waiting.is_empty() {
                continue;
            }
            let users = self.agency_users(&waiting).await?;
            let overdue = today > due;
            self.store
                .notify(
                    &users,
                    (
                        &format!(
                            "{} báo cáo chuyển đổi số tháng {}",
                            if overdue { "Quá hạn" } else { "Sắp đến hạn" },
                            r.month
                        ),
                        &format!("DX report for {} {}", r.month, if overdue { "is overdue" } else { "is due soon" }),
                    ),
                    (&format!("Hạn nộp: {}.", due.format("%d/%m/%Y")), &format!("Due on {}.", due.format("%d/%m/%Y"))),
                    &format!("/dx/reviews/{}", r.month),
                )
                .await?;
            self.store.dx_mark_reminded(r.id, &waiting, now).await?;
            done.push(format!("reminded {} agencies for {}", waiting.len(), r.month));
        }
        let sent = self.notify_attention(now).await?;
        if sent > 0 {
            done.push(format!("{sent} project notices"));
        }
        Ok(done)
    }

    // ---- where do I start? -------------------------------------------------------------

    pub async fn start(&self, actor: &Actor, agency_code: &str, today: NaiveDate) -> Result<StartItems, Error> {
        must_read(actor)?;
        let agency = self.store.agency_by_code(agency_code).await?.ok_or_else(|| {
            Error::not_found(
                format!("Không có cơ quan «{agency_code}»."),
                format!("There is no agency «{agency_code}»."),
            )
        })?;
        if !actor.scope.contains(&agency.path) {
            return Err(Error::forbidden());
        }
        let horizon = today + chrono::Duration::days(60);
        let mut tasks: Vec<StartTask> = self
            .store
            .dx_tasks(None)
            .await?
            .into_iter()
            .filter(|t| t.status != "hoan-thanh")
            .filter_map(|t| {
                let lead = t.lead_agency_id == agency.id;
                let coop =
                    serde_json::from_str::<Vec<String>>(&t.cooperating).unwrap_or_default().contains(&agency.code);
                let due = NaiveDate::parse_from_str(&t.due_on, "%Y-%m-%d").ok()?;
                ((lead || coop) && due <= horizon).then(|| StartTask {
                    id: t.id,
                    late: plan::is_late(&t, today),
                    plan: t.plan_code,
                    code: t.code,
                    title: t.title,
                    group: t.group_code,
                    due_on: t.due_on,
                    status: t.status,
                    progress: t.progress,
                    lead,
                })
            })
            .collect();
        tasks.sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.code.cmp(&b.code)));
        let mut datasets = Vec::new();
        for d in self.warehouse.datasets(&Actor::system()).await? {
            if d.record.owner_agency_id != agency.id {
                continue;
            }
            let problem = match &d.scores {
                None => Some("empty"),
                Some(s) if s.live < 60 => Some("stale"),
                Some(s) if s.score < 80 => Some("low_quality"),
                _ => None,
            };
            if let Some(p) = problem {
                datasets.push(StartDataset {
                    slug: d.record.slug.clone(),
                    name: d.record.name_vi.clone(),
                    problem: p.to_string(),
                    score: d.scores.as_ref().map(|s| s.score),
                    live: d.scores.as_ref().map(|s| s.live),
                });
            }
        }
        let mut reports = Vec::new();
        for r in self.store.dx_reviews().await?.into_iter().filter(|r| r.status == "open") {
            if self
                .store
                .dx_review_reports(r.id)
                .await?
                .iter()
                .any(|x| x.agency_id == agency.id && x.status != "submitted")
            {
                let due = NaiveDate::parse_from_str(&r.due_on, "%Y-%m-%d").map_err(Error::internal)?;
                reports.push(StartReport { month: r.month.clone(), due_on: r.due_on.clone(), overdue: today > due });
            }
        }
        Ok(StartItems { agency: agency.code, agency_name: agency.name_vi, tasks, datasets, reports })
    }

    // ---- DTI and other indices ---------------------------------------------------------

    pub async fn frameworks(&self) -> Result<Vec<dti::Framework>, Error> {
        self.store
            .dti_frameworks()
            .await?
            .iter()
            .map(|f| serde_json::from_str::<dti::Framework>(&f.definition).map_err(Error::internal))
            .collect()
    }

    /// Saves a framework (YAML or JSON), e.g. with its components configured.
    pub async fn save_framework(&self, actor: &Actor, text: &str) -> Result<dti::Framework, Error> {
        must_manage(actor)?;
        let f = dti::Framework::parse(text)?;
        let json = serde_json::to_string(&f).map_err(Error::internal)?;
        self.store.dti_save_framework(&f.code, f.first_year, &json, actor.user_id).await?;
        self.audit(actor, "dti.framework", f.code.clone()).await?;
        Ok(f)
    }

    /// Saves a year's self-assessment (indicator → 0–1 value, evidence). All or nothing.
    pub async fn save_assessment(
        &self,
        actor: &Actor,
        year: i64,
        items: &[(String, f64, String)],
    ) -> Result<dti::Score, Vec<Error>> {
        must_manage(actor).map_err(|e| vec![e])?;
        let frameworks = self.frameworks().await.map_err(|e| vec![e])?;
        let f = dti::framework_for(&frameworks, year).ok_or_else(|| {
            vec![Error::invalid("year", "Chưa có bộ chỉ số DTI nào.", "There is no DTI framework yet.")]
        })?;
        let known: Vec<String> =
            f.indicators().iter().map(|(i, c)| c.map_or(i.code.clone(), |c| c.code.clone())).collect();
        let mut errors = Vec::new();
        if !(2015..=2100).contains(&year) {
            errors.push(Error::invalid(
                "year",
                format!("Năm {year} không hợp lệ."),
                format!("Year {year} is not valid."),
            ));
        }
        for (i, (code, v, _)) in items.iter().enumerate() {
            if !known.contains(code) {
                errors.push(Error::invalid(
                    &format!("items[{i}].indicator"),
                    format!("Bộ chỉ số {} không có chỉ số «{code}» để tự đánh giá.", f.code),
                    format!("Framework {} has no indicator «{code}» to assess.", f.code),
                ));
            }
            if let Err(e) = dti::check_value(&format!("items[{i}].value"), *v) {
                errors.push(e);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let items: Vec<(String, f64, String)> =
            items.iter().map(|(c, v, e)| (c.clone(), *v, tinhso_domain::text::nfc(e.trim()))).collect();
        self.store.dti_save_assessments(year, &f.code, &items, actor.user_id).await.map_err(|e| vec![e])?;
        self.audit(actor, "dti.assess", format!("{year}: {} indicators", items.len())).await.map_err(|e| vec![e])?;
        self.self_score(year).await.map_err(|e| vec![e])
    }

    /// Attaches an evidence file to a self-assessed indicator of `year`
    /// (type and size checked as for dossier files); audited.
    pub async fn add_evidence(
        &self,
        actor: &Actor,
        year: i64,
        indicator: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<i64, Error> {
        must_manage(actor)?;
        let frameworks = self.frameworks().await?;
        let f = dti::framework_for(&frameworks, year)
            .ok_or_else(|| Error::invalid("year", "Chưa có bộ chỉ số DTI nào.", "There is no DTI framework yet."))?;
        if !f.indicators().iter().any(|(i, c)| c.map_or(i.code.as_str(), |c| c.code.as_str()) == indicator) {
            return Err(Error::invalid(
                "indicator",
                format!("Không có chỉ số «{indicator}»."),
                format!("There is no indicator «{indicator}»."),
            ));
        }
        let ct = portfolio::check_file(name, bytes)?;
        let id = self
            .store
            .dx_add_attachment(year, indicator, name, ct, &portfolio::sha256_hex(bytes), bytes, actor.user_id)
            .await?;
        self.audit(actor, "dti.evidence", format!("{year} {indicator}: {name} ({} bytes)", bytes.len())).await?;
        Ok(id)
    }

    /// The score the self-assessment of `year` gives.
    pub async fn self_score(&self, year: i64) -> Result<dti::Score, Error> {
        let frameworks = self.frameworks().await?;
        let f = dti::framework_for(&frameworks, year).ok_or_else(|| Error::internal("no framework"))?;
        let values: HashMap<String, f64> =
            self.store.dti_assessments(year).await?.into_iter().map(|a| (a.indicator, a.value)).collect();
        Ok(f.score(&values))
    }

    /// Imports the national ranking CSV (all rows or none).
    pub async fn import_rankings(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        source: &str,
    ) -> Result<usize, Vec<Error>> {
        must_manage(actor).map_err(|e| vec![e])?;
        let frameworks = self.frameworks().await.map_err(|e| vec![e])?;
        // The framework is chosen by the first data row's year.
        let year = std::str::from_utf8(bytes)
            .ok()
            .and_then(|t| t.lines().nth(1))
            .and_then(|l| l.split(',').next())
            .and_then(|y| y.trim().parse::<i64>().ok())
            .unwrap_or(2022);
        let f = dti::framework_for(&frameworks, year).ok_or_else(|| {
            vec![Error::invalid("framework", "Chưa có bộ chỉ số DTI nào.", "There is no DTI framework yet.")]
        })?;
        let rows = dti::read_rankings(file_name, bytes, f, AdminUnits::embedded())?;
        let stored: Vec<RankingRow> = rows
            .iter()
            .map(|r| RankingRow {
                year: r.year,
                province: r.province.clone(),
                rank: r.rank,
                score: r.score,
                sub_indices: serde_json::to_string(&r.indices).unwrap_or_else(|_| "{}".into()),
                source: source.to_string(),
            })
            .collect();
        self.store.dti_replace_rankings(&stored).await.map_err(|e| vec![e])?;
        self.audit(actor, "dti.rankings", format!("{file_name}: {} rows", stored.len())).await.map_err(|e| vec![e])?;
        Ok(stored.len())
    }

    /// Records the province's official result of an index for a year.
    pub async fn save_result(&self, actor: &Actor, r: &IndexResult) -> Result<(), Error> {
        must_manage(actor)?;
        if !INDICES.iter().any(|i| i.0 == r.index_code) {
            return Err(Error::invalid(
                "index",
                format!("Chỉ số «{}» không có (DTI, PAPI, PCI, SIPAS).", r.index_code),
                format!("There is no index «{}» (DTI, PAPI, PCI, SIPAS).", r.index_code),
            ));
        }
        if !(2010..=2100).contains(&r.year) {
            return Err(Error::invalid(
                "year",
                format!("Năm {} không hợp lệ.", r.year),
                format!("Year {} is not valid.", r.year),
            ));
        }
        if let Some(rank) = r.rank {
            dti::check_rank("rank", rank, r.of_count.unwrap_or(63))?;
        }
        if let Some(s) = r.score {
            if r.index_code == "DTI" {
                dti::check_value("score", s)?;
            } else if !(0.0..=100.0).contains(&s) {
                return Err(Error::invalid(
                    "score",
                    format!("Điểm {s} nằm ngoài khoảng 0–100."),
                    format!("Score {s} is outside 0–100."),
                ));
            }
        }
        if r.index_code == "DTI" {
            let subs: HashMap<String, f64> = serde_json::from_str(&r.sub_indices).map_err(|_| {
                Error::invalid(
                    "sub_indices",
                    "Chỉ số thành phần phải là một đối tượng {mã: giá trị}.",
                    "Sub-indices must be an object {code: value}.",
                )
            })?;
            for (k, v) in &subs {
                dti::check_value(&format!("sub_indices.{k}"), *v)?;
            }
        }
        self.store.dx_save_index_result(r, actor.user_id).await?;
        self.audit(actor, "index.result", format!("{} {}", r.index_code, r.year)).await
    }

    pub async fn save_target(&self, actor: &Actor, t: &IndexTarget) -> Result<(), Error> {
        must_manage(actor)?;
        if let Some(rank) = t.rank_target {
            dti::check_rank("rank_target", rank, 63)?;
        }
        self.store.dx_save_index_target(t).await?;
        self.audit(actor, "index.target", format!("{} {}", t.index_code, t.year)).await
    }

    // ---- community digital teams -------------------------------------------------------

    /// Statistics over the community-team dataset, read as the caller (audited).
    pub async fn team_stats(&self, actor: &Actor) -> Result<TeamStats, Error> {
        must_read(actor)?;
        let table = TEAMS_DATASET.replace('-', "_");
        let by_level = self
            .warehouse
            .sql_as(
                actor,
                &format!(
                    "SELECT cap, count(*) AS so_to, sum(so_thanh_vien) AS tv, sum(so_ho_huong_dan) AS ho, \
                     sum(so_buoi_tap_huan) AS th FROM {table} GROUP BY cap ORDER BY cap"
                ),
                "teams.read",
                "community team statistics",
            )
            .await?;
        let by_commune = self
            .warehouse
            .sql_as(
                actor,
                &format!(
                    "SELECT xa, count(*) AS so_to, sum(CASE WHEN cap = 'Thôn' THEN 1 ELSE 0 END) AS thon, \
                     sum(CASE WHEN cap = 'Xã' THEN 1 ELSE 0 END) AS xa_to, sum(so_thanh_vien) AS tv, \
                     sum(so_ho_huong_dan) AS ho, sum(so_buoi_tap_huan) AS th FROM {table} WHERE xa IS NOT NULL \
                     GROUP BY xa ORDER BY xa"
                ),
                "teams.read",
                "community team statistics by commune",
            )
            .await?;
        let units = AdminUnits::embedded();
        let today = chrono::Utc::now().date_naive();
        let mut s = TeamStats {
            dataset: TEAMS_DATASET.to_string(),
            version: by_level.tables.first().and_then(|t| t.version),
            ..Default::default()
        };
        let order = |l: &str| match l {
            "Thôn" => 0,
            "Xã" => 1,
            _ => 2,
        };
        for r in &by_level.rows {
            let l = LevelStats {
                level: r[0].as_str().unwrap_or("").to_string(),
                teams: int(&r[1]),
                members: int(&r[2]),
                households_guided: int(&r[3]),
                trainings: int(&r[4]),
            };
            s.teams += l.teams;
            s.members += l.members;
            s.households_guided += l.households_guided;
            s.trainings += l.trainings;
            s.by_level.push(l);
        }
        s.by_level.sort_by_key(|l| order(&l.level));
        for r in &by_commune.rows {
            let code = r[0].as_str().unwrap_or("").to_string();
            let name = units.lookup(&code, today).map(|u| u.full_name.clone()).unwrap_or_else(|_| code.clone());
            s.by_commune.push(CommuneStats {
                name,
                teams: int(&r[1]),
                village_teams: int(&r[2]),
                commune_team: int(&r[3]) > 0,
                members: int(&r[4]),
                households_guided: int(&r[5]),
                trainings: int(&r[6]),
                commune: code,
            });
        }
        let province = self.warehouse.province().to_string();
        let with: std::collections::BTreeSet<&str> = s.by_commune.iter().map(|c| c.commune.as_str()).collect();
        s.communes_without_team = units
            .all()
            .iter()
            .filter(|u| {
                u.level == tinhso_domain::Level::Commune
                    && u.in_force()
                    && u.province_code == province
                    && !with.contains(u.code.as_str())
            })
            .map(|u| u.full_name.clone())
            .collect();
        Ok(s)
    }
}

fn no_plan() -> Error {
    Error::not_found("Không có kế hoạch này.", "There is no such plan.")
}

fn no_kpi(code: &str) -> Error {
    Error::not_found(format!("Không có chỉ tiêu «{code}»."), format!("There is no KPI «{code}»."))
}

fn no_review(m: Month) -> Error {
    Error::not_found(format!("Chưa mở kỳ rà soát tháng {m}."), format!("The review of {m} has not been opened."))
}
