//! The data sharing gateway over HTTP: rows of a dataset (JSON, CSV, Parquet,
//! Arrow IPC stream), one row by key, what the caller may read, access
//! requests and grants, information systems and their keys, and the audit
//! log. Every rule lives in the warehouse (`tinhso_warehouse::gateway`); this
//! module parses requests, enforces rate limits and writes the wire format.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tinhso_domain::{Error, ErrorKind, Role, Scope};
use tinhso_store::{ApiKeyAccess, AuditQuery, AuditRecord, GrantRecord, System};
use tinhso_warehouse::deltalake::arrow::array::RecordBatch;
use tinhso_warehouse::{Actor, Filter, GrantDecision, GrantRequest, RowPage, RowQuery};
use utoipa::{IntoParams, ToSchema};

use crate::api::{ApiPath, ApiQuery};
use crate::auth::{Caller, SESSION_COOKIE};
use crate::datasets::{attachment, FileBytes, CSV_TYPE};
use crate::error::ApiResult;
use crate::openapi::{BadRequest, Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/datasets/{slug}/rows", get(rows))
        .route("/api/v1/datasets/{slug}/rows/{key}", get(row))
        .route("/api/v1/datasets/{slug}/access", get(my_access))
        .route("/api/v1/grants", get(list_grants))
        .route("/api/v1/grants/requests", post(request_grant))
        .route("/api/v1/grants/{id}", get(show_grant))
        .route("/api/v1/grants/requests/{id}/approve", post(approve_grant))
        .route("/api/v1/grants/requests/{id}/refuse", post(refuse_grant))
        .route("/api/v1/grants/{id}/revoke", post(revoke_grant))
        .route("/api/v1/systems", get(list_systems).post(create_system))
        .route("/api/v1/systems/{code}/keys", post(create_system_key))
        .route("/api/v1/audit", get(audit_log))
}

// ---------------------------------------------------------------- callers and limits

/// A caller who may be anonymous (open data): no credentials → the public;
/// credentials that fail → 401, never a silent downgrade.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let has_credentials = parts.headers.contains_key(header::AUTHORIZATION)
            || crate::auth::cookie(&parts.headers, SESSION_COOKIE).is_some();
        if !has_credentials {
            return Ok(MaybeCaller(None));
        }
        Ok(MaybeCaller(Some(Caller::from_request_parts(parts, state).await?)))
    }
}

impl MaybeCaller {
    fn actor(&self, request_id: &str) -> Actor {
        match &self.0 {
            Some(c) => c.actor(),
            None => Actor::public(request_id),
        }
    }
}

/// One token bucket per API key: `per_minute` requests a minute, bursts up to a
/// tenth of a minute's worth (at least 10).
pub fn rate_limit(key: &str, per_minute: i64) -> Result<(), Error> {
    static BUCKETS: OnceLock<Mutex<HashMap<String, (f64, Instant)>>> = OnceLock::new();
    let per_sec = per_minute.max(1) as f64 / 60.0;
    let burst = (per_minute as f64 / 10.0).max(10.0);
    let mut b = BUCKETS.get_or_init(Default::default).lock().expect("buckets");
    let now = Instant::now();
    let (tokens, at) = b.entry(key.to_string()).or_insert((burst, now));
    *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * per_sec).min(burst);
    *at = now;
    if *tokens < 1.0 {
        return Err(Error::new(
            ErrorKind::TooMany,
            format!("Khoá API vượt giới hạn {per_minute} yêu cầu/phút. Hãy thử lại sau giây lát."),
            format!("The API key exceeded its limit of {per_minute} requests per minute. Retry shortly."),
        ));
    }
    *tokens -= 1.0;
    Ok(())
}

/// Counts gateway traffic per consumer and dataset for `/metrics`.
fn count(actor: &Actor, dataset: &str, outcome: &str, rows: usize, started: Instant) {
    let consumer = if !actor.who.system_code.is_empty() {
        actor.who.system_code.clone()
    } else if !actor.who.agency_code.is_empty() {
        actor.who.agency_code.clone()
    } else {
        actor.who.username.clone()
    };
    let labels = [("consumer", consumer), ("dataset", dataset.to_string()), ("outcome", outcome.to_string())];
    metrics::counter!("tinhso_gateway_requests_total", &labels).increment(1);
    metrics::counter!("tinhso_gateway_rows_total", &labels).increment(rows as u64);
    metrics::histogram!("tinhso_gateway_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
}

// ---------------------------------------------------------------- rows

const RESERVED: [&str; 7] = ["select", "sort", "limit", "cursor", "format", "q", "version"];

/// Parses the rows query string: reserved parameters, every other one a filter.
pub fn parse_row_query(pairs: &[(String, String)]) -> Result<(RowQuery, String), Error> {
    let mut q = RowQuery { limit: 100, ..Default::default() };
    let mut format = "json".to_string();
    let mut seen = std::collections::HashSet::new();
    for (k, v) in pairs {
        if RESERVED.contains(&k.as_str()) && !seen.insert(k.clone()) {
            return Err(Error::invalid(k, format!("Tham số «{k}» lặp lại."), format!("Parameter «{k}» is repeated.")));
        }
        match k.as_str() {
            "select" => q.select = Some(v.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect()),
            "sort" => {
                for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    match part.strip_prefix('-') {
                        Some(c) => q.sort.push((c.to_string(), true)),
                        None => q.sort.push((part.trim_start_matches('+').to_string(), false)),
                    }
                }
            }
            "limit" => {
                q.limit = v.trim().parse().map_err(|_| {
                    Error::invalid(
                        "limit",
                        format!("limit «{v}» phải là số nguyên dương."),
                        format!("limit «{v}» must be a positive integer."),
                    )
                })?
            }
            "cursor" => {
                // A cursor is hex (`next_cursor`); anything else is refused here, before
                // the warehouse slices it by byte offsets.
                if !v.is_ascii() {
                    return Err(Error::invalid(
                        "cursor",
                        "Con trỏ trang (cursor) không hợp lệ: hãy dùng giá trị next_cursor của trang trước.",
                        "The page cursor is invalid: use the next_cursor value of the previous page.",
                    ));
                }
                q.cursor = Some(v.clone())
            }
            "format" => format = v.trim().to_ascii_lowercase(),
            "q" => q.q = Some(v.clone()),
            "version" => {
                q.version = Some(v.trim().parse().map_err(|_| {
                    Error::invalid(
                        "version",
                        format!("Phiên bản «{v}» phải là số."),
                        format!("Version «{v}» must be a number."),
                    )
                })?)
            }
            col => q.filters.push(Filter::parse(col, v)?),
        }
    }
    q.max_limit = match format.as_str() {
        "json" => tinhso_warehouse::MAX_PAGE_JSON,
        "csv" | "parquet" | "arrow" => tinhso_warehouse::MAX_PAGE_FILE,
        other => {
            return Err(Error::invalid(
                "format",
                format!("Định dạng «{other}» không hỗ trợ; dùng json, csv, parquet hoặc arrow."),
                format!("Format «{other}» is not supported; use json, csv, parquet or arrow."),
            ))
        }
    };
    Ok((q, format))
}

/// The reserved parameters of the rows query; every other parameter is a
/// filter (`column=op.value`), so these are documented, not deserialised.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct RowParams {
    /// Các cột trả về, cách nhau bởi dấu phẩy — The columns to return, comma-separated
    /// (every column the caller may read by default).
    #[param(example = "ma_diem,ten_diem")]
    select: Option<String>,
    /// Sắp xếp — Columns to sort by, comma-separated; `-column` sorts descending.
    #[param(example = "-ma_diem")]
    sort: Option<String>,
    /// Số dòng một trang — Rows per page: 100 by default, at most 10,000 as JSON and
    /// 100,000 as a file (CSV, Parquet, Arrow).
    #[param(minimum = 1, maximum = 100_000)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page (also in the `X-Next-Cursor` header).
    cursor: Option<String>,
    /// Định dạng — `json` (default), `csv` (UTF-8 with BOM), `parquet` or `arrow` (Arrow IPC stream).
    #[param(inline)]
    format: Option<RowFormat>,
    /// Tìm kiếm — Free text searched in the text columns, diacritics and case ignored.
    q: Option<String>,
    /// Phiên bản — A past version's number; the newest by default.
    version: Option<i64>,
}

/// The format of a page of rows.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum RowFormat {
    Json,
    Csv,
    Parquet,
    Arrow,
}

/// Đọc dữ liệu qua cổng — A dataset's rows through the sharing gateway
///
/// A page of the rows the caller may read, as JSON, CSV, Parquet or an Arrow
/// IPC stream: only the columns and rows the caller's basis allows (owner,
/// grant, province-wide role, open zone), personal data masked unless the
/// grant unmasks it. Every read is written to the audit log.
///
/// Open-zone datasets are readable without credentials; any other dataset
/// needs an API key or a session (credentials that fail are a 401, never a
/// silent downgrade to the public).
///
/// Bộ lọc — Filters: every query parameter other than `select`, `sort`,
/// `limit`, `cursor`, `format`, `q` and `version` filters on the column it
/// names, as `column=op.value`: `eq.x` (or just `x`), `neq.x`, `in.(x,y)`,
/// `gt.x`, `gte.x`, `lt.x`, `lte.x`, `like.x` (contains, diacritics and case
/// ignored), `is.null`, `not.null`. For example
/// `?xa=in.(21550,21583)&nam_bao_cao=gte.2023&sort=-nam_bao_cao&limit=50`.
/// Filters combine with AND; filtering on a column the caller may not read is a 403.
///
/// Pages: pass `next_cursor` (JSON, or the `X-Next-Cursor` header) as `cursor`
/// with the same parameters; it is null on the last page.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{slug}/rows",
    tag = "gateway",
    params(("slug" = String, Path, description = "The dataset's slug", example = "diem-du-lich"), RowParams),
    security((), ("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "A page of rows",
            content(
                (RowPageDto = "application/json"),
                (String = "text/csv"),
                (FileBytes = "application/vnd.apache.parquet"),
                (FileBytes = "application/vnd.apache.arrow.stream"),
            ),
            headers(
                ("x-dataset-version" = i64, description = "The version read"),
                ("x-masked-columns" = String, description = "The columns shown masked, comma-separated"),
                ("x-next-cursor" = String, description = "The cursor of the next page; absent on the last page"),
            )),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn rows(
    State(s): State<AppState>,
    caller: MaybeCaller,
    headers: axum::http::HeaderMap,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let started = Instant::now();
    let actor = caller.actor(&crate::auth::request_id(&headers));
    let parsed = parse_row_query(&pairs);
    let result = match parsed {
        Ok((q, format)) => s.warehouse.read_rows(&actor, &slug, &q).await.map(|p| (p, format)),
        // Malformed requests are refused before reading, and audited as attempts.
        Err(e) => Err(s.warehouse.audit_failure(&actor, "rows.read", &slug, e).await),
    };
    match result {
        Ok((page, format)) => {
            count(&actor, &slug, "ok", page.rows, started);
            Ok(page_response(page, &format)?)
        }
        Err(e) => {
            count(&actor, &slug, tinhso_warehouse::gateway::outcome_of(e.kind), 0, started);
            Err(e.into())
        }
    }
}

fn page_response(page: RowPage, format: &str) -> Result<Response, Error> {
    let name = format!("{}-v{}", page.slug, page.version);
    let mut resp = match format {
        "json" => {
            let columns: Vec<String> = page.schema.fields().iter().map(|f| f.name().clone()).collect();
            let rows: Vec<serde_json::Map<String, serde_json::Value>> =
                tinhso_warehouse::sql::to_json_rows(&page.batches)
                    .into_iter()
                    .map(|r| columns.iter().cloned().zip(r).collect())
                    .collect();
            Json(RowPageDto {
                dataset: page.slug.clone(),
                version: page.version,
                columns,
                masked: page.masked.clone(),
                basis: page.basis.clone(),
                count: page.rows,
                next_cursor: page.next_cursor.clone(),
                rows,
            })
            .into_response()
        }
        "csv" => {
            let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
            let columns: Vec<String> = page.schema.fields().iter().map(|f| f.name().clone()).collect();
            w.write_record(&columns).map_err(Error::internal)?;
            for r in tinhso_warehouse::sql::to_text_rows(&page.batches) {
                w.write_record(&r).map_err(Error::internal)?;
            }
            attachment(CSV_TYPE, &format!("{name}.csv"), w.into_inner().map_err(Error::internal)?)
        }
        "parquet" => attachment("application/vnd.apache.parquet", &format!("{name}.parquet"), parquet_bytes(&page)?),
        _ => attachment("application/vnd.apache.arrow.stream", &format!("{name}.arrows"), arrow_bytes(&page)?),
    };
    let h = resp.headers_mut();
    if let Some(c) = &page.next_cursor {
        if let Ok(v) = HeaderValue::from_str(c) {
            h.insert("x-next-cursor", v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&page.version.to_string()) {
        h.insert("x-dataset-version", v);
    }
    if let Ok(v) = HeaderValue::from_str(&page.masked.join(",")) {
        h.insert("x-masked-columns", v);
    }
    Ok(resp)
}

fn parquet_bytes(page: &RowPage) -> Result<Vec<u8>, Error> {
    use tinhso_warehouse::deltalake::parquet::arrow::ArrowWriter;
    let mut buf = Vec::new();
    let mut w = ArrowWriter::try_new(&mut buf, page.schema.clone(), None).map_err(Error::internal)?;
    for b in &page.batches {
        w.write(b).map_err(Error::internal)?;
    }
    w.close().map_err(Error::internal)?;
    Ok(buf)
}

fn arrow_bytes(page: &RowPage) -> Result<Vec<u8>, Error> {
    use tinhso_warehouse::deltalake::arrow::ipc::writer::StreamWriter;
    let mut buf = Vec::new();
    let mut w = StreamWriter::try_new(&mut buf, &page.schema).map_err(Error::internal)?;
    for b in &page.batches {
        let b: &RecordBatch = b;
        w.write(b).map_err(Error::internal)?;
    }
    w.finish().map_err(Error::internal)?;
    drop(w);
    Ok(buf)
}

/// A page of rows read through the gateway.
#[derive(Serialize, ToSchema)]
pub struct RowPageDto {
    /// The dataset's slug.
    pub dataset: String,
    /// The version read.
    pub version: i64,
    /// The columns returned, in order.
    pub columns: Vec<String>,
    /// Personal-data columns shown masked.
    pub masked: Vec<String>,
    /// Why the caller may read: `owner`, `grant:N`, `province`, `open`, `operator`.
    pub basis: String,
    /// Rows in this page.
    pub count: usize,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// One object per row: column → value (text, number, boolean or null).
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// One row read by its key.
#[derive(Serialize, ToSchema)]
pub struct RowDto {
    pub dataset: String,
    /// The version read.
    pub version: i64,
    /// The key as given.
    pub key: String,
    /// Personal-data columns shown masked.
    pub masked: Vec<String>,
    /// Column → value, only the columns the caller may read.
    #[schema(value_type = Object)]
    pub row: serde_json::Map<String, serde_json::Value>,
}

/// Một dòng theo khoá — One row by its key
///
/// The row whose key is `key` in the newest version, with the same columns,
/// row filter and masking as `/rows`; audited. A row outside the caller's rows
/// is a 404. Open-zone datasets are readable without credentials.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{slug}/rows/{key}",
    tag = "gateway",
    params(
        ("slug" = String, Path, description = "The dataset's slug", example = "diem-du-lich"),
        ("key" = String, Path, description = "The row's key; the parts of a composite key joined with `|`", example = "DL001"),
    ),
    security((), ("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The row", body = RowDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn row(
    State(s): State<AppState>,
    caller: MaybeCaller,
    headers: axum::http::HeaderMap,
    ApiPath((slug, key)): ApiPath<(String, String)>,
) -> ApiResult<Json<RowDto>> {
    let started = Instant::now();
    let actor = caller.actor(&crate::auth::request_id(&headers));
    match s.warehouse.read_row(&actor, &slug, &key).await {
        Ok((version, cells, masked)) => {
            count(&actor, &slug, "ok", 1, started);
            Ok(Json(RowDto { dataset: slug, version, key, masked, row: cells.into_iter().collect() }))
        }
        Err(e) => {
            count(&actor, &slug, tinhso_warehouse::gateway::outcome_of(e.kind), 0, started);
            Err(e.into())
        }
    }
}

/// What the caller may read of a dataset, and why.
#[derive(Serialize, ToSchema)]
pub struct AccessDto {
    pub dataset: String,
    /// Why the caller may read: `owner`, `grant:N`, `province`, `open`, `operator`.
    pub basis: String,
    /// The columns the caller may read, with their masks.
    pub columns: Vec<AccessColumnDto>,
    /// The rows the caller may read: column → allowed values (empty: every row).
    pub row_filter: HashMap<String, Vec<String>>,
    /// The purpose of the grant, when reading through one.
    pub purpose: String,
}

/// A readable column.
#[derive(Serialize, ToSchema)]
pub struct AccessColumnDto {
    pub name: String,
    /// The mask applied (`cccd`, `phone`, `initials`, `year`, `email`, `hidden`), or null in clear.
    pub mask: Option<String>,
}

/// Quyền đọc của tôi — What the caller may read of a dataset, and why
///
/// The columns (with their masks), the row filter and the basis; a 403 when
/// the caller may not read the dataset at all (ask with `POST /api/v1/grants/requests`).
/// Open-zone datasets answer without credentials.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{slug}/access",
    tag = "gateway",
    params(("slug" = String, Path, description = "The dataset's slug", example = "diem-du-lich")),
    security((), ("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "What the caller may read", body = AccessDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn my_access(
    State(s): State<AppState>,
    caller: MaybeCaller,
    headers: axum::http::HeaderMap,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<AccessDto>> {
    let actor = caller.actor(&crate::auth::request_id(&headers));
    let a = s.warehouse.access(&actor, &slug).await?;
    Ok(Json(AccessDto {
        dataset: slug,
        basis: a.basis.as_str(),
        columns: a
            .columns
            .iter()
            .map(|c| AccessColumnDto { name: c.name.clone(), mask: c.mask.map(|m| m.as_str().to_string()) })
            .collect(),
        row_filter: a.row_filter.iter().cloned().collect(),
        purpose: a.purpose.clone(),
    }))
}

// ---------------------------------------------------------------- grants

/// A request for access to a dataset, made by the caller's agency (or the
/// caller's system, with a system key).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequestBody {
    /// The dataset's slug.
    #[schema(example = "truong-hoc")]
    pub dataset: String,
    /// Mục đích sử dụng — What the data is for (10 to 1,000 characters).
    #[schema(min_length = 10, max_length = 1000)]
    pub purpose: String,
    /// Căn cứ pháp lý — The legal basis, if any.
    #[serde(default)]
    pub legal_basis: String,
    /// The columns asked for.
    pub columns: Vec<String>,
    /// The rows asked for: column → a value or a list of values, e.g.
    /// `{"xa": ["21583"]}`; absent or null for every row.
    #[serde(default)]
    #[schema(value_type = Option<HashMap<String, Vec<String>>>)]
    pub row_filter: serde_json::Value,
    /// For how many days (1 to 1,098: three years).
    #[schema(minimum = 1, maximum = 1098)]
    pub days: i64,
}

/// The owner's decision: what is granted, within what was asked (the request's
/// terms for whatever is left out).
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// The columns granted (a subset of those asked).
    pub columns: Option<Vec<String>>,
    /// The rows granted: column → values.
    #[schema(value_type = Option<HashMap<String, Vec<String>>>)]
    pub row_filter: Option<serde_json::Value>,
    /// For how many days (no longer than asked).
    pub days: Option<i64>,
    /// Personal-data columns granted in clear.
    pub unmasked: Option<Vec<String>>,
}

/// Why a request is refused or a grant revoked.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// 5 to 1,000 characters.
    #[schema(min_length = 5, max_length = 1000)]
    pub reason: String,
}

/// A request for access and, once decided, the grant.
#[derive(Serialize, ToSchema)]
pub struct GrantDto {
    pub id: i64,
    /// The dataset's slug.
    pub dataset: String,
    pub dataset_name: String,
    /// The owner agency's code.
    pub owner: String,
    /// The consumer agency's code.
    pub consumer_agency: String,
    pub consumer_agency_name: String,
    /// The consumer system's code, when a system asked.
    pub consumer_system: Option<String>,
    pub purpose: String,
    pub legal_basis: String,
    /// `pending`, `approved`, `refused` or `revoked`.
    pub status: String,
    /// Active now: approved, not revoked, not expired.
    pub active: bool,
    /// The terms asked for.
    pub requested: GrantTermsDto,
    /// The terms granted, once approved.
    pub granted: Option<GrantTermsDto>,
    /// The name of the user who asked.
    pub requested_by: String,
    /// Unix seconds.
    pub requested_at: i64,
    /// Unix seconds.
    pub decided_at: Option<i64>,
    /// Unix seconds.
    pub expires_at: Option<i64>,
    /// Unix seconds.
    pub revoked_at: Option<i64>,
    /// Why it was refused or revoked.
    pub reason: String,
}

/// The terms of a request or a grant.
#[derive(Serialize, ToSchema)]
pub struct GrantTermsDto {
    pub columns: Vec<String>,
    /// Column → allowed values; null or empty for every row.
    pub row_filter: serde_json::Value,
    /// Duration in days.
    pub days: Option<i64>,
    /// Personal-data columns in clear.
    pub unmasked: Vec<String>,
}

pub fn grant_dto(g: &GrantRecord) -> GrantDto {
    let json = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap_or(serde_json::Value::Null);
    let list = |s: &str| serde_json::from_str::<Vec<String>>(s).unwrap_or_default();
    GrantDto {
        id: g.id,
        dataset: g.dataset_slug.clone(),
        dataset_name: g.dataset_name.clone(),
        owner: g.owner_code.clone(),
        consumer_agency: g.agency_code.clone(),
        consumer_agency_name: g.agency_name.clone(),
        consumer_system: g.system_code.clone(),
        purpose: g.purpose.clone(),
        legal_basis: g.legal_basis.clone(),
        status: g.status.clone(),
        active: g.active_at(tinhso_store::now()),
        requested: GrantTermsDto {
            columns: list(&g.columns),
            row_filter: json(&g.row_filter),
            days: Some(g.days),
            unmasked: vec![],
        },
        granted: g.granted_columns.as_ref().map(|c| GrantTermsDto {
            columns: list(c),
            row_filter: json(g.granted_row_filter.as_deref().unwrap_or("{}")),
            days: match (g.decided_at, g.expires_at) {
                (Some(d), Some(e)) => Some((e - d + 43_200) / 86_400),
                _ => None,
            },
            unmasked: list(g.unmasked.as_deref().unwrap_or("[]")),
        }),
        requested_by: g.requested_by_name.clone(),
        requested_at: g.requested_at,
        decided_at: g.decided_at,
        expires_at: g.expires_at,
        revoked_at: g.revoked_at,
        reason: g.reason.clone(),
    }
}

fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::invalid("body", format!("Nội dung JSON không hợp lệ: {e}"), format!("Invalid JSON body: {e}"))
    })
}

/// Xin cấp quyền — Ask for access to a dataset
///
/// The owner decides (`approve` or `refuse`); until then the request is
/// `pending`. With a system's key the request is the system's.
#[utoipa::path(
    post,
    path = "/api/v1/grants/requests",
    tag = "gateway",
    request_body(content = GrantRequestBody, content_type = "application/json"),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 201, description = "The request, pending", body = GrantDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
    )
)]
async fn request_grant(
    State(s): State<AppState>,
    c: Caller,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<GrantDto>)> {
    let b: GrantRequestBody = json_body(&body)?;
    let r = GrantRequest {
        dataset: b.dataset,
        purpose: b.purpose,
        legal_basis: b.legal_basis,
        columns: b.columns,
        row_filter: b.row_filter,
        days: b.days,
    };
    let g = s.warehouse.request_grant(&c.actor(), &r).await?;
    Ok((StatusCode::CREATED, Json(grant_dto(&g))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GrantListQuery {
    /// Only this dataset's (slug).
    pub dataset: Option<String>,
    /// Only those in this state.
    #[param(inline, value_type = Option<GrantStatus>)]
    pub status: Option<String>,
}

/// The state of a request or grant.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum GrantStatus {
    Pending,
    Approved,
    Refused,
    Revoked,
}

#[derive(Serialize, ToSchema)]
pub struct GrantList {
    pub grants: Vec<GrantDto>,
}

/// Yêu cầu và quyền truy cập — Requests and grants
///
/// Those the caller may see: its agency's requests (as consumer), those on its
/// agency's datasets (as owner), all of them for the DX office and system administrators.
#[utoipa::path(
    get,
    path = "/api/v1/grants",
    tag = "gateway",
    params(GrantListQuery),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "Requests and grants, newest first", body = GrantList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn list_grants(
    State(s): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<GrantListQuery>,
) -> ApiResult<Json<GrantList>> {
    if let Some(st) = q.status.as_deref() {
        if !["pending", "approved", "refused", "revoked"].contains(&st) {
            return Err(Error::invalid(
                "status",
                format!("Trạng thái «{st}» không hợp lệ (pending, approved, refused, revoked)."),
                format!("Status «{st}» is invalid (pending, approved, refused, revoked)."),
            )
            .into());
        }
    }
    let list = s.warehouse.grants(&c.actor(), q.dataset.as_deref(), q.status.as_deref()).await?;
    Ok(Json(GrantList { grants: list.iter().map(grant_dto).collect() }))
}

/// Một yêu cầu hay quyền — One request or grant
#[utoipa::path(
    get,
    path = "/api/v1/grants/{id}",
    tag = "gateway",
    params(("id" = i64, Path, description = "The request's id")),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The request or grant", body = GrantDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn show_grant(State(s): State<AppState>, c: Caller, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<GrantDto>> {
    Ok(Json(grant_dto(&s.warehouse.grant(&c.actor(), id).await?)))
}

/// Duyệt — Approve a pending request (the owner)
///
/// The body narrows the terms (columns, rows, days) and may unmask personal
/// columns; an empty body grants what was asked, masked. The grant takes
/// effect at once; approving is audited.
#[utoipa::path(
    post,
    path = "/api/v1/grants/requests/{id}/approve",
    tag = "gateway",
    params(("id" = i64, Path, description = "The request's id")),
    request_body(content = Option<DecisionBody>, content_type = "application/json",
        description = "The terms granted; no body, `null` or `{}` for those asked"),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The grant", body = GrantDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
    )
)]
async fn approve_grant(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<GrantDto>> {
    c.require_write()?;
    // No body, or `null`, grants what was asked.
    let b: DecisionBody = if body.iter().all(u8::is_ascii_whitespace) {
        DecisionBody::default()
    } else {
        json_body::<Option<DecisionBody>>(&body)?.unwrap_or_default()
    };
    let dec = GrantDecision { columns: b.columns, row_filter: b.row_filter, days: b.days, unmasked: b.unmasked };
    Ok(Json(grant_dto(&s.warehouse.approve_grant(&c.actor(), id, &dec).await?)))
}

/// Từ chối — Refuse a pending request (the owner), with the reason
#[utoipa::path(
    post,
    path = "/api/v1/grants/requests/{id}/refuse",
    tag = "gateway",
    params(("id" = i64, Path, description = "The request's id")),
    request_body(content = ReasonBody, content_type = "application/json"),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The refused request", body = GrantDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
    )
)]
async fn refuse_grant(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<GrantDto>> {
    c.require_write()?;
    let b: ReasonBody = json_body(&body)?;
    Ok(Json(grant_dto(&s.warehouse.refuse_grant(&c.actor(), id, &b.reason).await?)))
}

/// Thu hồi — Revoke a grant (the owner), with the reason
///
/// Takes effect at the consumer's next request.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/revoke",
    tag = "gateway",
    params(("id" = i64, Path, description = "The grant's id")),
    request_body(content = ReasonBody, content_type = "application/json"),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The revoked grant", body = GrantDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
    )
)]
async fn revoke_grant(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<GrantDto>> {
    c.require_write()?;
    let b: ReasonBody = json_body(&body)?;
    Ok(Json(grant_dto(&s.warehouse.revoke_grant(&c.actor(), id, &b.reason).await?)))
}

// ---------------------------------------------------------------- systems

/// An information system (hệ thống thông tin) of an agency: it reads through
/// the gateway with its own keys.
#[derive(Serialize, ToSchema)]
pub struct SystemDto {
    pub id: i64,
    /// Lower-case letters, digits and `-`.
    pub code: String,
    pub name: String,
    /// The agency's code.
    pub agency: String,
    pub agency_name: String,
    pub description: String,
    /// Disabled: its keys no longer work.
    pub disabled: bool,
}

fn system_dto(s: &System) -> SystemDto {
    SystemDto {
        id: s.id,
        code: s.code.clone(),
        name: s.name.clone(),
        agency: s.agency_code.clone(),
        agency_name: s.agency_name.clone(),
        description: s.description.clone(),
        disabled: s.disabled_at.is_some(),
    }
}

/// A new information system.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemBody {
    /// 2 to 40 lower-case letters, digits and `-`; unique.
    #[schema(example = "qlth-sgddt", pattern = "^[a-z0-9-]{2,40}$")]
    pub code: String,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The agency's code; within the caller's scope.
    #[schema(example = "SGDDT")]
    pub agency: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Serialize, ToSchema)]
pub struct SystemList {
    pub systems: Vec<SystemDto>,
}

/// Hệ thống thông tin — Information systems
///
/// Those of agencies within the caller's scope (every one for province-wide roles); staff only.
#[utoipa::path(
    get,
    path = "/api/v1/systems",
    tag = "gateway",
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The systems, by code", body = SystemList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyRequests),
    )
)]
async fn list_systems(State(s): State<AppState>, c: Caller) -> ApiResult<Json<SystemList>> {
    c.require_staff()?;
    let scope = if c.role().province_wide() { Scope::Province } else { c.scope.clone() };
    Ok(Json(SystemList { systems: s.store.systems(&scope).await?.iter().map(system_dto).collect() }))
}

/// Đăng ký hệ thống — Register an information system
///
/// System administrators and the DX office for any agency, agency
/// administrators for their own; not with a system's key.
#[utoipa::path(
    post,
    path = "/api/v1/systems",
    tag = "gateway",
    request_body(content = SystemBody, content_type = "application/json"),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 201, description = "The system", body = SystemDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
    )
)]
async fn create_system(
    State(s): State<AppState>,
    c: Caller,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<SystemDto>)> {
    c.require_write()?;
    if c.system.is_some() {
        return Err(Error::forbidden().into());
    }
    let b: SystemBody = json_body(&body)?;
    let sys = s.store.create_system(&c.user, &b.code, &b.name, &b.agency, &b.description).await?;
    Ok((StatusCode::CREATED, Json(system_dto(&sys))))
}

/// A new key for a system.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemKeyBody {
    /// What the key is for (which server…).
    pub name: String,
    /// `read` (default) or `read_write`.
    #[serde(default)]
    #[schema(value_type = Option<KeyAccess>)]
    pub access: Option<String>,
    /// Requests a minute (1 to 10,000,000); the server's default when absent.
    #[schema(minimum = 1, maximum = 10_000_000)]
    pub rate_per_minute: Option<i64>,
}

/// What a key may do.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum KeyAccess {
    Read,
    ReadWrite,
}

/// A system's new key; the secret is in this answer only.
#[derive(Serialize, ToSchema)]
pub struct SystemKeyDto {
    pub id: i64,
    pub system: String,
    pub name: String,
    /// Shown once; only its hash is stored.
    pub key: String,
    pub rate_per_minute: Option<i64>,
}

/// Cấp khoá cho hệ thống — Create a key for a system
///
/// The key acts as the system, within its agency, rate-limited. The secret is
/// shown once; only its hash is stored.
#[utoipa::path(
    post,
    path = "/api/v1/systems/{code}/keys",
    tag = "gateway",
    params(("code" = String, Path, description = "The system's code", example = "qlth-sgddt")),
    request_body(content = SystemKeyBody, content_type = "application/json"),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 201, description = "The key and its secret", body = SystemKeyDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn create_system_key(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(code): ApiPath<String>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<SystemKeyDto>)> {
    c.require_write()?;
    if c.system.is_some() {
        return Err(Error::forbidden().into());
    }
    let b: SystemKeyBody = json_body(&body)?;
    let sys = s.store.system_by_code(&code).await?.ok_or_else(|| {
        Error::not_found(format!("Không có hệ thống «{code}»."), format!("There is no system «{code}»."))
    })?;
    let allowed = match c.role() {
        Role::SystemAdmin | Role::DxOffice => true,
        Role::AgencyAdmin => c.scope.contains(&sys.agency_path),
        _ => false,
    };
    if !allowed {
        return Err(Error::forbidden().into());
    }
    let access = ApiKeyAccess::parse(b.access.as_deref().unwrap_or("read"))?;
    let (key, secret) = s.store.create_system_key(&c.user, &code, &b.name, access, b.rate_per_minute).await?;
    Ok((
        StatusCode::CREATED,
        Json(SystemKeyDto {
            id: key.id,
            system: code,
            name: key.name,
            key: secret,
            rate_per_minute: key.rate_per_minute,
        }),
    ))
}

// ---------------------------------------------------------------- audit

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only this dataset's entries (slug).
    pub dataset: Option<String>,
    /// Only actions starting with this, e.g. `rows.read`, `grant.`.
    pub action: Option<String>,
    /// From this time on, Unix seconds.
    pub since: Option<i64>,
    /// Before this time, Unix seconds.
    pub until: Option<i64>,
    /// Entries older than this `seq` (the `next_before` of the previous page).
    pub before: Option<i64>,
    /// At most this many entries (200 by default, 1 to 100,000).
    #[param(minimum = 1, maximum = 100_000)]
    pub limit: Option<i64>,
    /// `json` (default) or `csv` (UTF-8 with BOM, with `prev_hash`).
    #[param(inline, value_type = Option<AuditFormat>)]
    pub format: Option<String>,
}

/// The format of the audit log.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum AuditFormat {
    Json,
    Csv,
}

/// An entry of the audit log (nhật ký truy cập), chained by hash.
#[derive(Serialize, ToSchema)]
pub struct AuditDto {
    /// The entry's number, increasing.
    pub seq: i64,
    /// When, RFC 3339 in Vietnam's time (UTC+7), to the millisecond.
    pub at: String,
    /// The request's `X-Request-Id`.
    pub request_id: String,
    /// The user (or the key's owner); empty for the public.
    pub user: String,
    /// The system's code, with a system key.
    pub system: String,
    /// The caller's agency code.
    pub agency: String,
    /// What was done: `rows.read`, `row.read`, `grant.request`, `grant.approve`, `sso.token`…
    pub action: String,
    /// `ok`, `denied`, `not_found` or `refused`.
    pub outcome: String,
    /// The dataset's slug, when there is one.
    pub dataset: String,
    /// The version read.
    pub version: Option<i64>,
    /// The columns read.
    pub columns: Vec<String>,
    /// Rows returned.
    pub row_count: Option<i64>,
    /// The grant's purpose.
    pub purpose: String,
    /// The grant read through.
    pub grant_id: Option<i64>,
    pub detail: String,
    pub latency_ms: Option<f64>,
    /// This entry's hash (SHA-256 over the previous hash and the entry).
    pub hash: String,
}

pub fn audit_dto(r: &AuditRecord) -> AuditDto {
    let e = &r.entry;
    let at = chrono::DateTime::from_timestamp_micros(e.at)
        .unwrap_or_default()
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7"))
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string();
    AuditDto {
        seq: r.seq,
        at,
        request_id: e.request_id.clone(),
        user: e.username.clone(),
        system: e.system_code.clone(),
        agency: e.agency_code.clone(),
        action: e.action.clone(),
        outcome: e.outcome.clone(),
        dataset: e.dataset.clone(),
        version: e.version,
        columns: e.columns.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect(),
        row_count: e.row_count,
        purpose: e.purpose.clone(),
        grant_id: e.grant_id,
        detail: e.detail.clone(),
        latency_ms: e.latency_us.map(|u| u as f64 / 1000.0),
        hash: r.hash.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    pub entries: Vec<AuditDto>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<i64>,
}

/// The audit entries the caller may see: everything for the DX office and
/// system admins; for agency staff, the entries on their agency's datasets.
pub async fn visible_audit(s: &AppState, actor: &Actor, p: &AuditParams) -> Result<Vec<AuditRecord>, Error> {
    let owner_role = matches!(actor.role, Role::AgencyAdmin | Role::DataOfficer);
    if !(owner_role || tinhso_warehouse::gateway::sees_all_audit(actor.role)) || actor.system_id.is_some() {
        return Err(Error::forbidden());
    }
    let datasets = if tinhso_warehouse::gateway::sees_all_audit(actor.role) {
        p.dataset.clone().map(|d| vec![d])
    } else {
        let own: Vec<String> = s
            .warehouse
            .datasets(actor)
            .await?
            .into_iter()
            .filter(|d| actor.scope.contains(&d.record.owner_path))
            .map(|d| d.record.slug)
            .collect();
        Some(match &p.dataset {
            Some(d) if own.contains(d) => vec![d.clone()],
            Some(_) => return Err(Error::forbidden()),
            None => own,
        })
    };
    let limit = p.limit.unwrap_or(200);
    if !(1..=100_000).contains(&limit) {
        return Err(Error::invalid("limit", "limit phải từ 1 đến 100 000.", "limit must be between 1 and 100,000."));
    }
    s.store
        .audit_entries(&AuditQuery {
            datasets,
            action_prefix: p.action.clone().filter(|a| !a.is_empty()),
            since_us: p.since.map(|t| t.saturating_mul(1_000_000)),
            until_us: p.until.map(|t| t.saturating_mul(1_000_000)),
            before_seq: p.before,
            limit,
        })
        .await
}

/// The audit entries as CSV (UTF-8 with BOM, opens in Excel).
pub fn audit_csv(list: &[AuditRecord]) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record([
        "seq",
        "at",
        "request_id",
        "user",
        "system",
        "agency",
        "action",
        "outcome",
        "dataset",
        "version",
        "columns",
        "row_count",
        "purpose",
        "grant_id",
        "detail",
        "latency_ms",
        "prev_hash",
        "hash",
    ])
    .map_err(Error::internal)?;
    for r in list {
        let d = audit_dto(r);
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        w.write_record([
            d.seq.to_string(),
            d.at,
            d.request_id,
            d.user,
            d.system,
            d.agency,
            d.action,
            d.outcome,
            d.dataset,
            opt(d.version),
            d.columns.join(","),
            opt(d.row_count),
            d.purpose,
            opt(d.grant_id),
            d.detail,
            d.latency_ms.map(|l| format!("{l:.3}")).unwrap_or_default(),
            r.prev_hash.clone(),
            d.hash,
        ])
        .map_err(Error::internal)?;
    }
    w.into_inner().map_err(Error::internal)
}

/// Nhật ký truy cập — The audit log
///
/// Who read or asked for what, newest first: everything for the DX office and
/// system administrators; for agency administrators and data officers, the
/// entries on their agency's datasets. Not with a system's key. As JSON pages
/// (pass `next_before` as `before`) or as CSV.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "gateway",
    params(AuditParams),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The entries",
            content((AuditList = "application/json"), (String = "text/csv"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyRequests),
    )
)]
async fn audit_log(State(s): State<AppState>, c: Caller, ApiQuery(p): ApiQuery<AuditParams>) -> ApiResult<Response> {
    let list = visible_audit(&s, &c.actor(), &p).await?;
    match p.format.as_deref().unwrap_or("json") {
        "json" => {
            let next_before =
                (list.len() as i64 == p.limit.unwrap_or(200)).then(|| list.last().map(|r| r.seq)).flatten();
            Ok(Json(AuditList { entries: list.iter().map(audit_dto).collect(), next_before }).into_response())
        }
        "csv" => Ok(attachment(CSV_TYPE, "nhat-ky-truy-cap.csv", audit_csv(&list)?)),
        other => Err(Error::invalid(
            "format",
            format!("Định dạng «{other}» không hỗ trợ; dùng json hoặc csv."),
            format!("Format «{other}» is not supported; use json or csv."),
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn row_queries_parse() {
        let (q, f) = parse_row_query(&pairs(&[
            ("select", "ma_xa,ten"),
            ("sort", "-ten,ma_xa"),
            ("limit", "50"),
            ("ma_xa", "in.(1,2)"),
            ("format", "CSV"),
        ]))
        .unwrap();
        assert_eq!(f, "csv");
        assert_eq!(q.select.unwrap(), vec!["ma_xa", "ten"]);
        assert_eq!(q.sort, vec![("ten".to_string(), true), ("ma_xa".to_string(), false)]);
        assert_eq!(q.limit, 50);
        assert_eq!(q.filters.len(), 1);
        assert_eq!(q.max_limit, tinhso_warehouse::MAX_PAGE_FILE);
        assert!(parse_row_query(&pairs(&[("limit", "-1")])).is_err());
        assert!(parse_row_query(&pairs(&[("limit", "abc")])).is_err());
        assert!(parse_row_query(&pairs(&[("format", "xml")])).is_err());
        assert!(parse_row_query(&pairs(&[("limit", "1"), ("limit", "2")])).is_err());
        assert!(parse_row_query(&pairs(&[("x", "in.(a")])).is_err());
        assert_eq!(parse_row_query(&pairs(&[("cursor", "\u{10000}")])).unwrap_err().field.as_deref(), Some("cursor"));
    }

    #[test]
    fn buckets_refill_and_refuse() {
        let key = format!("test-{}", std::process::id());
        let mut refused = false;
        for _ in 0..30 {
            if rate_limit(&key, 60).is_err() {
                refused = true;
                break;
            }
        }
        assert!(refused, "a 60/min key may not make 30 requests at once");
    }
}
