//! IOC dashboards over HTTP (JSON): the list, a definition (JSON or YAML),
//! creating and saving versions, a panel's rows (JSON, CSV, XLSX), alert
//! rules and their history, and the caller's notifications. The rules live in
//! `tinhso_ioc`; pages are in `dashboard_pages.rs`.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tinhso_domain::{Error, Role};
use tinhso_ioc::{AlertInput, RawFilters};
use tinhso_store::{AlertEvent, AlertRule, DashboardRecord, Notification};
use utoipa::{IntoParams, ToSchema};

use crate::api::{ApiPath, ApiQuery, JsonBody};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::openapi::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/dashboards", get(list).post(create))
        .route("/api/v1/dashboards/{slug}", get(show).put(save))
        .route("/api/v1/dashboards/{slug}/versions", get(versions))
        .route("/api/v1/dashboards/{slug}/panels/{id}/data", get(panel_data))
        .route("/api/v1/alerts", get(list_alerts).post(create_alert))
        .route("/api/v1/alerts/check", post(check_alerts))
        .route("/api/v1/alerts/events", get(alert_events))
        .route("/api/v1/alerts/{id}/enabled", post(set_alert_enabled))
        .route("/api/v1/notifications", get(notifications))
        .route("/api/v1/notifications/read", post(read_notifications))
}

/// Dashboards are for the staff of the province (and their systems' keys).
pub(crate) fn may_view(role: Role) -> Result<(), Error> {
    if role.is_staff() {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

/// Who edits dashboards and alert rules.
pub(crate) fn may_edit(role: Role) -> bool {
    matches!(role, Role::SystemAdmin | Role::DxOffice)
}

/// A dashboard in the list.
#[derive(Serialize, ToSchema)]
pub struct DashboardSummaryDto {
    slug: String,
    title: String,
    title_en: String,
    description: String,
    description_en: String,
    /// The saved version shown.
    version: i64,
    panels: usize,
    builtin: bool,
    updated_by: Option<String>,
    /// RFC 3339.
    updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct DashboardListDto {
    dashboards: Vec<DashboardSummaryDto>,
}

fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|d| d.to_rfc3339()).unwrap_or_default()
}

fn summary(r: &DashboardRecord, d: &tinhso_ioc::Dashboard) -> DashboardSummaryDto {
    DashboardSummaryDto {
        slug: r.slug.clone(),
        title: d.title.clone(),
        title_en: d.title_en.clone(),
        description: d.description.clone(),
        description_en: d.description_en.clone(),
        version: r.version,
        panels: d.panels.len(),
        builtin: r.builtin,
        updated_by: r.updated_by.clone(),
        updated_at: rfc3339(r.updated_at),
    }
}

/// Bảng điều khiển — The dashboards
#[utoipa::path(get, path = "/api/v1/dashboards", tag = "dashboards",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, body = DashboardListDto), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn list(State(s): State<AppState>, c: Caller) -> ApiResult<Json<DashboardListDto>> {
    may_view(c.role())?;
    let all = s.ioc.list().await?;
    Ok(Json(DashboardListDto { dashboards: all.iter().map(|(r, d)| summary(r, d)).collect() }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FormatQuery {
    /// `json` (default) or `yaml`.
    format: Option<String>,
}

/// A dashboard's definition: `slug`, `title`, `panels` (each with an `id`, `kind`, `sql`…) and `version`.
#[derive(Serialize, ToSchema)]
pub struct DashboardDto {
    version: i64,
    builtin: bool,
    updated_by: Option<String>,
    updated_at: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    definition: Value,
}

fn definition_response(r: &DashboardRecord, d: &tinhso_ioc::Dashboard, format: Option<&str>) -> ApiResult<Response> {
    match format.unwrap_or("json") {
        "json" => Ok(Json(DashboardDto {
            version: r.version,
            builtin: r.builtin,
            updated_by: r.updated_by.clone(),
            updated_at: rfc3339(r.updated_at),
            definition: d.to_json(),
        })
        .into_response()),
        "yaml" => Ok((
            [
                (header::CONTENT_TYPE, "application/yaml; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}.yaml\"", r.slug)),
            ],
            d.to_yaml(),
        )
            .into_response()),
        other => Err(bad_format(other, "json, yaml").into()),
    }
}

fn bad_format(f: &str, allowed: &str) -> Error {
    Error::invalid(
        "format",
        format!("Định dạng «{f}» không có (dùng {allowed})."),
        format!("There is no format «{f}» (use {allowed})."),
    )
}

/// Một bảng điều khiển — A dashboard's definition (JSON, or YAML with `format=yaml`)
#[utoipa::path(get, path = "/api/v1/dashboards/{slug}", tag = "dashboards", params(("slug" = String, Path), FormatQuery),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "The definition", content((DashboardDto = "application/json"), (String = "application/yaml"))),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn show(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    may_view(c.role())?;
    let (r, d) = s.ioc.get(&slug).await?;
    definition_response(&r, &d, q.format.as_deref())
}

/// Tạo bảng điều khiển — Create (import) a dashboard from its YAML or JSON definition
///
/// DX office and system administrators. The body is the definition itself.
#[utoipa::path(post, path = "/api/v1/dashboards", tag = "dashboards",
    request_body(content = String, description = "The definition, YAML or JSON", content_type = "application/yaml"),
    security(("api_key" = []), ("session" = [])),
    responses((status = 201, body = DashboardDto), (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 409, response = Conflict)))]
async fn create(State(s): State<AppState>, c: Caller, body: String) -> ApiResult<Response> {
    let (r, d) = s.ioc.create(&c.user, &body).await?;
    tracing::info!(actor = %c.user.username, dashboard = %r.slug, "dashboard created");
    Ok((StatusCode::CREATED, definition_response(&r, &d, None)?).into_response())
}

/// Lưu phiên bản mới — Save a new version of a dashboard
///
/// The body is the whole definition (YAML or JSON). With `If-Match: "N"` the
/// save is refused (409) when the current version is not N.
#[utoipa::path(put, path = "/api/v1/dashboards/{slug}", tag = "dashboards", params(("slug" = String, Path),
        ("If-Match" = Option<String>, Header, description = "The version edited, e.g. \"3\"")),
    request_body(content = String, description = "The definition, YAML or JSON", content_type = "application/yaml"),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, body = DashboardDto), (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound), (status = 409, response = Conflict)))]
async fn save(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(slug): ApiPath<String>,
    headers: HeaderMap,
    body: String,
) -> ApiResult<Response> {
    let expected = match headers.get(header::IF_MATCH).map(|v| v.to_str().unwrap_or("")) {
        None => None,
        Some(v) => Some(v.trim().trim_matches('"').parse::<i64>().map_err(|_| {
            Error::invalid(
                "If-Match",
                "If-Match phải là số phiên bản, ví dụ \"3\".",
                "If-Match must be a version number, e.g. \"3\".",
            )
        })?),
    };
    let (r, d) = s.ioc.save(&c.user, &slug, &body, expected).await?;
    tracing::info!(actor = %c.user.username, dashboard = %slug, version = r.version, "dashboard saved");
    definition_response(&r, &d, None)
}

#[derive(Serialize, ToSchema)]
pub struct DashboardVersionDto {
    version: i64,
    saved_by: Option<String>,
    saved_at: String,
    #[schema(value_type = Object)]
    definition: Value,
}

#[derive(Serialize, ToSchema)]
pub struct DashboardVersionsDto {
    slug: String,
    versions: Vec<DashboardVersionDto>,
}

/// Lịch sử phiên bản — Every saved version of a dashboard, newest first
#[utoipa::path(get, path = "/api/v1/dashboards/{slug}/versions", tag = "dashboards", params(("slug" = String, Path)),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, body = DashboardVersionsDto), (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn versions(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<DashboardVersionsDto>> {
    may_view(c.role())?;
    let vs = s.store.dashboard_versions(&slug).await?;
    Ok(Json(DashboardVersionsDto {
        slug,
        versions: vs
            .into_iter()
            .map(|v| DashboardVersionDto {
                version: v.version,
                saved_by: v.saved_by,
                saved_at: rfc3339(v.saved_at),
                definition: serde_json::from_str(&v.definition).unwrap_or(Value::Null),
            })
            .collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PanelQuery {
    /// First day (YYYY-MM-DD or dd/mm/yyyy); default: the dashboard's period.
    from: Option<String>,
    /// Last day; default today.
    to: Option<String>,
    /// A commune code of the province (e.g. 21553).
    commune: Option<String>,
    /// An agency code (e.g. SYT).
    agency: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    format: Option<String>,
}

/// A panel's rows.
#[derive(Serialize, ToSchema)]
pub struct PanelDataDto {
    panel: String,
    columns: Vec<String>,
    /// Arrow type of each column.
    types: Vec<String>,
    #[schema(value_type = Vec<Vec<Object>>)]
    rows: Vec<Vec<Value>>,
    truncated: bool,
    /// The filters applied (`from`, `to`, `commune`, `agency`).
    #[schema(value_type = Object)]
    filters: Value,
    /// Answered from the result cache.
    cached: bool,
    elapsed_ms: u64,
    /// The version of each dataset read.
    #[schema(value_type = Object)]
    versions: Value,
    /// The SQL that ran, parameters substituted.
    sql: String,
}

/// Dữ liệu một ô — A panel's rows (JSON, CSV or XLSX)
///
/// The panel's SQL over the warehouse as the caller may read it (grants and
/// masks apply; every read is audited). Results are cached per caller and
/// filters until a dataset read gets a new version; `Cache-Control: no-cache`
/// computes afresh.
#[utoipa::path(get, path = "/api/v1/dashboards/{slug}/panels/{id}/data", tag = "dashboards",
    params(("slug" = String, Path), ("id" = String, Path), PanelQuery),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "The rows", content((PanelDataDto = "application/json"), (String = "text/csv"),
            (crate::datasets::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn panel_data(
    State(s): State<AppState>,
    c: Caller,
    ApiPath((slug, id)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<PanelQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    may_view(c.role())?;
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv" | "xlsx") {
        return Err(bad_format(format, "json, csv, xlsx").into());
    }
    let no_cache = headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-cache") || v.contains("no-store"));
    let raw = RawFilters { from: q.from, to: q.to, commune: q.commune, agency: q.agency };
    let data = s.ioc.panel_data(&c.actor(), &slug, &id, &raw, !no_cache).await?;
    metrics::counter!("tinhso_panel_requests_total", "cached" => if data.cached { "yes" } else { "no" }).increment(1);
    match format {
        "json" => Ok(Json(PanelDataDto {
            panel: data.panel,
            columns: data.columns,
            types: data.types,
            rows: data.rows,
            truncated: data.truncated,
            filters: serde_json::to_value(&data.filters).unwrap_or(Value::Null),
            cached: data.cached,
            elapsed_ms: data.elapsed_ms,
            versions: serde_json::to_value(&data.versions).unwrap_or(Value::Null),
            sql: data.sql,
        })
        .into_response()),
        f => Ok(crate::datasets::rows_file(&format!("{slug}-{id}"), &data.columns, &data.rows, f)?),
    }
}

// ---------------------------------------------------------------- alerts

#[derive(Serialize, ToSchema)]
pub struct AlertRuleDto {
    id: i64,
    name: String,
    dashboard: String,
    panel: String,
    column: String,
    op: String,
    threshold: f64,
    #[schema(value_type = Object)]
    filters: Value,
    in_app: bool,
    emails: Vec<String>,
    webhook: String,
    enabled: bool,
    /// `unknown` (never checked), `ok`, `firing` or `error`.
    state: String,
    last_value: Option<f64>,
    last_checked_at: Option<String>,
}

pub(crate) fn rule_dto(r: &AlertRule) -> AlertRuleDto {
    AlertRuleDto {
        id: r.id,
        name: r.name.clone(),
        dashboard: r.dashboard_slug.clone(),
        panel: r.panel_id.clone(),
        column: r.column.clone(),
        op: r.op.clone(),
        threshold: r.threshold,
        filters: serde_json::from_str(&r.filters).unwrap_or(Value::Null),
        in_app: r.in_app,
        emails: serde_json::from_str(&r.emails).unwrap_or_default(),
        webhook: r.webhook.clone(),
        enabled: r.enabled,
        state: r.state.clone(),
        last_value: r.last_value,
        last_checked_at: r.last_checked_at.map(rfc3339),
    }
}

#[derive(Serialize, ToSchema)]
pub struct AlertRulesDto {
    rules: Vec<AlertRuleDto>,
}

/// Quy tắc cảnh báo — The alert rules
#[utoipa::path(get, path = "/api/v1/alerts", tag = "dashboards", security(("api_key" = []), ("session" = [])),
    responses((status = 200, body = AlertRulesDto), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn list_alerts(State(s): State<AppState>, c: Caller) -> ApiResult<Json<AlertRulesDto>> {
    may_view(c.role())?;
    Ok(Json(AlertRulesDto { rules: s.store.alert_rules().await?.iter().map(rule_dto).collect() }))
}

/// A new alert rule: fires when a row of the panel has `column op threshold`.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct AlertBody {
    name: String,
    dashboard: String,
    panel: String,
    column: String,
    /// `<`, `<=`, `>`, `>=`, `=`, `!=`
    op: String,
    threshold: f64,
    /// `from`, `to`, `commune`, `agency`.
    #[schema(value_type = Object)]
    filters: Option<Value>,
    in_app: Option<bool>,
    emails: Option<Vec<String>>,
    webhook: Option<String>,
}

/// Tạo cảnh báo — Create an alert rule on a panel's value (DX office)
#[utoipa::path(post, path = "/api/v1/alerts", tag = "dashboards", request_body = AlertBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 201, body = AlertRuleDto), (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn create_alert(
    State(s): State<AppState>,
    c: Caller,
    JsonBody(input): JsonBody<AlertInput>,
) -> ApiResult<(StatusCode, Json<AlertRuleDto>)> {
    if !may_edit(c.role()) {
        return Err(Error::forbidden().into());
    }
    let r = s.ioc.create_alert(&c.user, &input).await?;
    tracing::info!(actor = %c.user.username, rule = r.id, "alert rule created");
    Ok((StatusCode::CREATED, Json(rule_dto(&r))))
}

#[derive(Deserialize, ToSchema)]
struct EnabledBody {
    enabled: bool,
}

/// Bật, tắt cảnh báo — Turn an alert rule on or off
#[utoipa::path(post, path = "/api/v1/alerts/{id}/enabled", tag = "dashboards", params(("id" = i64, Path)), request_body = EnabledBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, body = AlertRuleDto), (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound)))]
async fn set_alert_enabled(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
    JsonBody(b): JsonBody<EnabledBody>,
) -> ApiResult<Json<AlertRuleDto>> {
    let r = s.store.set_alert_enabled(&c.user, id, b.enabled).await?;
    Ok(Json(rule_dto(&r)))
}

#[derive(Serialize, ToSchema)]
pub struct CheckDto {
    rule: i64,
    name: String,
    state: String,
    value: Option<f64>,
    detail: String,
    /// The history entry, when the state changed.
    event: Option<i64>,
    #[schema(value_type = Vec<Object>)]
    deliveries: Vec<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct ChecksDto {
    checks: Vec<CheckDto>,
}

/// Kiểm tra cảnh báo ngay — Check every enabled rule now (DX office)
///
/// The server also checks them every `alert_interval_seconds`.
#[utoipa::path(post, path = "/api/v1/alerts/check", tag = "dashboards", security(("api_key" = []), ("session" = [])),
    responses((status = 200, body = ChecksDto), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn check_alerts(State(s): State<AppState>, c: Caller) -> ApiResult<Json<ChecksDto>> {
    if !may_edit(c.role()) {
        return Err(Error::forbidden().into());
    }
    let out = s.ioc.check_alerts().await?;
    Ok(Json(ChecksDto {
        checks: out
            .into_iter()
            .map(|o| CheckDto {
                rule: o.rule,
                name: o.name,
                state: o.state,
                value: o.value,
                detail: o.detail,
                event: o.event,
                deliveries: o.deliveries,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AlertEventDto {
    id: i64,
    rule: i64,
    rule_name: String,
    at: String,
    state: String,
    value: Option<f64>,
    detail: String,
    #[schema(value_type = Vec<Object>)]
    deliveries: Value,
}

pub(crate) fn event_dto(e: &AlertEvent) -> AlertEventDto {
    AlertEventDto {
        id: e.id,
        rule: e.rule_id,
        rule_name: e.rule_name.clone(),
        at: rfc3339(e.at),
        state: e.state.clone(),
        value: e.value,
        detail: e.detail.clone(),
        deliveries: serde_json::from_str(&e.deliveries).unwrap_or(Value::Null),
    }
}

#[derive(Serialize, ToSchema)]
pub struct AlertEventsDto {
    events: Vec<AlertEventDto>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// One rule's history.
    rule: Option<i64>,
    /// At most this many (default 100, max 1000).
    limit: Option<i64>,
}

/// Lịch sử cảnh báo — The alert history (state changes and deliveries), newest first
#[utoipa::path(get, path = "/api/v1/alerts/events", tag = "dashboards", params(EventsQuery),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, body = AlertEventsDto), (status = 400, response = BadRequest), (status = 401, response = Unauthorized), (status = 403, response = Forbidden)))]
async fn alert_events(
    State(s): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> ApiResult<Json<AlertEventsDto>> {
    may_view(c.role())?;
    let ev = s.store.alert_events(q.rule, q.limit.unwrap_or(100)).await?;
    Ok(Json(AlertEventsDto { events: ev.iter().map(event_dto).collect() }))
}

// ---------------------------------------------------------------- notifications

#[derive(Serialize, ToSchema)]
pub struct NotificationDto {
    id: i64,
    title: String,
    body: String,
    title_vi: String,
    title_en: String,
    link: String,
    created_at: String,
    read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationsDto {
    unread: i64,
    notifications: Vec<NotificationDto>,
}

fn notification_dto(n: &Notification, lang: tinhso_domain::Lang) -> NotificationDto {
    let en = lang == tinhso_domain::Lang::En;
    NotificationDto {
        id: n.id,
        title: if en { n.title_en.clone() } else { n.title_vi.clone() },
        body: if en { n.body_en.clone() } else { n.body_vi.clone() },
        title_vi: n.title_vi.clone(),
        title_en: n.title_en.clone(),
        link: n.link.clone(),
        created_at: rfc3339(n.created_at),
        read: n.read_at.is_some(),
    }
}

/// Thông báo — The caller's in-app notifications (alerts), newest first
#[utoipa::path(get, path = "/api/v1/notifications", tag = "dashboards", security(("api_key" = []), ("session" = [])),
    responses((status = 200, body = NotificationsDto), (status = 401, response = Unauthorized)))]
async fn notifications(
    State(s): State<AppState>,
    c: Caller,
    crate::auth::L(lang): crate::auth::L,
) -> ApiResult<Json<NotificationsDto>> {
    let list = s.store.notifications(c.user.id, 100).await?;
    Ok(Json(NotificationsDto {
        unread: s.store.unread_notifications(c.user.id).await?,
        notifications: list.iter().map(|n| notification_dto(n, lang)).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
struct ReadBody {
    /// One notification; all of them when absent.
    id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReadDto {
    marked: u64,
}

/// Đánh dấu đã đọc — Mark notifications read
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "dashboards", request_body = ReadBody,
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, body = ReadDto), (status = 400, response = BadRequest), (status = 401, response = Unauthorized)))]
async fn read_notifications(
    State(s): State<AppState>,
    c: Caller,
    JsonBody(b): JsonBody<ReadBody>,
) -> ApiResult<Json<ReadDto>> {
    Ok(Json(ReadDto { marked: s.store.mark_notifications_read(c.user.id, b.id).await? }))
}
