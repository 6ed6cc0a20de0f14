//! The warehouse API: catalogue (`/api/v1/datasets`), uploads as new
//! versions, rejected rows, row previews and SQL (`/api/v1/sql`).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tinhso_domain::{Error, ErrorKind};
use tinhso_warehouse::{Actor, Dataset, Definition, IngestInput, IngestOutcome, Progress, WriteMode};
use tokio::io::AsyncWriteExt;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
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

#[derive(Serialize)]
pub struct QualityDto {
    pub score: i64,
    pub correct: i64,
    pub complete: i64,
    pub clean: i64,
    pub live: i64,
}

impl From<tinhso_warehouse::Scores> for QualityDto {
    fn from(s: tinhso_warehouse::Scores) -> QualityDto {
        QualityDto { score: s.score, correct: s.correct, complete: s.complete, clean: s.clean, live: s.live }
    }
}

#[derive(Serialize)]
pub struct DatasetDto {
    pub slug: String,
    pub name: String,
    pub name_en: String,
    pub zone: String,
    pub owner: String,
    pub owner_name: String,
    pub sector: String,
    pub frequency: String,
    pub key: Vec<String>,
    pub demo: bool,
    pub version: Option<i64>,
    pub updated_at: Option<i64>,
    pub quality: Option<QualityDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
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

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub q: Option<String>,
    pub zone: Option<String>,
    pub sector: Option<String>,
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

#[derive(Serialize)]
struct DatasetList {
    total: usize,
    datasets: Vec<DatasetDto>,
}

async fn list(State(s): State<AppState>, c: Caller, Query(q): Query<ListQuery>) -> ApiResult<Json<DatasetList>> {
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

async fn show(State(s): State<AppState>, c: Caller, Path(slug): Path<String>) -> ApiResult<Json<DatasetDto>> {
    let d = s.warehouse.dataset(&actor(&c), &slug).await?;
    Ok(Json(dataset_dto(&d, true)))
}

async fn update(
    State(s): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<DatasetDto>> {
    c.require_write()?;
    let def = definition_from(&headers, &body)?;
    let d = s.warehouse.update_dataset(&actor(&c), &slug, def).await?;
    Ok(Json(dataset_dto(&d, true)))
}

#[derive(Serialize)]
pub struct VersionDto {
    pub ingest_id: i64,
    pub version: Option<i64>,
    pub status: String,
    pub mode: String,
    pub file_name: String,
    pub encoding: String,
    pub rows_read: i64,
    pub rows_accepted: i64,
    pub rows_rejected: i64,
    pub quality: QualityDto,
    pub created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
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

#[derive(Serialize)]
struct VersionList {
    versions: Vec<VersionDto>,
}

async fn versions(State(s): State<AppState>, c: Caller, Path(slug): Path<String>) -> ApiResult<Json<VersionList>> {
    let a = actor(&c);
    let d = s.warehouse.dataset(&a, &slug).await?;
    let list = s.warehouse.ingests(&a, &slug).await?;
    Ok(Json(VersionList { versions: list.iter().map(|i| version_dto(&d, i, false)).collect() }))
}

fn parse_version(raw: &str) -> Result<i64, Error> {
    raw.trim_start_matches(['v', 'V'])
        .parse::<i64>()
        .map_err(|_| Error::not_found(format!("Không có phiên bản «{raw}»."), format!("There is no version «{raw}».")))
}

async fn version(
    State(s): State<AppState>,
    c: Caller,
    Path((slug, n)): Path<(String, String)>,
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
#[derive(Serialize)]
pub struct IngestDto {
    pub ingest_id: i64,
    pub version: Option<i64>,
    pub status: &'static str,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_rejected: u64,
    pub quality: QualityDto,
    pub refused: Option<tinhso_warehouse::quality::Message>,
    pub rejects_url: Option<String>,
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

#[derive(Deserialize)]
struct UploadQuery {
    mode: Option<String>,
    sheet: Option<String>,
    file_name: Option<String>,
}

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

async fn upload(
    State(s): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    Query(q): Query<UploadQuery>,
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

#[derive(Deserialize)]
pub struct FormatQuery {
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

async fn version_rejects(
    State(s): State<AppState>,
    c: Caller,
    Path((slug, n)): Path<(String, String)>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let n = parse_version(&n)?;
    let p = s.warehouse.rejects_path(&actor(&c), &slug, Some(n), None).await?;
    Ok(rejects_response(p, &format!("{slug}-v{n}-dong-loai"), q.format.as_deref())?)
}

async fn ingest_rejects(
    State(s): State<AppState>,
    c: Caller,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let id: i64 = id.parse().map_err(|_| Error::not_found("Không có lượt tải này.", "No such upload."))?;
    let p = s.warehouse.rejects_path(&actor(&c), &slug, None, Some(id)).await?;
    Ok(rejects_response(p, &format!("{slug}-lan-{id}-dong-loai"), q.format.as_deref())?)
}

#[derive(Deserialize)]
struct PreviewQuery {
    version: Option<String>,
    limit: Option<usize>,
    format: Option<String>,
}

async fn preview(
    State(s): State<AppState>,
    c: Caller,
    Path(slug): Path<String>,
    Query(q): Query<PreviewQuery>,
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
            Ok(Json(serde_json::json!({"columns": columns, "rows": rows})).into_response())
        }
        "csv" => {
            let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
            w.write_record(&columns).map_err(Error::internal)?;
            for r in tinhso_warehouse::sql::to_text_rows(batches) {
                w.write_record(&r).map_err(Error::internal)?;
            }
            let bytes = w.into_inner().map_err(Error::internal)?;
            Ok(attachment(CSV_TYPE, &format!("{name}.csv"), bytes))
        }
        "xlsx" => {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (j, c) in columns.iter().enumerate() {
                ws.write_string_with_format(0, j as u16, c, &bold).map_err(Error::internal)?;
            }
            for (i, r) in tinhso_warehouse::sql::to_json_rows(batches).iter().enumerate() {
                for (j, v) in r.iter().enumerate() {
                    let (row, col) = (i as u32 + 1, j as u16);
                    match v {
                        serde_json::Value::Number(n) => {
                            ws.write_number(row, col, n.as_f64().unwrap_or_default()).map_err(Error::internal)?;
                        }
                        serde_json::Value::Bool(b) => {
                            ws.write_boolean(row, col, *b).map_err(Error::internal)?;
                        }
                        serde_json::Value::String(s) => {
                            ws.write_string(row, col, s).map_err(Error::internal)?;
                        }
                        _ => {}
                    }
                }
            }
            let bytes = wb.save_to_buffer().map_err(Error::internal)?;
            Ok(attachment(XLSX_TYPE, &format!("{name}.xlsx"), bytes))
        }
        other => Err(ApiError(Error::invalid(
            "format",
            format!("Định dạng «{other}» không hỗ trợ: json, csv hoặc xlsx."),
            format!("Format «{other}» is not supported: json, csv or xlsx."),
        ))),
    }
}

#[derive(Deserialize)]
struct SqlBody {
    sql: String,
}

async fn sql(
    State(s): State<AppState>,
    c: Caller,
    Query(q): Query<FormatQuery>,
    crate::api::JsonBody(body): crate::api::JsonBody<SqlBody>,
) -> ApiResult<Response> {
    let r = s.warehouse.sql(&actor(&c), &body.sql).await?;
    tracing::info!(actor = %c.user.username, rows = r.rows.len(), ms = r.elapsed_ms, "sql query");
    match q.format.as_deref() {
        None | Some("json") => Ok(Json(serde_json::json!({
            "columns": r.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
            "types": r.columns.iter().map(|c| c.kind.clone()).collect::<Vec<_>>(),
            "rows": r.rows,
            "truncated": r.truncated,
            "elapsed_ms": r.elapsed_ms,
        }))
        .into_response()),
        Some(f) => {
            table_response("ket-qua-sql", r.columns.iter().map(|c| c.name.clone()).collect(), &r.batches, Some(f))
        }
    }
}

#[derive(Serialize)]
struct AgencyQualityDto {
    agency: String,
    name: String,
    datasets: usize,
    quality: QualityDto,
}

async fn agency_quality(State(s): State<AppState>, c: Caller) -> ApiResult<Json<Vec<AgencyQualityDto>>> {
    c.require_staff()?;
    let rows = s.warehouse.agency_quality(&actor(&c)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(agency, name, n, q)| AgencyQualityDto { agency, name, datasets: n, quality: q.into() })
            .collect(),
    ))
}
