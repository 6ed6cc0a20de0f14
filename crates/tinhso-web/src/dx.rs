//! The DX programme tracker over HTTP (JSON, XLSX, DOCX): plans and tasks,
//! KPIs, monthly reviews, "where do I start?", DTI and other indices,
//! community digital teams, and the monthly report. The rules live in
//! `tinhso_dx`; pages are in `dx_pages.rs`.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};
use tinhso_domain::{Error, Lang};
use tinhso_dx::{groups, parse_day, plan, Month, Tracker};
use tinhso_store::{IndexResult, IndexTarget, PlanRecord, TaskRecord};
use utoipa::{IntoParams, ToSchema};

use crate::api::{read_multipart, ApiPath, ApiQuery, JsonBody};
use crate::auth::Caller;
use crate::error::{problem_json, status_of, ApiError, ApiResult};
use crate::openapi::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/plans", get(list_plans).post(create_plan))
        .route("/api/v1/plans/import", post(import_plan))
        .route("/api/v1/plans/template", get(plan_template))
        .route("/api/v1/plans/{id}/xlsx", get(plan_xlsx))
        .route("/api/v1/kpis", get(list_kpis).post(create_kpi))
        .route("/api/v1/kpis/{code}/compute", post(compute_kpi))
        .route("/api/v1/kpis/{code}/values", post(record_kpi))
        .route("/api/v1/reviews", get(list_reviews).post(open_review))
        .route("/api/v1/reviews/{month}", get(show_review))
        .route("/api/v1/reviews/{month}/reports/{agency}", post(submit_report))
        .route("/api/v1/reviews/{month}/close", post(close_review))
        .route("/api/v1/start", get(start))
        .route("/api/v1/dti/frameworks", get(frameworks).put(save_framework))
        .route("/api/v1/dti/results", get(dti_results))
        .route("/api/v1/dti/rankings", post(import_rankings))
        .route("/api/v1/dti/assessments/{year}", post(save_assessment))
        .route("/api/v1/dti/assessments/{year}/{indicator}/evidence", post(add_evidence))
        .route("/api/v1/dti/evidence/{id}", get(get_evidence))
        .route("/api/v1/indices", get(indices))
        .route("/api/v1/indices/results", post(save_result))
        .route("/api/v1/indices/targets", post(save_target))
        .route("/api/v1/community-teams/stats", get(team_stats))
        .route("/api/v1/reports/monthly", get(monthly_report))
}

/// Today in Vietnam.
pub(crate) fn today() -> NaiveDate {
    tinhso_dx::review::vn_day(tinhso_store::now())
}

/// A 400 listing every error (file, row, column or field, both languages).
pub(crate) struct Many(pub Vec<Error>);

impl From<Error> for Many {
    fn from(e: Error) -> Self {
        Many(vec![e])
    }
}

impl IntoResponse for Many {
    fn into_response(self) -> Response {
        if self.0.len() == 1 || self.0.iter().any(|e| e.kind != tinhso_domain::ErrorKind::Invalid) {
            let first = self.0.into_iter().next().unwrap_or_else(|| Error::internal("no error"));
            return ApiError(first).into_response();
        }
        let joined = tinhso_dx::join_errors(self.0.clone());
        let mut doc = problem_json(&joined);
        doc["errors"] = Value::Array(
            self.0.iter().map(|e| json!({"field": e.field, "message": {"vi": e.vi, "en": e.en}})).collect(),
        );
        let mut r = (status_of(joined.kind), doc.to_string()).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
        r
    }
}

fn ymd(d: &str) -> String {
    NaiveDate::parse_from_str(d, "%Y-%m-%d").map(|d| d.to_string()).unwrap_or_default()
}

fn list(j: &str) -> Vec<String> {
    serde_json::from_str(j).unwrap_or_default()
}

pub(crate) fn task_json(t: &TaskRecord, today: NaiveDate) -> Value {
    json!({
        "id": t.id, "code": t.code, "group": t.group_code, "group_name": groups::name(&t.group_code, Lang::Vi),
        "title": t.title, "lead": t.lead_agency_code, "lead_name": t.lead_agency_name,
        "cooperating": list(&t.cooperating), "start_on": t.start_on, "due_on": ymd(&t.due_on), "output": t.output,
        "budget": t.budget, "status": t.status, "progress": t.progress, "late": plan::is_late(t, today),
        "datasets": list(&t.datasets), "projects": list(&t.projects),
    })
}

pub(crate) fn plan_json(p: &PlanRecord, tasks: &[TaskRecord], today: NaiveDate) -> Value {
    let by_group: Vec<Value> = groups::GROUPS
        .iter()
        .map(|(code, vi, en)| {
            let ts: Vec<&TaskRecord> = tasks.iter().filter(|t| t.group_code == *code).collect();
            let avg =
                if ts.is_empty() { 0.0 } else { ts.iter().map(|t| t.progress).sum::<i64>() as f64 / ts.len() as f64 };
            json!({"group": code, "name": vi, "name_en": en, "tasks": ts.len(),
                   "done": ts.iter().filter(|t| t.status == "hoan-thanh").count(),
                   "late": ts.iter().filter(|t| plan::is_late(t, today)).count(),
                   "progress": (avg * 10.0).round() / 10.0})
        })
        .collect();
    json!({
        "id": p.id, "code": p.code, "title": p.title, "agency": p.agency_code, "year_from": p.year_from,
        "year_to": p.year_to, "issued_on": p.issued_on,
        "summary": {"tasks": tasks.len(), "done": tasks.iter().filter(|t| t.status == "hoan-thanh").count(),
                    "late": tasks.iter().filter(|t| plan::is_late(t, today)).count(), "by_group": by_group},
        "tasks": tasks.iter().map(|t| task_json(t, today)).collect::<Vec<_>>(),
    })
}

/// A plan's tasks in the plan's order (the 10 groups, then code).
async fn plan_tasks(s: &AppState, plan: i64) -> Result<Vec<TaskRecord>, Error> {
    let mut t = s.store.dx_tasks(Some(plan)).await?;
    t.sort_by(|a, b| groups::order(&a.group_code).cmp(&groups::order(&b.group_code)).then(a.code.cmp(&b.code)));
    Ok(t)
}

/// Kế hoạch chuyển đổi số — The plans with their tasks in the 10 groups
///
/// Each plan with a summary by group (tasks, done, late, average progress)
/// and its tasks (lead and cooperating agencies, deadline, output, budget in
/// đồng, status, progress, datasets, projects).
#[utoipa::path(get, path = "/api/v1/plans", tag = "dx",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{\"plans\": [...]}`", body = Object), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn list_plans(State(s): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    let plans = s.tracker.plans(&c.actor()).await?;
    let t = today();
    Ok(Json(json!({"plans": plans.iter().map(|(p, ts)| plan_json(p, ts, t)).collect::<Vec<_>>()})))
}

/// Tạo hoặc cập nhật kế hoạch — Create or update a plan (JSON)
///
/// Body: `code`, `title`, `agency`, `year_from`, `year_to`, `issued_on`,
/// `tasks` (each `code`, `group`, `title`, `lead`, `cooperating`, `start`,
/// `due`, `output`, `budget` ("1,2 tỷ" or đồng), `status`, `progress`,
/// `datasets`, `projects`). Any bad field refuses the whole plan with every
/// error listed in `errors`; tasks are matched by code.
#[utoipa::path(post, path = "/api/v1/plans", tag = "dx", request_body = Object,
    security(("api_key" = []), ("session" = [])),
    responses((status = 201, description = "The plan", body = Object), (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn create_plan(
    State(s): State<AppState>,
    c: Caller,
    JsonBody(doc): JsonBody<plan::PlanDoc>,
) -> Result<Response, Many> {
    c.require_write()?;
    let p = s.tracker.save_plan(&c.actor(), &doc).await.map_err(Many)?;
    let tasks = plan_tasks(&s, p.id).await?;
    Ok((StatusCode::CREATED, Json(plan_json(&p, &tasks, today()))).into_response())
}

/// A multipart upload with the file in part `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct FileForm {
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
}

/// Nhập kế hoạch từ Excel — Import a plan from the XLSX template
///
/// Sheets `Kế hoạch` (label, value) and `Nhiệm vụ` (one task per row); get
/// the template from `/api/v1/plans/template`. Errors name the file, sheet,
/// cell and column; nothing is saved unless every row is good.
#[utoipa::path(post, path = "/api/v1/plans/import", tag = "dx",
    request_body(content = FileForm, content_type = "multipart/form-data"),
    security(("api_key" = []), ("session" = [])),
    responses((status = 201, description = "The plan", body = Object), (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn import_plan(
    State(s): State<AppState>,
    c: Caller,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, Many> {
    c.require_write()?;
    let up = read_multipart(mp).await?;
    let p = s.tracker.import_plan(&c.actor(), &up.name, &up.bytes).await.map_err(Many)?;
    let tasks = plan_tasks(&s, p.id).await?;
    Ok((StatusCode::CREATED, Json(plan_json(&p, &tasks, today()))).into_response())
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

pub(crate) fn file(content_type: &str, name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// Mẫu kế hoạch (Excel) — The empty XLSX plan template
#[utoipa::path(get, path = "/api/v1/plans/template", tag = "dx",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "XLSX", content((crate::datasets::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn plan_template(State(s): State<AppState>, c: Caller) -> ApiResult<Response> {
    let (name, bytes) = s.tracker.export_plan(&c.actor(), None).await?;
    Ok(file(XLSX, &name, bytes))
}

/// Xuất kế hoạch (Excel) — A plan as the XLSX template
#[utoipa::path(get, path = "/api/v1/plans/{id}/xlsx", tag = "dx", params(("id" = i64, Path)),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "XLSX", content((crate::datasets::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn plan_xlsx(State(s): State<AppState>, c: Caller, ApiPath(id): ApiPath<i64>) -> ApiResult<Response> {
    let (name, bytes) = s.tracker.export_plan(&c.actor(), Some(id)).await?;
    Ok(file(XLSX, &name.replace(|ch: char| !ch.is_ascii_alphanumeric() && ch != '-' && ch != '.', "-"), bytes))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AsOfQuery {
    /// The day the statuses are computed for (`YYYY-MM-DD` or `dd/mm/yyyy`; default today).
    as_of: Option<String>,
}

/// Chỉ tiêu — The KPIs with target, actual and status
///
/// `status` is `achieved`, `on_track`, `at_risk`, `late` or `no_data`,
/// computed from the baseline, target, dates and the latest value up to
/// `as_of`; `history` has every monthly value with its source (`sql` or `manual`).
#[utoipa::path(get, path = "/api/v1/kpis", tag = "dx", params(AsOfQuery),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{\"as_of\", \"kpis\": [{\"code\", \"target\", \"actual\", \"status\", \"history\"...}]}`", body = Object),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn list_kpis(State(s): State<AppState>, c: Caller, ApiQuery(q): ApiQuery<AsOfQuery>) -> ApiResult<Json<Value>> {
    let as_of = match q.as_of.as_deref() {
        Some(d) => parse_day("as_of", d)?,
        None => today(),
    };
    let kpis = s.tracker.kpis(&c.actor(), as_of).await?;
    Ok(Json(json!({"as_of": as_of.to_string(), "kpis": kpis})))
}

/// Tạo hoặc cập nhật chỉ tiêu — Create or update a KPI
///
/// Body: `code`, `name`, `name_en`, `group`, `unit`, `baseline`,
/// `baseline_on`, `target`, `target_on`, `higher_is_better`, `method`
/// (`manual` or `sql`), `sql` (with `{{month_start}}`, `{{month_end}}`,
/// `{{year_start}}`; one row, column `actual`), `plan`, `agency`. A SQL KPI
/// is computed for the current month before it is saved: SQL that fails or
/// returns no row is refused.
#[utoipa::path(post, path = "/api/v1/kpis", tag = "dx", request_body = Object,
    security(("api_key" = []), ("session" = [])),
    responses((status = 201, description = "The KPI", body = Object), (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn create_kpi(State(s): State<AppState>, c: Caller, JsonBody(body): JsonBody<Value>) -> Result<Response, Many> {
    c.require_write()?;
    let doc: tinhso_dx::kpi::KpiDoc = serde_json::from_value(body).map_err(|e| {
        Error::invalid("body", format!("Nội dung chỉ tiêu không hợp lệ: {e}"), format!("The KPI is not valid: {e}"))
    })?;
    let k = s.tracker.save_kpi(&c.actor(), &doc, Month::of(today())).await.map_err(Many)?;
    let kpis = s.tracker.kpis(&c.actor(), today()).await?;
    let v = kpis.into_iter().find(|x| x.code == k.code).map(|v| json!(v)).unwrap_or_default();
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ComputeBody {
    /// First month (`YYYY-MM`).
    from: String,
    /// Last month (`YYYY-MM`, default = `from`); at most 36 months.
    to: Option<String>,
}

fn months(from: &str, to: Option<&str>) -> Result<Vec<Month>, Error> {
    let a = Month::parse("from", from)?;
    let b = match to {
        Some(t) => Month::parse("to", t)?,
        None => a,
    };
    if b < a {
        return Err(Error::invalid("to", "Tháng cuối trước tháng đầu.", "The last month is before the first.").at("to"));
    }
    let mut v = vec![a];
    while *v.last().unwrap_or(&a) < b {
        let n = v.last().unwrap_or(&a).next();
        v.push(n);
        if v.len() > 36 {
            return Err(Error::invalid("to", "Tối đa 36 tháng mỗi lần.", "At most 36 months at a time."));
        }
    }
    Ok(v)
}

/// Tính chỉ tiêu từ kho dữ liệu — Compute a SQL KPI for months
///
/// Runs the KPI's SQL over the warehouse as the caller (audited as
/// `kpi.read`) for each month and records the values (all or none).
#[utoipa::path(post, path = "/api/v1/kpis/{code}/compute", tag = "dx", params(("code" = String, Path)), request_body = ComputeBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{\"values\": [[month, value]...]}`", body = Object), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn compute_kpi(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(code): ApiPath<String>,
    JsonBody(b): JsonBody<ComputeBody>,
) -> ApiResult<Json<Value>> {
    c.require_write()?;
    let ms = months(&b.from, b.to.as_deref())?;
    let values = s.tracker.compute_kpi(&c.actor(), &code, &ms).await?;
    Ok(Json(json!({"code": code, "values": values})))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ValuesBody {
    /// `[{"month": "2023-06", "value": 72.5}]`.
    #[schema(value_type = Vec<Object>)]
    values: Vec<MonthValue>,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MonthValue {
    month: String,
    value: Value,
}

/// Nhập số liệu chỉ tiêu — Record hand-entered monthly values
#[utoipa::path(post, path = "/api/v1/kpis/{code}/values", tag = "dx", params(("code" = String, Path)), request_body = ValuesBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 204, description = "Recorded"), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn record_kpi(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(code): ApiPath<String>,
    JsonBody(b): JsonBody<ValuesBody>,
) -> ApiResult<StatusCode> {
    c.require_write()?;
    let mut vals = Vec::new();
    for (i, v) in b.values.iter().enumerate() {
        let m = Month::parse(&format!("values[{i}].month"), &v.month)?;
        let x = match &v.value {
            Value::Number(n) => n.as_f64(),
            Value::String(t) => tinhso_domain::values::parse_decimal(t.trim()).ok(),
            _ => None,
        }
        .ok_or_else(|| {
            Error::invalid(&format!("values[{i}].value"), "Giá trị phải là số.", "The value must be a number.")
        })?;
        vals.push((m, x));
    }
    s.tracker.record_kpi(&c.actor(), &code, &vals, &b.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) fn review_json(v: &tinhso_dx::ReviewView) -> Value {
    json!({
        "month": v.review.month, "status": v.review.status, "due_on": v.review.due_on, "summary": v.review.summary,
        "meeting_on": v.review.meeting_on,
        "counts": {
            "agencies": v.reports.len(),
            "on_time": v.reports.iter().filter(|r| r.1 == "on_time").count(),
            "late": v.reports.iter().filter(|r| r.1 == "late").count(),
            "missing": v.reports.iter().filter(|r| r.1 == "missing").count(),
            "pending": v.reports.iter().filter(|r| r.1 == "pending").count(),
        },
        "reports": v.reports.iter().map(|(r, state)| json!({
            "agency": r.agency_code, "agency_name": r.agency_name, "state": state,
            "submitted_at": r.submitted_at.map(|t| chrono::DateTime::from_timestamp(t, 0).map(|d| d.to_rfc3339()).unwrap_or_default()),
            "submitted_by": r.submitted_by, "late": r.late,
            "content": serde_json::from_str::<Value>(&r.content).unwrap_or_default(),
        })).collect::<Vec<_>>(),
    })
}

/// Các kỳ rà soát — The monthly reviews
#[utoipa::path(get, path = "/api/v1/reviews", tag = "dx",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{\"reviews\": [...]}`", body = Object), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn list_reviews(State(s): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    let r = s.tracker.reviews(&c.actor()).await?;
    Ok(Json(
        json!({"reviews": r.iter().map(|r| json!({"month": r.month, "status": r.status, "due_on": r.due_on, "meeting_on": r.meeting_on})).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MonthBody {
    /// `YYYY-MM`.
    month: String,
}

/// Mở kỳ rà soát — Open the review of a month
///
/// Every agency leading or cooperating on an unfinished task gets a report
/// to fill, due on the configured day; they are notified.
#[utoipa::path(post, path = "/api/v1/reviews", tag = "dx", request_body = MonthBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 201, description = "The review", body = Object), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 409, response = Conflict)))]
async fn open_review(State(s): State<AppState>, c: Caller, JsonBody(b): JsonBody<MonthBody>) -> ApiResult<Response> {
    c.require_write()?;
    let m = Month::parse("month", &b.month)?;
    s.tracker.open_review(&c.actor(), m, tinhso_store::now()).await?;
    let v = s.tracker.review(&c.actor(), m, today()).await?;
    Ok((StatusCode::CREATED, Json(review_json(&v))).into_response())
}

/// Một kỳ rà soát — A review with each agency's report and its state
///
/// `state`: `on_time`, `late` (submitted after the due day), `missing`
/// (not submitted, past the due day) or `pending`. An agency's staff see
/// their own agency's report only.
#[utoipa::path(get, path = "/api/v1/reviews/{month}", tag = "dx", params(("month" = String, Path, description = "`YYYY-MM`")),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "The review", body = Object), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn show_review(State(s): State<AppState>, c: Caller, ApiPath(month): ApiPath<String>) -> ApiResult<Json<Value>> {
    let m = Month::parse("month", &month)?;
    let v = s.tracker.review(&c.actor(), m, today()).await?;
    Ok(Json(review_json(&v)))
}

/// Nộp báo cáo tháng — Submit an agency's monthly report
///
/// Body: `items` (each `task` code, `progress` (lead agency only), `status`,
/// `result`, `obstacles`, `proposals`), `obstacles`, `proposals`. Marked
/// late after the due day (Vietnam time); refused (409) once the review is
/// closed. Progress updates the tasks in the same transaction.
#[utoipa::path(post, path = "/api/v1/reviews/{month}/reports/{agency}", tag = "dx",
    params(("month" = String, Path), ("agency" = String, Path, description = "Agency code")), request_body = Object,
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{\"late\": bool}`", body = Object), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 409, response = Conflict)))]
async fn submit_report(
    State(s): State<AppState>,
    c: Caller,
    ApiPath((month, agency)): ApiPath<(String, String)>,
    JsonBody(doc): JsonBody<tinhso_dx::review::ReportDoc>,
) -> Result<Json<Value>, Many> {
    c.require_write()?;
    let m = Month::parse("month", &month)?;
    let late = s.tracker.submit_report(&c.actor(), m, &agency, &doc, tinhso_store::now()).await.map_err(Many)?;
    Ok(Json(json!({"month": m.to_string(), "agency": agency, "late": late})))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CloseBody {
    /// The consolidated conclusion (generated from the reports when empty).
    summary: Option<String>,
    /// The steering committee's meeting day.
    meeting_on: Option<String>,
}

/// Đóng kỳ rà soát — Close a review with the consolidated record
#[utoipa::path(post, path = "/api/v1/reviews/{month}/close", tag = "dx", params(("month" = String, Path)), request_body = CloseBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "The review", body = Object), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 409, response = Conflict)))]
async fn close_review(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(month): ApiPath<String>,
    JsonBody(b): JsonBody<CloseBody>,
) -> ApiResult<Json<Value>> {
    c.require_write()?;
    let m = Month::parse("month", &month)?;
    let meeting = b.meeting_on.as_deref().map(|d| parse_day("meeting_on", d)).transpose()?;
    s.tracker.close_review(&c.actor(), m, b.summary.as_deref(), meeting, tinhso_store::now()).await?;
    let v = s.tracker.review(&c.actor(), m, today()).await?;
    Ok(Json(review_json(&v)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StartQuery {
    /// Agency code (default: the caller's agency).
    agency: Option<String>,
}

/// Bắt đầu từ đâu? — What is asked of an agency now
///
/// Tasks due within 60 days or overdue (as lead or cooperating agency), its
/// datasets that are empty, stale or of low quality, and reports to submit.
#[utoipa::path(get, path = "/api/v1/start", tag = "dx", params(StartQuery),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{\"tasks\", \"datasets\", \"reports\"}`", body = Object), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn start(State(s): State<AppState>, c: Caller, ApiQuery(q): ApiQuery<StartQuery>) -> ApiResult<Json<Value>> {
    let code = match q.agency.or_else(|| c.user.agency_code.clone()) {
        Some(a) => a,
        None => {
            return Err(
                Error::invalid("agency", "Cần mã cơ quan (agency).", "An agency code is needed (agency).").into()
            )
        }
    };
    let items = s.tracker.start(&c.actor(), &code, today()).await?;
    Ok(Json(json!(items)))
}

/// Bộ chỉ số DTI — The DTI frameworks
#[utoipa::path(get, path = "/api/v1/dti/frameworks", tag = "dx",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{\"frameworks\": [...]}`", body = Object), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn frameworks(State(s): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    c.require_staff()?;
    Ok(Json(json!({"frameworks": s.tracker.frameworks().await?})))
}

/// Cấu hình bộ chỉ số — Save a framework (YAML or JSON), e.g. its components
#[utoipa::path(put, path = "/api/v1/dti/frameworks", tag = "dx", request_body(content = String, content_type = "application/yaml"),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "The framework", body = Object), (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn save_framework(State(s): State<AppState>, c: Caller, body: String) -> ApiResult<Json<Value>> {
    c.require_write()?;
    let f = s.tracker.save_framework(&c.actor(), &body).await?;
    Ok(Json(json!(f)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct YearQuery {
    /// The assessment year (e.g. 2022).
    year: i64,
}

/// Kết quả DTI — DTI results of a year
///
/// The province's official result (rank of 63 or 34, score, sub-indices,
/// source), its targets, the score its self-assessment gives, and the
/// national ranking table (empty cells are unpublished values, not zeros).
#[utoipa::path(get, path = "/api/v1/dti/results", tag = "dx", params(YearQuery),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{\"year\", \"province\", \"targets\", \"self_assessment\", \"ranking\"}`", body = Object),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn dti_results(State(s): State<AppState>, c: Caller, ApiQuery(q): ApiQuery<YearQuery>) -> ApiResult<Json<Value>> {
    c.require_staff()?;
    if !(2015..=2100).contains(&q.year) {
        return Err(Error::invalid(
            "year",
            format!("Năm {} không hợp lệ.", q.year),
            format!("Year {} is not valid.", q.year),
        )
        .into());
    }
    Ok(Json(dti_year(&s.tracker, q.year).await?))
}

pub(crate) async fn dti_year(t: &Tracker, year: i64) -> Result<Value, Error> {
    let store = t.store();
    let own = store.dx_index_results(Some("DTI")).await?.into_iter().find(|r| r.year == year);
    let frameworks = t.frameworks().await?;
    let framework = tinhso_dx::dti::framework_for(&frameworks, year).map(|f| f.code.clone());
    let targets: Vec<Value> = store
        .dx_index_targets()
        .await?
        .into_iter()
        .filter(|x| x.index_code == "DTI")
        .map(|x| json!({"year": x.year, "rank_target": x.rank_target, "score_target": x.score_target, "note": x.note}))
        .collect();
    let ranking: Vec<Value> = store
        .dti_rankings(year)
        .await?
        .into_iter()
        .map(|r| {
            json!({"rank": r.rank, "province": r.province, "score": r.score,
                        "sub_indices": serde_json::from_str::<Value>(&r.sub_indices).unwrap_or_default()})
        })
        .collect();
    let assessments: Vec<Value> = store
        .dti_assessments(year)
        .await?
        .into_iter()
        .map(|a| json!({"indicator": a.indicator, "value": a.value, "evidence": a.evidence, "by": a.assessed_by}))
        .collect();
    let evidence: Vec<Value> = store
        .dx_attachments(year)
        .await?
        .into_iter()
        .map(|a| json!({"id": a.id, "indicator": a.indicator, "file_name": a.file_name, "size": a.size, "link": format!("/api/v1/dti/evidence/{}", a.id)}))
        .collect();
    Ok(json!({
        "year": year,
        "framework": framework,
        "province": own.map(|r| json!({"rank": r.rank, "of": r.of_count, "score": r.score,
            "sub_indices": serde_json::from_str::<Value>(&r.sub_indices).unwrap_or_default(), "source": r.source})),
        "targets": targets,
        "self_assessment": {"score": t.self_score(year).await?, "items": assessments, "evidence": evidence},
        "ranking": ranking,
    }))
}

/// Nhập bảng xếp hạng DTI — Import the national DTI ranking (CSV)
///
/// Columns `year,rank,province,score` and the framework's index columns
/// (e.g. `../shared/data/indices/dti-2022-provinces.csv`). Provinces are
/// checked against the administrative-unit register, values against 0–1, a
/// published score against its indices. All rows or none.
#[utoipa::path(post, path = "/api/v1/dti/rankings", tag = "dx",
    request_body(content = FileForm, content_type = "multipart/form-data"),
    security(("api_key" = []), ("session" = [])),
    responses((status = 201, description = "`{\"rows\": n}`", body = Object), (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn import_rankings(
    State(s): State<AppState>,
    c: Caller,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, Many> {
    c.require_write()?;
    let up = read_multipart(mp).await?;
    let n = s.tracker.import_rankings(&c.actor(), &up.name, &up.bytes, &up.name).await.map_err(Many)?;
    Ok((StatusCode::CREATED, Json(json!({"rows": n}))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AssessmentBody {
    /// `[{"indicator": "1", "value": 0.62, "evidence": "Kế hoạch 1282/KH-UBND"}]`, values 0–1.
    #[schema(value_type = Vec<Object>)]
    items: Vec<AssessmentItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssessmentItem {
    indicator: String,
    value: f64,
    #[serde(default)]
    evidence: String,
}

/// Tự đánh giá DTI — Save a year's self-assessment
///
/// One value (0–1) per indicator of the framework in force that year (each
/// component, or the main index when it has none), with evidence. Returns
/// the computed score.
#[utoipa::path(post, path = "/api/v1/dti/assessments/{year}", tag = "dx", params(("year" = i64, Path)), request_body = AssessmentBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "The score", body = Object), (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn save_assessment(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(year): ApiPath<i64>,
    JsonBody(b): JsonBody<AssessmentBody>,
) -> Result<Json<Value>, Many> {
    c.require_write()?;
    let items: Vec<(String, f64, String)> = b.items.into_iter().map(|i| (i.indicator, i.value, i.evidence)).collect();
    let score = s.tracker.save_assessment(&c.actor(), year, &items).await.map_err(Many)?;
    Ok(Json(json!(score)))
}

/// Đính kèm minh chứng — Attach an evidence file to a self-assessed indicator
///
/// PDF, DOCX, XLSX, PNG or JPEG, 5 MB at most; the content must match the extension.
#[utoipa::path(post, path = "/api/v1/dti/assessments/{year}/{indicator}/evidence", tag = "dx",
    params(("year" = i64, Path), ("indicator" = String, Path)),
    request_body(content = FileForm, content_type = "multipart/form-data"),
    security(("api_key" = []), ("session" = [])),
    responses((status = 201, description = "`{\"id\"}`", body = Object), (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn add_evidence(
    State(s): State<AppState>,
    c: Caller,
    ApiPath((year, indicator)): ApiPath<(i64, String)>,
    mp: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    c.require_write()?;
    if !tinhso_dx::may_manage(c.role()) {
        return Err(Error::forbidden().into());
    }
    let up = read_multipart(mp).await?;
    let id = s.tracker.add_evidence(&c.actor(), year, &indicator, &up.name, &up.bytes).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "link": format!("/api/v1/dti/evidence/{id}")}))).into_response())
}

/// Tệp minh chứng — An evidence file
#[utoipa::path(get, path = "/api/v1/dti/evidence/{id}", tag = "dx", params(("id" = i64, Path)),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "The file", content((crate::datasets::FileBytes = "application/octet-stream"))),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn get_evidence(State(s): State<AppState>, c: Caller, ApiPath(id): ApiPath<i64>) -> ApiResult<Response> {
    c.require_staff()?;
    let (name, ct, bytes) = s
        .store
        .dx_attachment(id)
        .await?
        .ok_or_else(|| Error::not_found("Không có tệp minh chứng này.", "There is no such evidence file."))?;
    let safe: String =
        name.chars().map(|ch| if ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' { ch } else { '_' }).collect();
    Ok(file(&ct, &safe, bytes))
}

/// Các chỉ số DTI, PAPI, PCI, SIPAS — Official results and targets by year
#[utoipa::path(get, path = "/api/v1/indices", tag = "dx",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{\"indices\": [{\"code\", \"results\", \"targets\"}]}`", body = Object), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn indices(State(s): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    c.require_staff()?;
    let results = s.store.dx_index_results(None).await?;
    let targets = s.store.dx_index_targets().await?;
    let out: Vec<Value> = tinhso_dx::INDICES
        .iter()
        .map(|(code, vi, en)| {
            json!({
                "code": code, "name": vi, "name_en": en,
                "results": results.iter().filter(|r| r.index_code == *code).map(|r| json!({
                    "year": r.year, "rank": r.rank, "of": r.of_count, "score": r.score,
                    "sub_indices": serde_json::from_str::<Value>(&r.sub_indices).unwrap_or_default(), "source": r.source})).collect::<Vec<_>>(),
                "targets": targets.iter().filter(|t| t.index_code == *code).map(|t| json!({
                    "year": t.year, "rank_target": t.rank_target, "score_target": t.score_target, "note": t.note})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({"indices": out})))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ResultBody {
    /// `DTI`, `PAPI`, `PCI` or `SIPAS`.
    index: String,
    year: i64,
    score: Option<f64>,
    rank: Option<i64>,
    /// Provinces ranked (63 before 2025, 34 after).
    of: Option<i64>,
    /// DTI sub-indices `{index code: 0–1}`.
    #[schema(value_type = Object)]
    sub_indices: Option<Value>,
    #[serde(default)]
    source: String,
}

/// Ghi kết quả chính thức — Record the province's official result of an index
#[utoipa::path(post, path = "/api/v1/indices/results", tag = "dx", request_body = ResultBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 204, description = "Recorded"), (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn save_result(State(s): State<AppState>, c: Caller, JsonBody(b): JsonBody<ResultBody>) -> ApiResult<StatusCode> {
    c.require_write()?;
    let r = IndexResult {
        index_code: b.index.trim().to_uppercase(),
        year: b.year,
        score: b.score,
        rank: b.rank,
        of_count: b.of.or(b.rank.map(|_| if b.year >= 2025 { 34 } else { 63 })),
        sub_indices: b.sub_indices.unwrap_or_else(|| json!({})).to_string(),
        source: tinhso_domain::text::nfc(b.source.trim()),
    };
    s.tracker.save_result(&c.actor(), &r).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TargetBody {
    index: String,
    /// The year the target is for (e.g. 2030).
    year: i64,
    rank_target: Option<i64>,
    score_target: Option<f64>,
    #[serde(default)]
    note: String,
}

/// Đặt mục tiêu chỉ số — Set a target (e.g. DTI top 20 by 2030)
#[utoipa::path(post, path = "/api/v1/indices/targets", tag = "dx", request_body = TargetBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 204, description = "Recorded"), (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn save_target(State(s): State<AppState>, c: Caller, JsonBody(b): JsonBody<TargetBody>) -> ApiResult<StatusCode> {
    c.require_write()?;
    let code = b.index.trim().to_uppercase();
    if !tinhso_dx::INDICES.iter().any(|i| i.0 == code) {
        return Err(Error::invalid(
            "index",
            format!("Chỉ số «{code}» không có."),
            format!("There is no index «{code}»."),
        )
        .into());
    }
    if !(2015..=2100).contains(&b.year) {
        return Err(Error::invalid(
            "year",
            format!("Năm {} không hợp lệ.", b.year),
            format!("Year {} is not valid.", b.year),
        )
        .into());
    }
    let t = IndexTarget {
        index_code: code,
        year: b.year,
        rank_target: b.rank_target,
        score_target: b.score_target,
        note: tinhso_domain::text::nfc(b.note.trim()),
    };
    s.tracker.save_target(&c.actor(), &t).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Tổ công nghệ số cộng đồng — Community digital team statistics
///
/// Over the `to-cong-nghe-so` dataset (uploaded as XLSX or CSV like any
/// dataset), read as the caller and audited: teams, members, households
/// guided and trainings by level (Thôn, Xã, Huyện) and by commune, and the
/// communes with no team.
#[utoipa::path(get, path = "/api/v1/community-teams/stats", tag = "dx",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{\"teams\", \"members\", \"by_level\", \"by_commune\"...}`", body = Object),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn team_stats(State(s): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    Ok(Json(json!(s.tracker.team_stats(&c.actor()).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReportQuery {
    /// `YYYY-MM`.
    month: String,
    /// `docx` (default) or `xlsx`.
    format: Option<String>,
}

/// Báo cáo tháng — The monthly DX progress report (DOCX or XLSX)
///
/// In the administrative layout of Decree 30/2020: national title and
/// motto, issuing body, number and symbol, place and date, title, body
/// (KPIs, tasks by group, agencies' reports, obstacles, proposals, next
/// month), recipients and signature block.
#[utoipa::path(get, path = "/api/v1/reports/monthly", tag = "dx", params(ReportQuery),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "DOCX or XLSX", content(
            (crate::datasets::FileBytes = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (crate::datasets::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn monthly_report(
    State(s): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    c.require_staff()?;
    let m = Month::parse("month", &q.month)?;
    let report = s.tracker.monthly_report(&c.actor(), m, &tinhso_dx::report::Options::default()).await?;
    match q.format.as_deref().unwrap_or("docx") {
        "docx" => Ok(file(DOCX, &format!("bao-cao-cds-{m}.docx"), report.docx()?)),
        "xlsx" => Ok(file(XLSX, &format!("bao-cao-cds-{m}.xlsx"), report.xlsx()?)),
        other => Err(Error::invalid(
            "format",
            format!("Định dạng «{other}» không hỗ trợ (docx, xlsx)."),
            format!("Format «{other}» is not supported (docx, xlsx)."),
        )
        .into()),
    }
}
