//! The JSON API under `/api/v1`: administrative units (public), agencies and
//! users (scoped by the caller's role and agency). Errors are problem+json.

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tinhso_domain::admin_unit::SearchFilter;
use tinhso_domain::{AdminUnit, AdminUnits, Error, Level, Scope};
use tinhso_store::{Agency, AgencyInput, ImportReport, User, UserInput, UserUpdate};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
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

#[derive(Serialize)]
pub struct SuccessorDto {
    code: String,
    name: String,
    whole: bool,
}

#[derive(Serialize)]
pub struct UnitDto {
    code: String,
    name: String,
    full_name: String,
    name_en: String,
    full_name_en: String,
    level: &'static str,
    province_code: String,
    parent_code: Option<String>,
    valid_from: Option<String>,
    valid_to: Option<String>,
    in_force: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    successors: Option<Vec<SuccessorDto>>,
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

#[derive(Deserialize)]
struct UnitQuery {
    as_of: Option<String>,
}

async fn get_unit(Path(code): Path<String>, Query(q): Query<UnitQuery>) -> ApiResult<Json<UnitDto>> {
    let as_of = parse_as_of(q.as_of.as_deref())?;
    let u = AdminUnits::embedded().lookup(code.trim(), as_of)?;
    Ok(Json(unit_dto(u, true)))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    as_of: Option<String>,
    level: Option<String>,
    province: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
struct UnitList {
    count: usize,
    units: Vec<UnitDto>,
}

async fn search_units(Query(q): Query<SearchQuery>) -> ApiResult<Json<UnitList>> {
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

#[derive(Serialize)]
pub struct AgencyDto {
    id: i64,
    code: String,
    name_vi: String,
    name_en: String,
    kind: &'static str,
    parent_id: Option<i64>,
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

#[derive(Deserialize)]
pub struct AgencyBody {
    code: String,
    name_vi: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    kind: String,
    parent_code: Option<String>,
    admin_unit_code: Option<String>,
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

#[derive(Serialize)]
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

async fn list_agencies(State(s): State<AppState>, c: Caller) -> ApiResult<Json<AgencyList>> {
    c.require_staff()?;
    let agencies: Vec<AgencyDto> = s.store.agencies(&c.scope).await?.iter().map(agency_dto).collect();
    Ok(Json(AgencyList { count: agencies.len(), agencies }))
}

async fn get_agency(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult<Json<AgencyDto>> {
    c.require_staff()?;
    let id = parse_id(&id, "cơ quan", "agency")?;
    Ok(Json(agency_dto(&s.store.agency_in_scope(&c.scope, id).await?)))
}

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

async fn update_agency(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AgencyBody>,
) -> ApiResult<Json<AgencyDto>> {
    require_agency_manager(&c)?;
    let id = parse_id(&id, "cơ quan", "agency")?;
    let a = s.store.update_agency(&c.scope, id, &body.into(), &s.config.province_code).await?;
    tracing::info!(actor = %c.user.username, agency = %a.code, "agency updated");
    Ok(Json(agency_dto(&a)))
}

#[derive(Serialize)]
pub struct RejectDto {
    row: usize,
    column: String,
    reason: serde_json::Value,
    raw: String,
}

#[derive(Serialize)]
pub struct ImportDto {
    import_id: String,
    file: String,
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

pub async fn run_import(s: &AppState, scope: &Scope, name: &str, bytes: &[u8]) -> Result<ImportReport, Error> {
    let parsed = crate::import::parse(name, bytes)?;
    s.store.import_agencies(scope, name, parsed.rows, &parsed.columns, &s.config.province_code).await
}

async fn import_agencies(State(s): State<AppState>, c: Caller, mp: Multipart) -> ApiResult<Json<ImportDto>> {
    require_agency_manager(&c)?;
    let up = read_upload(mp).await?;
    let r = run_import(&s, &c.scope, &up.name, &up.bytes).await?;
    tracing::info!(actor = %c.user.username, file = %up.name, imported = r.imported.len(), rejected = r.rejected.len(), "agency import");
    Ok(Json(import_dto(&r)))
}

// ---------------------------------------------------------------- users

#[derive(Serialize)]
pub struct UserDto {
    id: i64,
    username: String,
    full_name: String,
    email: String,
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

#[derive(Serialize)]
struct UserList {
    count: usize,
    users: Vec<UserDto>,
}

#[derive(Deserialize)]
struct NewUserBody {
    username: String,
    full_name: String,
    #[serde(default)]
    email: String,
    role: String,
    agency_code: Option<String>,
    password: String,
}

#[derive(Deserialize)]
struct UserUpdateBody {
    full_name: String,
    #[serde(default)]
    email: String,
    role: String,
    agency_code: Option<String>,
    active: Option<bool>,
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

async fn list_users(State(s): State<AppState>, c: Caller) -> ApiResult<Json<UserList>> {
    c.require_staff()?;
    let users: Vec<UserDto> = s.store.users(&c.scope).await?.iter().map(user_dto).collect();
    Ok(Json(UserList { count: users.len(), users }))
}

async fn get_user(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult<Json<UserDto>> {
    c.require_staff()?;
    let id = parse_id(&id, "người dùng", "user")?;
    Ok(Json(user_dto(&s.store.user_in_scope(&c.scope, id).await?)))
}

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

async fn update_user(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
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

async fn me(c: Caller) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "user": user_dto(&c.user),
        "scope": match &c.scope { Scope::Province => "province", Scope::Subtree { .. } => "subtree", Scope::Nothing => "nothing" },
    }))
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
