//! The JSON API under `/api/v1`: administrative units (public), agencies and
//! users (scoped by the caller's role and agency). Errors are problem+json.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tinhso_domain::admin_unit::SearchFilter;
use tinhso_domain::{AdminUnit, AdminUnits, Error, Level, Scope};
use tinhso_store::{Agency, AgencyInput, ImportReport, User, UserInput, UserUpdate};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::openapi::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin-units", get(search_units))
        .route("/api/v1/admin-units/{code}", get(get_unit))
        .route("/api/v1/agencies", get(list_agencies).post(create_agency))
        .route("/api/v1/agencies/import", post(import_agencies))
        .route("/api/v1/agencies/{id}", get(get_agency).put(update_agency))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/users/{id}", get(get_user).put(update_user))
        .route("/api/v1/me", get(me))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
}

async fn api_not_found() -> ApiError {
    ApiError(Error::not_found("Không có API này.", "No such API endpoint."))
}

/// A JSON body whose rejections are bilingual problem documents.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(e) => Err(ApiError(Error::invalid(
                "body",
                format!("Nội dung JSON không hợp lệ: {}", e.body_text()),
                format!("Invalid JSON body: {}", e.body_text()),
            ))),
        }
    }
}

/// Query parameters whose rejections (a number that is not one, a repeated
/// key…) are bilingual problem documents, not axum's plain-text 400.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(ApiError(Error::invalid(
                "query",
                format!("Tham số truy vấn không hợp lệ: {}", e.body_text()),
                format!("Invalid query parameters: {}", e.body_text()),
            ))),
        }
    }
}

/// Path parameters whose rejections (a segment that is not UTF-8 once
/// percent-decoded) are bilingual problem documents.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(ApiError(Error::invalid(
                "path",
                format!("Đường dẫn không hợp lệ: {}", e.body_text()),
                format!("Invalid path: {}", e.body_text()),
            ))),
        }
    }
}

/// Parses a numeric id from the path; anything else is a 404.
fn parse_id(raw: &str, what_vi: &str, what_en: &str) -> Result<i64, Error> {
    raw.parse::<i64>().map_err(|_| {
        Error::not_found(format!("Không có {what_vi} «{raw}»."), format!("There is no {what_en} «{raw}»."))
    })
}

/// Parses `as_of` as `YYYY-MM-DD` or `dd/mm/yyyy`; absent means today.
pub fn parse_as_of(s: Option<&str>) -> Result<NaiveDate, Error> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Utc::now().date_naive()),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
            .map_err(|_| {
                Error::invalid(
                    "as_of",
                    format!("Ngày «{s}» không hợp lệ (dùng YYYY-MM-DD hoặc dd/mm/yyyy)."),
                    format!("Date «{s}» is invalid (use YYYY-MM-DD or dd/mm/yyyy)."),
                )
            }),
    }
}

// ---------------------------------------------------------------- admin units

/// A unit that took over (or was taken over by) another on 1 July 2025.
#[derive(Serialize, ToSchema)]
pub struct SuccessorDto {
    code: String,
    name: String,
    /// The whole unit passed over, not only a part of it.
    whole: bool,
}

/// An administrative unit (đơn vị hành chính): province, district (before
/// 1 July 2025) or commune.
#[derive(Serialize, ToSchema)]
pub struct UnitDto {
    /// The GSO code; codes were reused in 2025, so a code names a unit only with a date.
    code: String,
    name: String,
    full_name: String,
    name_en: String,
    full_name_en: String,
    #[schema(value_type = String, example = "commune")]
    level: &'static str,
    province_code: String,
    parent_code: Option<String>,
    /// First day in force (`YYYY-MM-DD`); none for units that predate the records.
    valid_from: Option<String>,
    /// Last day in force (`YYYY-MM-DD`); none while in force.
    valid_to: Option<String>,
    in_force: bool,
    /// For a unit no longer in force: the current units that took it over.
    #[serde(skip_serializing_if = "Option::is_none")]
    successors: Option<Vec<SuccessorDto>>,
    /// For a unit in force (single lookups only): the units it was formed from.
    #[serde(skip_serializing_if = "Option::is_none")]
    predecessors: Option<Vec<SuccessorDto>>,
}

fn dto_list(v: Vec<tinhso_domain::Successor>) -> Vec<SuccessorDto> {
    v.into_iter().map(|s| SuccessorDto { code: s.code, name: s.name, whole: s.whole }).collect()
}

pub fn unit_dto(u: &AdminUnit, detail: bool) -> UnitDto {
    let units = AdminUnits::embedded();
    UnitDto {
        code: u.code.clone(),
        name: u.name.clone(),
        full_name: u.full_name.clone(),
        name_en: u.name_en.clone(),
        full_name_en: u.full_name_en.clone(),
        level: u.level.as_str(),
        province_code: u.province_code.clone(),
        parent_code: u.parent_code.clone(),
        valid_from: u.valid_from.map(|d| d.to_string()),
        valid_to: u.valid_to.map(|d| d.to_string()),
        in_force: u.in_force(),
        successors: (!u.in_force()).then(|| dto_list(units.successors(u))),
        predecessors: (detail && u.in_force()).then(|| dto_list(units.predecessors(u))),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct UnitQuery {
    /// The day of the lookup, `YYYY-MM-DD` or `dd/mm/yyyy`; today when absent.
    #[param(example = "2025-06-30")]
    as_of: Option<String>,
}

/// Tra cứu một đơn vị hành chính — Look up one administrative unit
///
/// The unit that bore `code` on `as_of`, with its successors (a unit no
/// longer in force) or its predecessors (a unit in force). Public.
#[utoipa::path(
    get,
    path = "/api/v1/admin-units/{code}",
    tag = "admin-units",
    params(("code" = String, Path, description = "GSO code of the unit", example = "21550"), UnitQuery),
    responses(
        (status = 200, description = "The unit", body = UnitDto),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    )
)]
async fn get_unit(ApiPath(code): ApiPath<String>, ApiQuery(q): ApiQuery<UnitQuery>) -> ApiResult<Json<UnitDto>> {
    let as_of = parse_as_of(q.as_of.as_deref())?;
    let u = AdminUnits::embedded().lookup(code.trim(), as_of)?;
    Ok(Json(unit_dto(u, true)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// Name or code, with or without diacritics. Needed unless `province` is given.
    #[param(example = "quy nhon")]
    q: Option<String>,
    /// Only units in force on this day (`YYYY-MM-DD` or `dd/mm/yyyy`).
    as_of: Option<String>,
    /// `province`, `district` or `commune` (also `tinh`, `huyen`, `xa`).
    #[param(example = "commune")]
    level: Option<String>,
    /// Province code: without `q`, lists the province's units in force.
    #[param(example = "52")]
    province: Option<String>,
    /// At most this many units (1–5000, 50 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 5000)]
    limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct UnitList {
    count: usize,
    units: Vec<UnitDto>,
}

/// Tìm đơn vị hành chính — Search administrative units
///
/// By name or code ignoring diacritics, or every unit of a province. Public.
#[utoipa::path(
    get,
    path = "/api/v1/admin-units",
    tag = "admin-units",
    params(SearchQuery),
    responses(
        (status = 200, description = "The units found", body = UnitList),
        (status = 400, response = BadRequest),
    )
)]
async fn search_units(ApiQuery(q): ApiQuery<SearchQuery>) -> ApiResult<Json<UnitList>> {
    let text = q.q.as_deref().map(str::trim).unwrap_or("");
    let level = q.level.as_deref().filter(|s| !s.is_empty()).map(Level::parse).transpose()?;
    let province = q.province.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let as_of = match q.as_of.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => Some(parse_as_of(Some(s))?),
        None => None,
    };
    let limit = match q.limit.as_deref().filter(|s| !s.is_empty()) {
        None => 50,
        Some(l) => l.parse::<usize>().ok().filter(|n| (1..=5000).contains(n)).ok_or_else(|| {
            Error::invalid("limit", "limit phải là số từ 1 đến 5000.", "limit must be a number from 1 to 5000.")
        })?,
    };
    let units = AdminUnits::embedded();
    let filter = SearchFilter { as_of, level, province_code: province.clone(), limit };
    let found: Vec<&AdminUnit> = if text.is_empty() {
        let Some(p) = province else {
            return Err(Error::invalid(
                "q",
                "Cần từ khoá q (tên hoặc mã), hoặc mã tỉnh province.",
                "Give a search text q (name or code), or a province code.",
            )
            .into());
        };
        let day = as_of.unwrap_or_else(|| Utc::now().date_naive());
        let mut v: Vec<&AdminUnit> = units
            .all()
            .iter()
            .filter(|u| u.province_code == p && u.is_valid_on(day) && level.is_none_or(|l| u.level == l))
            .collect();
        v.sort_by(|a, b| a.level.cmp(&b.level).then(a.code.cmp(&b.code)));
        v.truncate(limit);
        v
    } else {
        units.search(text, &filter)
    };
    let units: Vec<UnitDto> = found.into_iter().map(|u| unit_dto(u, false)).collect();
    Ok(Json(UnitList { count: units.len(), units }))
}

// ---------------------------------------------------------------- agencies

/// An agency (cơ quan, đơn vị) in the province's tree.
#[derive(Serialize, ToSchema)]
pub struct AgencyDto {
    id: i64,
    code: String,
    name_vi: String,
    name_en: String,
    /// `provincial_committee`, `department`, `district`, `commune` or `other`.
    #[schema(value_type = String, example = "department")]
    kind: &'static str,
    parent_id: Option<i64>,
    /// Materialised path of ids from the root, e.g. `/1/4/`.
    path: String,
    depth: usize,
    admin_unit_code: Option<String>,
    admin_unit_name: Option<String>,
    active: bool,
}

pub fn agency_dto(a: &Agency) -> AgencyDto {
    let unit_name = a
        .admin_unit_code
        .as_deref()
        .and_then(|c| AdminUnits::embedded().lookup(c, Utc::now().date_naive()).ok().map(|u| u.full_name.clone()));
    AgencyDto {
        id: a.id,
        code: a.code.clone(),
        name_vi: a.name_vi.clone(),
        name_en: a.name_en.clone(),
        kind: a.kind.as_str(),
        parent_id: a.parent_id,
        path: a.path.clone(),
        depth: a.depth(),
        admin_unit_code: a.admin_unit_code.clone(),
        admin_unit_name: unit_name,
        active: a.active,
    }
}

/// An agency to create, or its new values.
#[derive(Deserialize, ToSchema)]
pub struct AgencyBody {
    #[schema(example = "TT-CDS")]
    code: String,
    #[schema(example = "Trung tâm Chuyển đổi số")]
    name_vi: String,
    #[serde(default)]
    name_en: String,
    /// `provincial_committee`, `department`, `district`, `commune` or `other` (or the Vietnamese word: `sở`, `xã`…); `other` when empty.
    #[serde(default)]
    #[schema(example = "other")]
    kind: String,
    /// Code of the parent agency; none only for the root.
    #[schema(example = "SKHCN")]
    parent_code: Option<String>,
    /// Code of the administrative unit the agency serves.
    #[schema(example = "52")]
    admin_unit_code: Option<String>,
    /// True when absent.
    active: Option<bool>,
}

impl From<AgencyBody> for AgencyInput {
    fn from(b: AgencyBody) -> Self {
        AgencyInput {
            code: b.code,
            name_vi: b.name_vi,
            name_en: b.name_en,
            kind: b.kind,
            parent_code: b.parent_code,
            admin_unit_code: b.admin_unit_code,
            active: b.active.unwrap_or(true),
        }
    }
}

#[derive(Serialize, ToSchema)]
struct AgencyList {
    count: usize,
    agencies: Vec<AgencyDto>,
}

fn require_agency_manager(c: &Caller) -> Result<(), Error> {
    c.require_write()?;
    if c.role().manages_agencies() {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

/// Danh sách cơ quan — List agencies
///
/// The agencies within the caller's scope (staff only).
#[utoipa::path(
    get,
    path = "/api/v1/agencies",
    tag = "agencies",
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The agencies", body = AgencyList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
async fn list_agencies(State(s): State<AppState>, c: Caller) -> ApiResult<Json<AgencyList>> {
    c.require_staff()?;
    let agencies: Vec<AgencyDto> = s.store.agencies(&c.scope).await?.iter().map(agency_dto).collect();
    Ok(Json(AgencyList { count: agencies.len(), agencies }))
}

/// Một cơ quan — One agency
#[utoipa::path(
    get,
    path = "/api/v1/agencies/{id}",
    tag = "agencies",
    params(("id" = i64, Path, description = "Agency id")),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The agency", body = AgencyDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn get_agency(State(s): State<AppState>, c: Caller, ApiPath(id): ApiPath<String>) -> ApiResult<Json<AgencyDto>> {
    c.require_staff()?;
    let id = parse_id(&id, "cơ quan", "agency")?;
    Ok(Json(agency_dto(&s.store.agency_in_scope(&c.scope, id).await?)))
}

/// Tạo cơ quan — Create an agency
///
/// Inside the caller's scope; agency administrators, the DX office and system
/// administrators with a read-write key or session.
#[utoipa::path(
    post,
    path = "/api/v1/agencies",
    tag = "agencies",
    request_body = AgencyBody,
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 201, description = "Created", body = AgencyDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn create_agency(
    State(s): State<AppState>,
    c: Caller,
    JsonBody(body): JsonBody<AgencyBody>,
) -> ApiResult<impl IntoResponse> {
    require_agency_manager(&c)?;
    let a = s.store.create_agency(&c.scope, &body.into(), &s.config.province_code).await?;
    tracing::info!(actor = %c.user.username, agency = %a.code, "agency created");
    Ok((StatusCode::CREATED, Json(agency_dto(&a))))
}

/// Sửa cơ quan — Update an agency
#[utoipa::path(
    put,
    path = "/api/v1/agencies/{id}",
    tag = "agencies",
    params(("id" = i64, Path, description = "Agency id")),
    request_body = AgencyBody,
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "Updated", body = AgencyDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn update_agency(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    JsonBody(body): JsonBody<AgencyBody>,
) -> ApiResult<Json<AgencyDto>> {
    require_agency_manager(&c)?;
    let id = parse_id(&id, "cơ quan", "agency")?;
    let a = s.store.update_agency(&c.scope, id, &body.into(), &s.config.province_code).await?;
    tracing::info!(actor = %c.user.username, agency = %a.code, "agency updated");
    Ok(Json(agency_dto(&a)))
}

/// A row of an import file that was not imported, and why.
#[derive(Serialize, ToSchema)]
pub struct RejectDto {
    /// Row number in the file (1-based, as a spreadsheet shows it).
    row: usize,
    column: String,
    #[schema(value_type = crate::error::Bilingual)]
    reason: serde_json::Value,
    /// The row as read.
    raw: String,
}

/// The outcome of an import: good rows are imported, bad ones kept with a reason.
#[derive(Serialize, ToSchema)]
pub struct ImportDto {
    import_id: String,
    file: String,
    /// Codes of the agencies imported.
    imported: Vec<String>,
    rejected: Vec<RejectDto>,
}

pub fn import_dto(r: &ImportReport) -> ImportDto {
    ImportDto {
        import_id: r.import_id.clone(),
        file: r.file_name.clone(),
        imported: r.imported.clone(),
        rejected: r
            .rejected
            .iter()
            .map(|x| RejectDto {
                row: x.row_no,
                column: x.field.clone(),
                reason: serde_json::json!({"vi": x.reason_vi, "en": x.reason_en}),
                raw: x.raw.clone(),
            })
            .collect(),
    }
}

/// A multipart upload: the `file` part, and the `csrf` field when a form sent one.
pub struct Upload {
    pub csrf: String,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Reads a multipart upload up to its `file` part (fields before it, such as
/// `csrf`, are kept).
pub async fn read_upload(mut mp: Multipart) -> Result<Upload, Error> {
    let bad = |e: String| {
        Error::invalid(
            "file",
            format!("Không đọc được tệp tải lên (tối đa 10 MB): {e}"),
            format!("Cannot read the upload (10 MB at most): {e}"),
        )
    };
    let mut csrf = String::new();
    while let Some(field) = mp.next_field().await.map_err(|e| bad(e.body_text()))? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(|e| bad(e.body_text()))?,
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field.bytes().await.map_err(|e| bad(e.body_text()))?;
                if bytes.is_empty() {
                    return Err(Error::invalid("file", format!("Tệp {name} rỗng."), format!("File {name} is empty.")));
                }
                return Ok(Upload { csrf, name, bytes: bytes.to_vec() });
            }
            _ => {}
        }
    }
    Err(Error::invalid("file", "Chưa chọn tệp (trường «file»).", "No file was sent (field «file»)."))
}

/// [`read_upload`] of a request that must be `multipart/form-data`.
pub(crate) async fn read_multipart(mp: Result<Multipart, MultipartRejection>) -> Result<Upload, Error> {
    let mp = mp.map_err(|e| {
        Error::invalid(
            "file",
            format!("Cần nội dung multipart/form-data với tệp ở trường «file»: {}", e.body_text()),
            format!("Send multipart/form-data with the file in field «file»: {}", e.body_text()),
        )
    })?;
    read_upload(mp).await
}

pub async fn run_import(s: &AppState, scope: &Scope, name: &str, bytes: &[u8]) -> Result<ImportReport, Error> {
    let parsed = crate::import::parse(name, bytes)?;
    s.store.import_agencies(scope, name, parsed.rows, &parsed.columns, &s.config.province_code).await
}

/// A multipart body for an import: the file in part `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct ImportForm {
    /// An `.xlsx` or `.csv` file (UTF-8 or UTF-16), 10 MB at most, with
    /// columns `Mã`, `Tên`, `Tên tiếng Anh`, `Loại`, `Mã cấp trên`, `Mã ĐVHC`.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
}

/// Nhập cơ quan từ tệp — Import agencies from a file
///
/// Good rows are imported, bad rows are listed with row, column and reason.
#[utoipa::path(
    post,
    path = "/api/v1/agencies/import",
    tag = "agencies",
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The import report", body = ImportDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
async fn import_agencies(
    State(s): State<AppState>,
    c: Caller,
    mp: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<ImportDto>> {
    require_agency_manager(&c)?;
    let up = read_multipart(mp).await?;
    let r = run_import(&s, &c.scope, &up.name, &up.bytes).await?;
    tracing::info!(actor = %c.user.username, file = %up.name, imported = r.imported.len(), rejected = r.rejected.len(), "agency import");
    Ok(Json(import_dto(&r)))
}

// ---------------------------------------------------------------- users

/// A role (vai trò): what a user may do. Province-wide: `system_admin`,
/// `dx_office`, `leader` (read-only); over an agency subtree: `agency_admin`,
/// `data_officer`; `public` sees open data only.
#[derive(ToSchema)]
#[schema(as = Role)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum RoleSchema {
    SystemAdmin,
    DxOffice,
    Leader,
    AgencyAdmin,
    DataOfficer,
    Public,
}

/// A user of the platform (never their password).
#[derive(Serialize, ToSchema)]
pub struct UserDto {
    id: i64,
    username: String,
    full_name: String,
    email: String,
    #[schema(value_type = RoleSchema)]
    role: &'static str,
    agency_id: Option<i64>,
    agency_code: Option<String>,
    active: bool,
}

fn user_dto(u: &User) -> UserDto {
    UserDto {
        id: u.id,
        username: u.username.clone(),
        full_name: u.full_name.clone(),
        email: u.email.clone(),
        role: u.role.as_str(),
        agency_id: u.agency_id,
        agency_code: u.agency_code.clone(),
        active: u.active,
    }
}

#[derive(Serialize, ToSchema)]
struct UserList {
    count: usize,
    users: Vec<UserDto>,
}

/// A user to create.
#[derive(Deserialize, ToSchema)]
struct NewUserBody {
    #[schema(example = "dong-officer")]
    username: String,
    full_name: String,
    #[serde(default)]
    email: String,
    /// No higher than the caller's own.
    #[schema(value_type = RoleSchema)]
    role: String,
    /// The user's agency; required for agency roles.
    #[schema(example = "XA-21601")]
    agency_code: Option<String>,
    /// 8 to 256 characters, not one repeated character.
    #[schema(format = Password)]
    password: String,
}

/// A user's new values.
#[derive(Deserialize, ToSchema)]
struct UserUpdateBody {
    full_name: String,
    #[serde(default)]
    email: String,
    #[schema(value_type = RoleSchema)]
    role: String,
    agency_code: Option<String>,
    /// True when absent; false deactivates the user and ends their sessions and keys.
    active: Option<bool>,
    /// A new password; absent keeps the current one.
    #[schema(format = Password)]
    password: Option<String>,
}

fn require_user_manager(c: &Caller) -> Result<(), Error> {
    c.require_write()?;
    if c.role().manages_users() {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

/// Danh sách người dùng — List users
///
/// The users within the caller's scope (staff only).
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The users", body = UserList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
async fn list_users(State(s): State<AppState>, c: Caller) -> ApiResult<Json<UserList>> {
    c.require_staff()?;
    let users: Vec<UserDto> = s.store.users(&c.scope).await?.iter().map(user_dto).collect();
    Ok(Json(UserList { count: users.len(), users }))
}

/// Một người dùng — One user
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The user", body = UserDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn get_user(State(s): State<AppState>, c: Caller, ApiPath(id): ApiPath<String>) -> ApiResult<Json<UserDto>> {
    c.require_staff()?;
    let id = parse_id(&id, "người dùng", "user")?;
    Ok(Json(user_dto(&s.store.user_in_scope(&c.scope, id).await?)))
}

/// Tạo người dùng — Create a user
///
/// In the caller's scope, with a role no higher than the caller's own.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "users",
    request_body = NewUserBody,
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 201, description = "Created", body = UserDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn create_user(
    State(s): State<AppState>,
    c: Caller,
    JsonBody(b): JsonBody<NewUserBody>,
) -> ApiResult<impl IntoResponse> {
    require_user_manager(&c)?;
    let input = UserInput {
        username: b.username,
        full_name: b.full_name,
        email: b.email,
        role: b.role,
        agency_code: b.agency_code,
        password: b.password,
    };
    let u = s.store.create_user(c.role(), &c.scope, &input).await?;
    tracing::info!(actor = %c.user.username, user = %u.username, "user created");
    Ok((StatusCode::CREATED, Json(user_dto(&u))))
}

/// Sửa người dùng — Update a user
#[utoipa::path(
    put,
    path = "/api/v1/users/{id}",
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    request_body = UserUpdateBody,
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "Updated", body = UserDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn update_user(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    JsonBody(b): JsonBody<UserUpdateBody>,
) -> ApiResult<Json<UserDto>> {
    require_user_manager(&c)?;
    let id = parse_id(&id, "người dùng", "user")?;
    let up = UserUpdate {
        full_name: b.full_name,
        email: b.email,
        role: b.role,
        agency_code: b.agency_code,
        active: b.active.unwrap_or(true),
        password: b.password,
    };
    let u = s.store.update_user(c.role(), &c.scope, id, &up).await?;
    tracing::info!(actor = %c.user.username, user = %u.username, "user updated");
    Ok(Json(user_dto(&u)))
}

/// The caller and the reach of their rights.
#[derive(Serialize, ToSchema)]
struct MeDto {
    user: UserDto,
    /// `province` (province-wide), `subtree` (an agency and those under it) or `nothing`.
    #[schema(value_type = String, example = "province")]
    scope: &'static str,
}

/// Tôi là ai — Who am I
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "account",
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The caller", body = MeDto),
        (status = 401, response = Unauthorized),
    )
)]
async fn me(c: Caller) -> Json<MeDto> {
    let scope = match &c.scope {
        Scope::Province => "province",
        Scope::Subtree { .. } => "subtree",
        Scope::Nothing => "nothing",
    };
    Json(MeDto { user: user_dto(&c.user), scope })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_formats() {
        assert_eq!(parse_as_of(Some("2025-06-30")).unwrap(), NaiveDate::from_ymd_opt(2025, 6, 30).unwrap());
        assert_eq!(parse_as_of(Some("30/06/2025")).unwrap(), NaiveDate::from_ymd_opt(2025, 6, 30).unwrap());
        assert_eq!(parse_as_of(Some("2025-13-01")).unwrap_err().field.as_deref(), Some("as_of"));
        assert_eq!(parse_as_of(None).unwrap(), Utc::now().date_naive());
    }
}
