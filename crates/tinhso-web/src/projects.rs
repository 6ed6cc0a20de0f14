//! IT projects over HTTP (JSON): the portfolio, a project with its thread
//! and documents, appraisal transitions, comments, the workflow, the budget
//! (capital plans, allocations, disbursements, the summary) and what needs
//! attention. The rules live in `tinhso_dx::projects`; pages are in
//! `project_pages.rs`.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tinhso_domain::Error;
use tinhso_dx::portfolio::ProjectDoc;
use tinhso_dx::projects::TransitionDoc;
use utoipa::{IntoParams, ToSchema};

use crate::api::{ApiPath, ApiQuery, JsonBody};
use crate::auth::Caller;
use crate::dx::{file, today, Many};
use crate::error::ApiResult;
use crate::openapi::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/projects", get(list).post(create))
        .route("/api/v1/projects/attention", get(attention))
        .route("/api/v1/projects/workflow", get(workflow).put(save_workflow))
        .route("/api/v1/projects/{id}", get(show))
        .route("/api/v1/projects/{id}/transitions", post(transition))
        .route("/api/v1/projects/{id}/comments", post(comment))
        .route("/api/v1/projects/{id}/documents", post(add_document))
        .route("/api/v1/projects/{id}/documents/{doc}", get(get_document))
        .route("/api/v1/budget/plans", get(budget_plans).post(save_budget_plan))
        .route("/api/v1/budget/allocations", post(allocate))
        .route("/api/v1/budget/disbursements", post(disburse))
        .route("/api/v1/budget/summary", get(summary))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// The year the dossier was submitted for.
    year: Option<i64>,
    /// A step code (`de-cuong`, `xem-xet`, `hoan-thien`, `y-kien-tai-chinh`, `ket-qua-tham-dinh`, `phe-duyet`) or `da-phe-duyet`, `khong-phe-duyet`.
    step: Option<String>,
}

/// Dự án CNTT — The IT projects
///
/// Each with its step, who acts now, since when and until when (`stalled`
/// past the deadline), returns, requested, allocated and disbursed amounts (đồng).
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(ListQuery),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{\"projects\": [...], \"by_step\": {...}}`", body = Object), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn list(State(s): State<AppState>, c: Caller, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<Value>> {
    if let Some(y) = q.year {
        if !(2015..=2100).contains(&y) {
            return Err(
                Error::invalid("year", format!("Năm {y} không hợp lệ."), format!("Year {y} is not valid.")).into()
            );
        }
    }
    let projects = s.tracker.projects(&c.actor(), q.year, q.step.as_deref(), today()).await?;
    let mut by_step = serde_json::Map::new();
    for p in &projects {
        let n = by_step.get(&p.step).and_then(Value::as_i64).unwrap_or(0);
        by_step.insert(p.step.clone(), json!(n + 1));
    }
    Ok(Json(json!({"count": projects.len(), "by_step": by_step, "projects": projects})))
}

/// Đăng ký dự án — Register a project (at the workflow's first step)
///
/// Body: `code`, `name`, `owner` (agency code; default the caller's), `group`,
/// `kind` (`dau-tu` or `thue-dich-vu`), `year`, `requested` (đồng or "4,5 tỷ"),
/// `funding_source`, `tasks` (plan task ids), `datasets`. The owner agency's
/// staff register their own; the DX office any.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = Object,
    security(("api_key" = []), ("session" = [])),
    responses((status = 201, description = "The project", body = Object), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 409, response = Conflict)))]
async fn create(State(s): State<AppState>, c: Caller, JsonBody(doc): JsonBody<ProjectDoc>) -> Result<Response, Many> {
    c.require_write()?;
    let p = s.tracker.create_project(&c.actor(), &doc, tinhso_store::now()).await.map_err(Many)?;
    Ok((StatusCode::CREATED, Json(json!(p))).into_response())
}

/// Một dự án — A project with its comment thread, documents, checklist and the caller's possible actions
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = i64, Path)),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "The project", body = Object), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn show(State(s): State<AppState>, c: Caller, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(s.tracker.project(&c.actor(), id, today()).await?)))
}

/// Chuyển bước thẩm định — Move a project through the appraisal
///
/// Body: `action` (`advance`, `return`, `approve`, `reject`), `from` (the step
/// the caller saw; 409 if it moved), `comment`, `missing` (checklist items
/// missing or wrong — required to return), `decision` and `decided_on` (to
/// approve). Only the step's assignee acts (owner agency, DX office, finance);
/// leaving a documents step needs every checklist item attached. Every move
/// is recorded with who and when; who acts next is notified.
#[utoipa::path(post, path = "/api/v1/projects/{id}/transitions", tag = "projects", params(("id" = i64, Path)), request_body = Object,
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "The project after the move", body = Object), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 409, response = Conflict)))]
async fn transition(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
    JsonBody(t): JsonBody<TransitionDoc>,
) -> ApiResult<Json<Value>> {
    c.require_write()?;
    Ok(Json(json!(s.tracker.transition(&c.actor(), id, &t, tinhso_store::now()).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CommentBody {
    comment: String,
}

/// Góp ý — Add a comment to a project's thread
#[utoipa::path(post, path = "/api/v1/projects/{id}/comments", tag = "projects", params(("id" = i64, Path)), request_body = CommentBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 204, description = "Added"), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn comment(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
    JsonBody(b): JsonBody<CommentBody>,
) -> ApiResult<StatusCode> {
    c.require_write()?;
    s.tracker.comment(&c.actor(), id, &b.comment, tinhso_store::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A multipart body: the checklist `item`, then the `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct DocumentForm {
    /// A checklist item of the project's kind, or `khac`.
    item: String,
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
}

/// Reads every text field and the `file` part of a multipart body.
pub(crate) async fn form_with_file(
    mp: Result<Multipart, MultipartRejection>,
) -> Result<(std::collections::HashMap<String, String>, String, Vec<u8>), Error> {
    let bad = |e: String| {
        Error::invalid(
            "file",
            format!("Không đọc được tệp tải lên (cần multipart/form-data, tối đa 10 MB): {e}"),
            format!("Cannot read the upload (multipart/form-data, 10 MB at most): {e}"),
        )
    };
    let mut mp = mp.map_err(|e| bad(e.body_text()))?;
    let mut fields = std::collections::HashMap::new();
    let mut file = None;
    while let Some(f) = mp.next_field().await.map_err(|e| bad(e.body_text()))? {
        let name = f.name().unwrap_or("").to_string();
        if name == "file" {
            let fname = f.file_name().unwrap_or("upload").to_string();
            let bytes = f.bytes().await.map_err(|e| bad(e.body_text()))?;
            file = Some((fname, bytes.to_vec()));
        } else {
            fields.insert(name, f.text().await.map_err(|e| bad(e.body_text()))?);
        }
    }
    let (name, bytes) = file
        .filter(|f| !f.1.is_empty())
        .ok_or_else(|| Error::invalid("file", "Chưa chọn tệp (trường «file»).", "No file was sent (field «file»)."))?;
    Ok((fields, name, bytes))
}

/// Đính kèm hồ sơ — Attach a dossier file for a checklist item
///
/// PDF, DOCX, XLSX, PNG or JPEG, 5 MB at most; the content must match the extension.
#[utoipa::path(post, path = "/api/v1/projects/{id}/documents", tag = "projects", params(("id" = i64, Path)),
    request_body(content = DocumentForm, content_type = "multipart/form-data"),
    security(("api_key" = []), ("session" = [])),
    responses((status = 201, description = "`{\"id\", \"link\"}`", body = Object), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 409, response = Conflict)))]
async fn add_document(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
    mp: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    c.require_write()?;
    let (fields, name, bytes) = form_with_file(mp).await?;
    let item = fields.get("item").map(|i| i.trim().to_string()).unwrap_or_default();
    let doc = s.tracker.add_document(&c.actor(), id, &item, &name, &bytes, tinhso_store::now()).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": doc, "link": format!("/api/v1/projects/{id}/documents/{doc}")})))
        .into_response())
}

/// Tệp hồ sơ — A dossier file
#[utoipa::path(get, path = "/api/v1/projects/{id}/documents/{doc}", tag = "projects", params(("id" = i64, Path), ("doc" = i64, Path)),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "The file", content((crate::datasets::FileBytes = "application/octet-stream"))),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn get_document(
    State(s): State<AppState>,
    c: Caller,
    ApiPath((id, doc)): ApiPath<(i64, i64)>,
) -> ApiResult<Response> {
    let (name, ct, bytes) = s.tracker.document(&c.actor(), id, doc).await?;
    let safe: String =
        name.chars().map(|ch| if ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' { ch } else { '_' }).collect();
    Ok(file(&ct, &safe, bytes))
}

/// Cần xử lý — Projects that need attention
///
/// Stalled past a step's deadline, returned twice or more, and (from October)
/// disbursing less than half of the year's allocation.
#[utoipa::path(get, path = "/api/v1/projects/attention", tag = "projects",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{\"items\": [...]}`", body = Object), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn attention(State(s): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    Ok(Json(json!({"items": s.tracker.attention(&c.actor(), today()).await?})))
}

/// Quy trình thẩm định — The appraisal workflow (steps, assignees, days, returns)
#[utoipa::path(get, path = "/api/v1/projects/workflow", tag = "projects",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "The workflow and the checklists", body = Object), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn workflow(State(s): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    c.require_staff()?;
    let w = s.tracker.workflow().await?;
    let lists: Value = tinhso_dx::projects::KINDS
        .iter()
        .map(|(k, _, _)| {
            (
                k.to_string(),
                json!(tinhso_dx::projects::checklist(k)
                    .iter()
                    .map(|c| json!({"item": c.0, "name": c.1, "name_en": c.2}))
                    .collect::<Vec<_>>()),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    Ok(Json(json!({"workflow": w, "checklists": lists})))
}

/// Cấu hình quy trình — Replace the workflow (YAML or JSON; the DX office)
#[utoipa::path(put, path = "/api/v1/projects/workflow", tag = "projects", request_body(content = String, content_type = "application/yaml"),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "The workflow", body = Object), (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn save_workflow(State(s): State<AppState>, c: Caller, body: String) -> ApiResult<Json<Value>> {
    c.require_write()?;
    Ok(Json(json!(s.tracker.save_workflow(&c.actor(), &body).await?)))
}

/// Kế hoạch vốn — The yearly DX capital plans
#[utoipa::path(get, path = "/api/v1/budget/plans", tag = "projects",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{\"plans\": [{\"year\", \"amount\", \"decision\"}]}`", body = Object), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn budget_plans(State(s): State<AppState>, c: Caller) -> ApiResult<Json<Value>> {
    c.require_staff()?;
    let plans = s.store.dx_budget_plans().await?;
    Ok(Json(
        json!({"plans": plans.iter().map(|p| json!({"year": p.year, "amount": p.amount, "decision": p.decision})).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PlanBody {
    year: i64,
    /// Đồng, or "50 tỷ".
    #[schema(value_type = Object)]
    amount: Value,
    #[serde(default)]
    decision: String,
}

/// Nhập kế hoạch vốn năm — Set a year's DX capital plan (DX office, finance)
#[utoipa::path(post, path = "/api/v1/budget/plans", tag = "projects", request_body = PlanBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 204, description = "Saved"), (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn save_budget_plan(
    State(s): State<AppState>,
    c: Caller,
    JsonBody(b): JsonBody<PlanBody>,
) -> ApiResult<StatusCode> {
    c.require_write()?;
    s.tracker.save_budget_plan(&c.actor(), b.year, &b.amount, &b.decision).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AllocationBody {
    project: i64,
    year: i64,
    /// Đồng, or "4,5 tỷ".
    #[schema(value_type = Object)]
    amount: Value,
    #[serde(default)]
    decision: String,
}

/// Phân bổ vốn — Allocate a year's capital to a project (within the year's plan)
#[utoipa::path(post, path = "/api/v1/budget/allocations", tag = "projects", request_body = AllocationBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 201, description = "`{\"id\"}`", body = Object), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 409, response = Conflict)))]
async fn allocate(State(s): State<AppState>, c: Caller, JsonBody(b): JsonBody<AllocationBody>) -> ApiResult<Response> {
    c.require_write()?;
    let id = s.tracker.allocate(&c.actor(), b.project, b.year, &b.amount, &b.decision, tinhso_store::now()).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DisbursementBody {
    project: i64,
    /// `YYYY-MM-DD` or `dd/mm/yyyy`; not before the approval.
    paid_on: String,
    /// Đồng, or "4,5 tỷ".
    #[schema(value_type = Object)]
    amount: Value,
    voucher: String,
}

/// Ghi giải ngân — Record a disbursement (within the year's allocation, after approval)
#[utoipa::path(post, path = "/api/v1/budget/disbursements", tag = "projects", request_body = DisbursementBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 201, description = "`{\"id\"}`", body = Object), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn disburse(
    State(s): State<AppState>,
    c: Caller,
    JsonBody(b): JsonBody<DisbursementBody>,
) -> ApiResult<Response> {
    c.require_write()?;
    let id = s.tracker.disburse(&c.actor(), b.project, &b.paid_on, &b.amount, &b.voucher, tinhso_store::now()).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct YearQuery {
    year: i64,
}

/// Tổng hợp ngân sách — The budget of a year
///
/// `allocated` (the year's capital plan), `disbursed`, `rate` (0–1),
/// allocations to projects, requested, requested-but-unallocated over every
/// project not rejected, and lines by agency and project. Amounts in đồng.
#[utoipa::path(get, path = "/api/v1/budget/summary", tag = "projects", params(YearQuery),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "The summary", body = Object), (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn summary(State(s): State<AppState>, c: Caller, ApiQuery(q): ApiQuery<YearQuery>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(s.tracker.budget_summary(&c.actor(), q.year).await?)))
}
