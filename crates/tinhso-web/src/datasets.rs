//! The warehouse API: catalogue (`/api/v1/datasets`), uploads as new
//! versions, rejected rows, row previews and SQL (`/api/v1/sql`).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tinhso_domain::{Error, ErrorKind};
use tinhso_warehouse::{Actor, Dataset, Definition, IngestInput, IngestOutcome, Progress, WriteMode};
use tokio::io::AsyncWriteExt;
use utoipa::{IntoParams, ToSchema};

use crate::api::{ApiPath, ApiQuery, JsonBody};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::openapi::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized};
use crate::AppState;

/// The largest file accepted through the API and the upload page.
pub const MAX_DATASET_UPLOAD_BYTES: u64 = 4 << 30;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/datasets", get(list).post(create))
        .route("/api/v1/datasets/{slug}", get(show).put(update))
        .route("/api/v1/datasets/{slug}/versions", get(versions).post(upload).layer(DefaultBodyLimit::disable()))
        .route("/api/v1/datasets/{slug}/versions/{n}", get(version))
        .route("/api/v1/datasets/{slug}/versions/{n}/rejects", get(version_rejects))
        .route("/api/v1/datasets/{slug}/ingests/{id}/rejects", get(ingest_rejects))
        .route("/api/v1/datasets/{slug}/preview", get(preview))
        .route("/api/v1/quality/agencies", get(agency_quality))
        .route("/api/v1/sql", post(sql))
}

pub fn actor(c: &Caller) -> Actor {
    c.actor()
}

/// Quality scores, 0–100: "đúng, đủ, sạch, sống" (correct, complete, clean, live).
#[derive(Serialize, ToSchema)]
pub struct QualityDto {
    /// The overall score.
    pub score: i64,
    /// Đúng: share of rows without type, constraint, reference or cross-field errors.
    pub correct: i64,
    /// Đủ: required cells present × commune coverage.
    pub complete: i64,
    /// Sạch: duplicates and repaired rows.
    pub clean: i64,
    /// Sống: the newest version's age against the declared frequency.
    pub live: i64,
}

impl From<tinhso_warehouse::Scores> for QualityDto {
    fn from(s: tinhso_warehouse::Scores) -> QualityDto {
        QualityDto { score: s.score, correct: s.correct, complete: s.complete, clean: s.clean, live: s.live }
    }
}

/// A dataset of the warehouse (bộ dữ liệu) as the catalogue shows it.
#[derive(Serialize, ToSchema)]
pub struct DatasetDto {
    #[schema(example = "truong-hoc")]
    pub slug: String,
    pub name: String,
    pub name_en: String,
    /// `shared`, `specialised` or `open`.
    pub zone: String,
    /// Owner agency code.
    pub owner: String,
    pub owner_name: String,
    pub sector: String,
    /// `daily`, `weekly`, `monthly`, `quarterly` or `yearly`.
    pub frequency: String,
    pub key: Vec<String>,
    /// Generated demo data.
    pub demo: bool,
    /// The newest version, none before the first upload.
    pub version: Option<i64>,
    /// When the newest version was made (Unix seconds).
    pub updated_at: Option<i64>,
    pub quality: Option<QualityDto>,
    /// The full definition (single datasets only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<DatasetDefinition>)]
    pub definition: Option<Definition>,
}

pub fn dataset_dto(d: &Dataset, full: bool) -> DatasetDto {
    DatasetDto {
        slug: d.record.slug.clone(),
        name: d.record.name_vi.clone(),
        name_en: d.record.name_en.clone(),
        zone: d.record.zone.clone(),
        owner: d.record.owner_code.clone(),
        owner_name: d.record.owner_name.clone(),
        sector: d.record.sector.clone(),
        frequency: d.record.frequency.clone(),
        key: d.def.key.clone(),
        demo: d.record.demo,
        version: d.latest.as_ref().and_then(|l| l.version),
        updated_at: d.latest.as_ref().map(|l| l.created_at),
        quality: d.scores.map(QualityDto::from),
        definition: full.then(|| d.def.clone()),
    }
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Words in the slug, names, sector or description, ignoring case and diacritics.
    pub q: Option<String>,
    /// `shared`, `specialised` or `open`.
    pub zone: Option<String>,
    pub sector: Option<String>,
    /// Owner agency code.
    pub owner: Option<String>,
    /// Only datasets whose score is below this.
    pub max_score: Option<i64>,
}

/// Applies catalogue search and filters.
pub fn filter(list: Vec<Dataset>, q: &ListQuery) -> Vec<Dataset> {
    let needle = q.q.as_deref().map(tinhso_domain::text::fold).filter(|s| !s.is_empty());
    list.into_iter()
        .filter(|d| q.zone.as_deref().is_none_or(|z| z.is_empty() || d.record.zone == z))
        .filter(|d| {
            q.sector.as_deref().is_none_or(|s| {
                s.is_empty() || tinhso_domain::text::fold(&d.record.sector) == tinhso_domain::text::fold(s)
            })
        })
        .filter(|d| q.owner.as_deref().is_none_or(|o| o.is_empty() || d.record.owner_code.eq_ignore_ascii_case(o)))
        .filter(|d| q.max_score.is_none_or(|m| d.scores.is_none_or(|s| s.score < m)))
        .filter(|d| {
            needle.as_ref().is_none_or(|n| {
                let hay = tinhso_domain::text::fold(&format!(
                    "{} {} {} {} {}",
                    d.record.slug, d.record.name_vi, d.record.name_en, d.record.sector, d.def.description
                ));
                hay.contains(n.as_str())
            })
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
struct DatasetList {
    total: usize,
    datasets: Vec<DatasetDto>,
}

/// Danh mục dữ liệu — The catalogue
///
/// The datasets the caller may read, searched and filtered.
#[utoipa::path(
    get,
    path = "/api/v1/datasets",
    tag = "datasets",
    params(ListQuery),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The datasets", body = DatasetList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
    )
)]
async fn list(State(s): State<AppState>, c: Caller, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<DatasetList>> {
    let all = s.warehouse.datasets(&actor(&c)).await?;
    let datasets: Vec<DatasetDto> = filter(all, &q).iter().map(|d| dataset_dto(d, false)).collect();
    Ok(Json(DatasetList { total: datasets.len(), datasets }))
}

/// Reads a definition from a JSON body (the API) — TOML is accepted with `Content-Type: application/toml`.
fn definition_from(headers: &HeaderMap, body: &[u8]) -> Result<Definition, Error> {
    let text = std::str::from_utf8(body).map_err(|_| {
        Error::invalid("body", "Định nghĩa phải là văn bản UTF-8.", "The definition must be UTF-8 text.")
    })?;
    let toml = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("toml"));
    Definition::parse(text, toml)
}

/// Định nghĩa bộ dữ liệu — Define a dataset
///
/// A JSON definition, or TOML with `Content-Type: application/toml`. Owned by
/// the caller's agency unless `owner` names one within their scope.
#[utoipa::path(
    post,
    path = "/api/v1/datasets",
    tag = "datasets",
    request_body(content((DatasetDefinition = "application/json"), (String = "application/toml"))),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 201, description = "Created", body = DatasetDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn create(
    State(s): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    c.require_write()?;
    let def = definition_from(&headers, &body)?;
    let d = s.warehouse.create_dataset(&actor(&c), def).await?;
    tracing::info!(actor = %c.user.username, slug = %d.record.slug, "dataset created");
    Ok((StatusCode::CREATED, Json(dataset_dto(&d, true))).into_response())
}

/// Một bộ dữ liệu — One dataset, with its definition
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{slug}",
    tag = "datasets",
    params(("slug" = String, Path, description = "The dataset's slug", example = "truong-hoc")),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The dataset", body = DatasetDto),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn show(State(s): State<AppState>, c: Caller, ApiPath(slug): ApiPath<String>) -> ApiResult<Json<DatasetDto>> {
    let d = s.warehouse.dataset(&actor(&c), &slug).await?;
    Ok(Json(dataset_dto(&d, true)))
}

/// Sửa định nghĩa — Change a dataset's definition
///
/// The slug cannot change; a field's type can change only while the table is empty.
#[utoipa::path(
    put,
    path = "/api/v1/datasets/{slug}",
    tag = "datasets",
    params(("slug" = String, Path, description = "The dataset's slug")),
    request_body(content((DatasetDefinition = "application/json"), (String = "application/toml"))),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "Updated", body = DatasetDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn update(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(slug): ApiPath<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<DatasetDto>> {
    c.require_write()?;
    let def = definition_from(&headers, &body)?;
    let d = s.warehouse.update_dataset(&actor(&c), &slug, def).await?;
    Ok(Json(dataset_dto(&d, true)))
}

/// One upload of a dataset: a version when it was committed.
#[derive(Serialize, ToSchema)]
pub struct VersionDto {
    pub ingest_id: i64,
    /// The Delta version; none when the upload was refused.
    pub version: Option<i64>,
    /// `committed` or `refused`.
    pub status: String,
    /// `replace`, `append` or `upsert`.
    pub mode: String,
    pub file_name: String,
    pub encoding: String,
    pub rows_read: i64,
    pub rows_accepted: i64,
    pub rows_rejected: i64,
    pub quality: QualityDto,
    /// Unix seconds.
    pub created_at: i64,
    /// The quality report (single versions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<QualityReport>)]
    pub report: Option<serde_json::Value>,
}

fn version_dto(d: &Dataset, i: &tinhso_store::IngestRecord, full: bool) -> VersionDto {
    let s = tinhso_warehouse::quality::ingest_scores(i, d.def.frequency, tinhso_store::now());
    VersionDto {
        ingest_id: i.id,
        version: i.version,
        status: i.status.clone(),
        mode: i.mode.clone(),
        file_name: i.file_name.clone(),
        encoding: i.encoding.clone(),
        rows_read: i.rows_read,
        rows_accepted: i.rows_accepted,
        rows_rejected: i.rows_rejected,
        quality: s.into(),
        created_at: i.created_at,
        report: if full { serde_json::from_str(&i.report).ok() } else { None },
    }
}

#[derive(Serialize, ToSchema)]
struct VersionList {
    versions: Vec<VersionDto>,
}

/// Các lần tải lên — A dataset's uploads and versions, newest first
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{slug}/versions",
    tag = "datasets",
    params(("slug" = String, Path, description = "The dataset's slug")),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The uploads", body = VersionList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn versions(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<VersionList>> {
    let a = actor(&c);
    let d = s.warehouse.dataset(&a, &slug).await?;
    let list = s.warehouse.ingests(&a, &slug).await?;
    Ok(Json(VersionList { versions: list.iter().map(|i| version_dto(&d, i, false)).collect() }))
}

fn parse_version(raw: &str) -> Result<i64, Error> {
    raw.trim_start_matches(['v', 'V']).parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
        Error::not_found(format!("Không có phiên bản «{raw}»."), format!("There is no version «{raw}»."))
    })
}

/// Một phiên bản — One version, with its quality report
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{slug}/versions/{n}",
    tag = "datasets",
    params(
        ("slug" = String, Path, description = "The dataset's slug"),
        ("n" = i64, Path, description = "Version number (`v3` is accepted too)"),
    ),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The version", body = VersionDto),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn version(
    State(s): State<AppState>,
    c: Caller,
    ApiPath((slug, n)): ApiPath<(String, String)>,
) -> ApiResult<Json<VersionDto>> {
    let a = actor(&c);
    let n = parse_version(&n)?;
    let d = s.warehouse.dataset(&a, &slug).await?;
    let list = s.warehouse.ingests(&a, &slug).await?;
    let i = list.iter().find(|i| i.version == Some(n)).ok_or_else(|| {
        Error::not_found(
            format!("Bộ dữ liệu «{slug}» không có phiên bản {n}."),
            format!("Dataset «{slug}» has no version {n}."),
        )
    })?;
    Ok(Json(version_dto(&d, i, true)))
}

/// The JSON answer to an upload.
#[derive(Serialize, ToSchema)]
pub struct IngestDto {
    pub ingest_id: i64,
    /// The new version; none when the upload was refused.
    pub version: Option<i64>,
    /// `committed` or `refused`.
    #[schema(value_type = String, example = "committed")]
    pub status: &'static str,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_rejected: u64,
    pub quality: QualityDto,
    /// Why the whole upload was refused (too many bad rows), if it was.
    #[schema(value_type = Option<crate::error::Bilingual>)]
    pub refused: Option<tinhso_warehouse::quality::Message>,
    /// Where the rejected rows are, when there are some.
    pub rejects_url: Option<String>,
    #[schema(value_type = QualityReport)]
    pub report: tinhso_warehouse::Report,
}

pub fn ingest_dto(slug: &str, o: &IngestOutcome) -> IngestDto {
    let rejects_url = (o.report.rows_rejected > 0).then(|| match o.version {
        Some(v) => format!("/api/v1/datasets/{slug}/versions/{v}/rejects?format=csv"),
        None => format!("/api/v1/datasets/{slug}/ingests/{}/rejects?format=csv", o.ingest_id),
    });
    IngestDto {
        ingest_id: o.ingest_id,
        version: o.version,
        status: if o.version.is_some() { "committed" } else { "refused" },
        rows_read: o.report.rows_read,
        rows_accepted: if o.version.is_some() { o.report.rows_accepted } else { 0 },
        rows_rejected: o.report.rows_rejected,
        quality: o.scores.into(),
        refused: o.report.refused.clone(),
        rejects_url,
        report: o.report.clone(),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct UploadQuery {
    /// `replace` (default), `append` or `upsert` (on the dataset's key).
    mode: Option<String>,
    /// Excel sheet, by name or 1-based number; the first sheet by default.
    sheet: Option<String>,
    /// The file's name, kept with the version; its extension helps detect the format.
    file_name: Option<String>,
}

/// The bytes of a file.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct FileBytes(Vec<u8>);

/// Streams a request body to a temporary file (bounded memory), refusing more than `max` bytes.
pub async fn spool(body: Body, dir: &std::path::Path, max: u64) -> Result<tempfile::NamedTempFile, Error> {
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(Error::internal)?;
    let mut f = tokio::fs::File::from_std(tmp.reopen().map_err(Error::internal)?);
    let mut stream = body.into_data_stream();
    let mut n: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Error::invalid("file", format!("Không nhận đủ tệp tải lên: {e}"), format!("The upload was cut short: {e}"))
        })?;
        n += chunk.len() as u64;
        if n > max {
            return Err(Error::new(
                ErrorKind::Invalid,
                format!("Tệp lớn quá {} GB.", max >> 30),
                format!("The file is larger than {} GB.", max >> 30),
            )
            .at("file"));
        }
        f.write_all(&chunk).await.map_err(Error::internal)?;
    }
    f.flush().await.map_err(Error::internal)?;
    Ok(tmp)
}

/// Tải lên phiên bản mới — Upload a new version
///
/// The body is the file itself (CSV in any common encoding, XLSX, JSON or
/// JSONL), streamed to disk, up to 4 GB. Good rows become a new version; bad
/// rows are kept with their reasons. A dataset may refuse the whole upload
/// above a share of bad rows: `status` is then `refused` and no version is made.
#[utoipa::path(
    post,
    path = "/api/v1/datasets/{slug}/versions",
    tag = "datasets",
    params(("slug" = String, Path, description = "The dataset's slug"), UploadQuery),
    request_body(content(
        (FileBytes = "text/csv"),
        (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (FileBytes = "application/json"),
        (FileBytes = "application/octet-stream"),
    )),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The upload's outcome", body = IngestDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn upload(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    req: Request,
) -> ApiResult<Json<IngestDto>> {
    c.require_write()?;
    let mode = WriteMode::parse(q.mode.as_deref().unwrap_or("replace"))?;
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let file_name = q.file_name.clone().unwrap_or_else(|| {
        let ext = match tinhso_warehouse::source::Format::guess(content_type.as_deref(), "") {
            Some(tinhso_warehouse::source::Format::Xlsx) => "xlsx",
            Some(tinhso_warehouse::source::Format::Json) => "json",
            _ => "csv",
        };
        format!("{slug}.{ext}")
    });
    // Check the dataset and the right to feed it before reading the body.
    let a = actor(&c);
    let d = s.warehouse.dataset(&a, &slug).await?;
    if !s.warehouse.may_manage(&a, &d.record.owner_path) {
        return Err(ApiError(Error::forbidden()));
    }
    let tmp = spool(req.into_body(), &s.warehouse.root().join("_staging"), MAX_DATASET_UPLOAD_BYTES).await?;
    let input = IngestInput { path: tmp.path().to_path_buf(), file_name, content_type, sheet: q.sheet, mode, at: None };
    let out = s.warehouse.ingest(&a, &slug, input, Arc::new(Progress::default())).await?;
    tracing::info!(actor = %c.user.username, slug = %slug, version = ?out.version, rows = out.report.rows_read, rejected = out.report.rows_rejected, "dataset upload");
    Ok(Json(ingest_dto(&slug, &out)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

pub const CSV_TYPE: &str = "text/csv; charset=utf-8";
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file download.
pub fn attachment(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// Sends a rejects CSV as CSV or XLSX.
pub fn rejects_response(path: Option<std::path::PathBuf>, name: &str, format: Option<&str>) -> Result<Response, Error> {
    let Some(path) = path else {
        return Err(Error::not_found("Lượt tải này không có dòng bị loại.", "This upload has no rejected rows."));
    };
    match format.unwrap_or("csv") {
        "csv" => {
            let bytes = std::fs::read(&path).map_err(Error::internal)?;
            Ok(attachment(CSV_TYPE, &format!("{name}.csv"), bytes))
        }
        "xlsx" => {
            let bytes = tinhso_warehouse::rejects::csv_to_xlsx(&path)?;
            Ok(attachment(XLSX_TYPE, &format!("{name}.xlsx"), bytes))
        }
        other => Err(Error::invalid(
            "format",
            format!("Định dạng «{other}» không hỗ trợ: csv hoặc xlsx."),
            format!("Format «{other}» is not supported: csv or xlsx."),
        )),
    }
}

/// Dòng bị loại của một phiên bản — A version's rejected rows
///
/// Each row with its source row number, column, value, rule and reason in
/// Vietnamese and English, followed by the original columns.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{slug}/versions/{n}/rejects",
    tag = "datasets",
    params(
        ("slug" = String, Path, description = "The dataset's slug"),
        ("n" = i64, Path, description = "Version number"),
        FormatQuery,
    ),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The rejected rows as a file",
            content((String = "text/csv"), (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn version_rejects(
    State(s): State<AppState>,
    c: Caller,
    ApiPath((slug, n)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    let n = parse_version(&n)?;
    let p = s.warehouse.rejects_path(&actor(&c), &slug, Some(n), None).await?;
    Ok(rejects_response(p, &format!("{slug}-v{n}-dong-loai"), q.format.as_deref())?)
}

/// Dòng bị loại của một lần tải — An upload's rejected rows (also a refused one)
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{slug}/ingests/{id}/rejects",
    tag = "datasets",
    params(
        ("slug" = String, Path, description = "The dataset's slug"),
        ("id" = i64, Path, description = "The upload's `ingest_id`"),
        FormatQuery,
    ),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The rejected rows as a file",
            content((String = "text/csv"), (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn ingest_rejects(
    State(s): State<AppState>,
    c: Caller,
    ApiPath((slug, id)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    let id: i64 = id.parse().map_err(|_| Error::not_found("Không có lượt tải này.", "No such upload."))?;
    let p = s.warehouse.rejects_path(&actor(&c), &slug, None, Some(id)).await?;
    Ok(rejects_response(p, &format!("{slug}-lan-{id}-dong-loai"), q.format.as_deref())?)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PreviewQuery {
    /// A past version (`3` or `v3`); the newest by default.
    #[param(value_type = Option<i64>)]
    version: Option<String>,
    /// At most this many rows (100 by default, 100,000 at most).
    #[param(minimum = 0)]
    limit: Option<usize>,
    /// `json` (default), `csv` or `xlsx`.
    format: Option<String>,
}

/// Rows with their column names.
#[derive(Serialize, ToSchema)]
pub struct RowsDto {
    pub columns: Vec<String>,
    /// One array per row, values in column order.
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// Xem dữ liệu — A dataset's rows
///
/// The first rows of the newest or a past version, as JSON, CSV or XLSX.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{slug}/preview",
    tag = "datasets",
    params(("slug" = String, Path, description = "The dataset's slug"), PreviewQuery),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The rows",
            content((RowsDto = "application/json"), (String = "text/csv"), (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn preview(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<PreviewQuery>,
) -> ApiResult<Response> {
    let version = q.version.as_deref().map(parse_version).transpose()?;
    let limit = q.limit.unwrap_or(100).min(100_000);
    let (columns, batches) = s.warehouse.rows(&actor(&c), &slug, version, limit).await?;
    tracing::info!(actor = %c.user.username, slug = %slug, version = ?version, "dataset read");
    table_response(&slug, columns, &batches, q.format.as_deref())
}

/// Rows as JSON (`{"columns", "rows"}`), CSV or XLSX.
pub fn table_response(
    name: &str,
    columns: Vec<String>,
    batches: &[tinhso_warehouse::deltalake::arrow::array::RecordBatch],
    format: Option<&str>,
) -> ApiResult<Response> {
    match format.unwrap_or("json") {
        "json" => {
            let rows = tinhso_warehouse::sql::to_json_rows(batches);
            Ok(Json(RowsDto { columns, rows }).into_response())
        }
        f @ ("csv" | "xlsx") => Ok(rows_file(name, &columns, &tinhso_warehouse::sql::to_json_rows(batches), f)?),
        other => Err(ApiError(Error::invalid(
            "format",
            format!("Định dạng «{other}» không hỗ trợ: json, csv hoặc xlsx."),
            format!("Format «{other}» is not supported: json, csv or xlsx."),
        ))),
    }
}

/// Rows of JSON values as a CSV (UTF-8 with BOM, for Excel) or XLSX download.
pub(crate) fn rows_file(
    name: &str,
    columns: &[String],
    rows: &[Vec<serde_json::Value>],
    format: &str,
) -> Result<Response, Error> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if format == "csv" {
        let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        w.write_record(columns).map_err(Error::internal)?;
        for r in rows {
            w.write_record(r.iter().map(text)).map_err(Error::internal)?;
        }
        let bytes = w.into_inner().map_err(Error::internal)?;
        return Ok(attachment(CSV_TYPE, &format!("{name}.csv"), bytes));
    }
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (j, c) in columns.iter().enumerate() {
        ws.write_string_with_format(0, j as u16, c, &bold).map_err(Error::internal)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (j, v) in r.iter().enumerate() {
            let (row, col) = (i as u32 + 1, j as u16);
            match v {
                serde_json::Value::Number(n) => {
                    ws.write_number(row, col, n.as_f64().unwrap_or_default()).map_err(Error::internal)?;
                }
                serde_json::Value::Bool(b) => {
                    ws.write_boolean(row, col, *b).map_err(Error::internal)?;
                }
                serde_json::Value::Null => {}
                other => {
                    ws.write_string(row, col, text(other)).map_err(Error::internal)?;
                }
            }
        }
    }
    let bytes = wb.save_to_buffer().map_err(Error::internal)?;
    Ok(attachment("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &format!("{name}.xlsx"), bytes))
}

/// A query.
#[derive(Deserialize, ToSchema)]
struct SqlBody {
    /// One `SELECT` (or `WITH … SELECT`) over the datasets, each a table named by
    /// its slug (`"truong-hoc"` or `truong_hoc`), a past version as `"truong-hoc@3"`.
    #[schema(example = "SELECT COUNT(*) FROM truong_hoc")]
    sql: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SqlQuery {
    /// `json` (default), `csv` or `xlsx`.
    format: Option<String>,
}

/// The answer to a query.
#[derive(Serialize, ToSchema)]
struct SqlResultDto {
    columns: Vec<String>,
    /// The Arrow type of each column.
    types: Vec<String>,
    /// One array per row, values in column order.
    rows: Vec<Vec<serde_json::Value>>,
    /// More rows existed than the 10,000 returned.
    truncated: bool,
    elapsed_ms: u64,
}

/// Truy vấn SQL — Run a SQL query over the warehouse
///
/// DataFusion over the datasets the caller may read; queries only, 30 s and
/// 512 MB per query, 10,000 rows per answer.
#[utoipa::path(
    post,
    path = "/api/v1/sql",
    tag = "sql",
    params(SqlQuery),
    request_body = SqlBody,
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The result",
            content((SqlResultDto = "application/json"), (String = "text/csv"), (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn sql(
    State(s): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<SqlQuery>,
    JsonBody(body): JsonBody<SqlBody>,
) -> ApiResult<Response> {
    let r = s.warehouse.sql(&actor(&c), &body.sql).await?;
    tracing::info!(actor = %c.user.username, rows = r.rows.len(), ms = r.elapsed_ms, "sql query");
    match q.format.as_deref() {
        None | Some("json") => Ok(Json(SqlResultDto {
            columns: r.columns.iter().map(|c| c.name.clone()).collect(),
            types: r.columns.iter().map(|c| c.kind.clone()).collect(),
            rows: r.rows,
            truncated: r.truncated,
            elapsed_ms: r.elapsed_ms,
        })
        .into_response()),
        Some(f) => {
            table_response("ket-qua-sql", r.columns.iter().map(|c| c.name.clone()).collect(), &r.batches, Some(f))
        }
    }
}

/// An agency's datasets' quality, averaged.
#[derive(Serialize, ToSchema)]
struct AgencyQualityDto {
    /// Agency code.
    agency: String,
    name: String,
    datasets: usize,
    quality: QualityDto,
}

/// Chất lượng theo cơ quan — Quality per agency
#[utoipa::path(
    get,
    path = "/api/v1/quality/agencies",
    tag = "quality",
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "One entry per agency that owns datasets", body = Vec<AgencyQualityDto>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
async fn agency_quality(State(s): State<AppState>, c: Caller) -> ApiResult<Json<Vec<AgencyQualityDto>>> {
    c.require_staff()?;
    let rows = s.warehouse.agency_quality(&actor(&c)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(agency, name, n, q)| AgencyQualityDto { agency, name, datasets: n, quality: q.into() })
            .collect(),
    ))
}

// ------------------------------------------- documents the warehouse owns
//
// The definition and the quality report are file formats of the warehouse
// (`tinhso_warehouse::Definition`, `tinhso_warehouse::Report`), passed through
// as they are; these types only describe them in the OpenAPI document and must
// follow `definition.rs` and `quality.rs` there. The schemathesis run in CI
// checks real answers against them.

pub use doc::{DatasetDefinition, QualityReport};

#[allow(dead_code)]
mod doc {
    use utoipa::ToSchema;

    use crate::error::Bilingual;

    /// A dataset definition: the catalogue entry and the schema (JSON, or TOML
    /// with the same keys).
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct DatasetDefinition {
        /// Lower-case letters, digits and `-`; the table's name in SQL.
        #[schema(example = "truong-hoc")]
        slug: String,
        #[schema(example = "Danh sách trường học")]
        name: String,
        #[serde(default)]
        name_en: String,
        zone: Zone,
        /// Owner agency code; the creator's agency by default.
        owner: Option<String>,
        #[serde(default)]
        sector: String,
        #[serde(default)]
        description: String,
        frequency: Frequency,
        /// Fields whose values identify a row (checked for duplicates; used by `upsert`).
        #[serde(default)]
        key: Vec<String>,
        coverage: Option<Coverage>,
        #[serde(default)]
        policy: Policy,
        #[serde(default)]
        demo: bool,
        fields: Vec<DatasetField>,
    }

    /// Where a dataset sits: shared between agencies, specialised (one sector) or open to the public.
    #[derive(ToSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Zone {
        Shared,
        Specialised,
        Open,
    }

    /// The declared update frequency; liveness is judged against it.
    #[derive(ToSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Frequency {
        Daily,
        Weekly,
        Monthly,
        Quarterly,
        Yearly,
    }

    /// Personal-data class of a field (Decree 13/2023/NĐ-CP).
    #[derive(ToSchema, Default)]
    #[serde(rename_all = "lowercase")]
    pub enum Personal {
        #[default]
        None,
        Basic,
        Sensitive,
    }

    /// Field types that understand Vietnamese data.
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum FieldType {
        Text,
        Integer,
        Decimal,
        Boolean,
        Date,
        Datetime,
        Money,
        Enum,
        AdminUnit,
        Cccd,
        Mst,
        Phone,
        Email,
        Point,
        Reference,
    }

    /// One field of a dataset's schema, with its constraints.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct DatasetField {
        #[schema(example = "ten_truong")]
        name: String,
        #[serde(default)]
        label: String,
        #[serde(default)]
        label_en: String,
        #[serde(rename = "type")]
        kind: FieldType,
        #[serde(default)]
        required: bool,
        #[serde(default)]
        personal: Personal,
        /// Smallest value (a number, or a date for dates).
        min: Option<serde_json::Value>,
        /// Largest value.
        max: Option<serde_json::Value>,
        min_length: Option<usize>,
        max_length: Option<usize>,
        /// A regular expression the whole value must match.
        pattern: Option<String>,
        /// The allowed values of an `enum` field.
        #[serde(default)]
        values: Vec<String>,
        /// For `reference`: the slug of the dataset whose key the values are.
        references: Option<String>,
        /// For `cccd`: the date-of-birth field to cross-check.
        birth_date_field: Option<String>,
        /// For dates: a date field this one may not precede.
        not_before: Option<String>,
        /// Other header spellings that mean this field.
        #[serde(default)]
        aliases: Vec<String>,
        #[serde(default)]
        description: String,
    }

    /// Declared coverage: every unit of `level` in the province should appear in `field`.
    #[derive(ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Coverage {
        field: String,
        /// `commune` by default.
        #[serde(default)]
        level: String,
    }

    /// What to do with bad rows.
    #[derive(ToSchema, Default)]
    #[serde(deny_unknown_fields)]
    pub struct Policy {
        /// Refuse the whole upload when the share of rejected rows is above this (0–1).
        #[schema(minimum = 0.0, maximum = 1.0)]
        max_reject_share: Option<f64>,
    }

    /// The quality report of one upload.
    #[derive(ToSchema)]
    pub struct QualityReport {
        file: String,
        /// `csv`, `xlsx`, `json` or `jsonl`.
        format: String,
        encoding: Option<String>,
        encoding_label: Option<String>,
        delimiter: Option<String>,
        sheet: Option<String>,
        header_row: u64,
        mode: String,
        /// How each column of the file was matched to a field.
        columns: serde_json::Value,
        rows_read: u64,
        rows_accepted: u64,
        rows_rejected: u64,
        correct: i64,
        complete: i64,
        clean: i64,
        required_cells: u64,
        required_missing: u64,
        duplicates: u64,
        rows_normalised: u64,
        formula_cells: u64,
        /// Repairs made, by kind (trimming, NFC, legacy fonts).
        fixes: serde_json::Value,
        /// Rejections by rule.
        by_rule: serde_json::Value,
        /// Share of filled cells per field.
        fill_rate: serde_json::Value,
        coverage: Option<CoverageReport>,
        examples: Examples,
        /// Why the whole upload was refused, if it was.
        refused: Option<Bilingual>,
        warnings: Vec<Bilingual>,
        /// When the data was uploaded (Unix seconds).
        at: i64,
    }

    /// Coverage of the province's units.
    #[derive(ToSchema)]
    pub struct CoverageReport {
        field: String,
        expected: usize,
        present: usize,
        missing: Vec<MissingUnit>,
    }

    /// A unit of the declared coverage missing from the data.
    #[derive(ToSchema)]
    pub struct MissingUnit {
        code: String,
        name: String,
    }

    /// Examples of each kind of problem.
    #[derive(ToSchema)]
    pub struct Examples {
        correct: Vec<serde_json::Value>,
        complete: Vec<serde_json::Value>,
        clean: Vec<serde_json::Value>,
        fixes: Vec<serde_json::Value>,
    }
}
